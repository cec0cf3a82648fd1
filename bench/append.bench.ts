// append: 1,000,000 rows of the sensor schema in batches of 1,000 from 8 concurrent writers into one
// stream log with fsync = always (group commit). Baseline, same run, same bytes: the encoded batches
// written with a plain fs.writeSync + fdatasync per batch (what a log without group commit can do at
// best) — and, for context, one sequential write of all bytes with a single fdatasync (the disk's
// bandwidth). Prints one JSON line per run and a summary with medians and ratios.
//
// Run: npm run bench:append   (ROWS, BATCH_ROWS, WRITERS, RUNS override; BENCH_DIR picks the disk)
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StreamLog } from '../src/storage/log/stream-log.ts';
import { encodeBatch } from '../src/types/batch-codec.ts';
import { benchDir, median, sensorBatches } from './support/sensor-batches.ts';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const BATCH_ROWS = Number(process.env.BATCH_ROWS ?? 1_000);
const WRITERS = Number(process.env.WRITERS ?? 8);
const RUNS = Number(process.env.RUNS ?? 3);

const batches = sensorBatches(Math.ceil(ROWS / BATCH_ROWS), BATCH_ROWS);
const encoded = batches.map((b) => encodeBatch(b, { baseSn: 0, appendTimeMs: 0 }));
const totalBytes = encoded.reduce((sum, e) => sum + e.length, 0);

async function runLog(): Promise<{ seconds: number; groupCommits: number; fsyncs: number }> {
  const dir = benchDir('append');
  const log = await StreamLog.open({ dir, settings: { fsync: 'always' } });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < batches.length) await log.append(batches[next++]);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const stats = log.getStats();
  if (stats.nextSn !== batches.length * BATCH_ROWS) throw new Error(`appended ${stats.nextSn} rows`);
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return { seconds, groupCommits: stats.groupCommits, fsyncs: stats.fsyncs };
}

function runRawPerBatch(): number {
  const dir = benchDir('raw');
  const fd = openSync(join(dir, 'raw.log'), 'a');
  const t0 = performance.now();
  for (const bytes of encoded) {
    writeSync(fd, bytes);
    fdatasyncSync(fd);
  }
  const seconds = (performance.now() - t0) / 1000;
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return seconds;
}

function runRawSequential(): number {
  const dir = benchDir('seq');
  const fd = openSync(join(dir, 'seq.log'), 'a');
  const t0 = performance.now();
  for (const bytes of encoded) writeSync(fd, bytes);
  fdatasyncSync(fd);
  const seconds = (performance.now() - t0) / 1000;
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return seconds;
}

const rows = batches.length * BATCH_ROWS;
const logRuns: number[] = [];
const rawRuns: number[] = [];
const seqRuns: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const log = await runLog();
  const raw = runRawPerBatch();
  const seq = runRawSequential();
  logRuns.push(log.seconds);
  rawRuns.push(raw);
  seqRuns.push(seq);
  console.log(
    JSON.stringify({
      bench: 'append',
      run,
      rows,
      bytes: totalBytes,
      writers: WRITERS,
      batchRows: BATCH_ROWS,
      logRowsPerSec: Math.round(rows / log.seconds),
      logMBps: +(totalBytes / log.seconds / 1e6).toFixed(1),
      groupCommits: log.groupCommits,
      rawWriteFdatasyncRowsPerSec: Math.round(rows / raw),
      rawSequentialRowsPerSec: Math.round(rows / seq),
      ratioToRawWriteFdatasync: +(raw / log.seconds).toFixed(2),
      ratioToSequential: +(seq / log.seconds).toFixed(2),
    }),
  );
}
const logS = median(logRuns);
console.log(
  JSON.stringify({
    bench: 'append',
    summary: 'median',
    rowsPerSec: Math.round(rows / logS),
    MBps: +(totalBytes / logS / 1e6).toFixed(1),
    ratioToRawWriteFdatasync: +(median(rawRuns) / logS).toFixed(2),
    ratioToSequentialWrite: +(median(seqRuns) / logS).toFixed(2),
    targetRowsPerSec: 2_000_000,
    targetRatio: 0.5,
  }),
);
