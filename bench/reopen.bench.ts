// reopen: time to open a 1 GB stream log whose active segment is nearly full (the worst case of the
// default recovery: header walk of sealed segments, full CRC check of the active one, index rebuild),
// and with verify='all' (every batch of every segment CRC-checked). Baseline, same run: reading every
// segment's bytes with readFileSync (what verify='all' cannot beat). Prints one JSON line per run and
// a median summary. Target: default open ≤ 2 s for 1 GB.
//
// Run: npm run bench:reopen   (LOG_BYTES, BATCH_ROWS, RUNS override; BENCH_DIR picks the disk)
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StreamLog } from '../src/storage/log/stream-log.ts';
import { benchDir, median, sensorBatches } from './support/sensor-batches.ts';

const LOG_BYTES = Number(process.env.LOG_BYTES ?? 1024 ** 3);
const BATCH_ROWS = Number(process.env.BATCH_ROWS ?? 1_000);
const RUNS = Number(process.env.RUNS ?? 3);

const dir = benchDir('reopen');
{
  const template = sensorBatches(100, BATCH_ROWS);
  const log = await StreamLog.open({ dir, settings: { fsync: 'never' } });
  // Stop when the log has LOG_BYTES and its active segment is at least 90% full.
  const segmentBytes = log.settings.segmentBytes;
  const activeBytes = () => log.getStats().bytes % segmentBytes;
  while (log.getStats().bytes < LOG_BYTES || activeBytes() < 0.9 * segmentBytes) await log.append(template[log.getStats().batches % 100]);
  await log.close();
}
const files = readdirSync(dir).filter((n) => n.endsWith('.seg')).sort().map((n) => join(dir, n));
const bytes = files.reduce((sum, f) => sum + statSync(f).size, 0);

async function timeOpen(verify: 'tail' | 'all'): Promise<{ seconds: number; rows: number }> {
  const t0 = performance.now();
  const log = await StreamLog.open({ dir, verify });
  const seconds = (performance.now() - t0) / 1000;
  const rows = log.nextSn;
  await log.close();
  return { seconds, rows };
}

const opens: number[] = [];
const fullOpens: number[] = [];
const baselines: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const open = await timeOpen('tail');
  const full = await timeOpen('all');
  const t1 = performance.now();
  for (const f of files) readFileSync(f);
  const baseline = (performance.now() - t1) / 1000;
  opens.push(open.seconds);
  fullOpens.push(full.seconds);
  baselines.push(baseline);
  console.log(
    JSON.stringify({
      bench: 'reopen',
      run,
      bytes,
      rows: open.rows,
      segments: files.length,
      activeSegmentBytes: statSync(files[files.length - 1]).size,
      openMs: +(open.seconds * 1000).toFixed(0),
      verifyAllOpenMs: +(full.seconds * 1000).toFixed(0),
      readAllBytesMs: +(baseline * 1000).toFixed(0),
    }),
  );
}
console.log(
  JSON.stringify({
    bench: 'reopen',
    summary: 'median',
    bytes,
    openMs: +(median(opens) * 1000).toFixed(0),
    verifyAllOpenMs: +(median(fullOpens) * 1000).toFixed(0),
    verifyAllRatioToReadingAllBytes: +(median(baselines) / median(fullOpens)).toFixed(2),
    targetMs: 2000,
  }),
);
rmSync(dir, { recursive: true, force: true });
