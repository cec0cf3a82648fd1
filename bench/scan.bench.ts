// scan: a full scan of a stream log (read + CRC check + decode to typed arrays, touching one column
// per batch), and a time-range seek that touches 1% of the data. Baseline, same run, same files:
// reading the segment files' bytes with plain fs reads of the same size (the I/O limit from the page
// cache; decoding can only add to it). Prints one JSON line per run and a median summary.
//
// Run: npm run bench:scan   (ROWS, BATCH_ROWS, RUNS override; BENCH_DIR picks the disk)
import { closeSync, openSync, readSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SCAN_READ_BYTES } from '../src/core/limits.ts';
import { StreamLog } from '../src/storage/log/stream-log.ts';
import { BENCH_START_MS, benchDir, median, sensorBatches } from './support/sensor-batches.ts';

const ROWS = Number(process.env.ROWS ?? 5_000_000);
const BATCH_ROWS = Number(process.env.BATCH_ROWS ?? 1_000);
const RUNS = Number(process.env.RUNS ?? 5);

const dir = benchDir('scan');
{
  // Build the log once: 100 distinct batches appended repeatedly (generation is not what we measure).
  const template = sensorBatches(100, BATCH_ROWS);
  const log = await StreamLog.open({ dir, settings: { fsync: 'never' } });
  const batchCount = Math.ceil(ROWS / BATCH_ROWS);
  for (let b = 0; b < batchCount; b += 100) {
    await Promise.all(template.slice(0, Math.min(100, batchCount - b)).map((batch) => log.append(batch)));
  }
  await log.close();
}
const log = await StreamLog.open({ dir, settings: { fsync: 'never' } });
const rows = log.nextSn;
const segmentFiles = readdirSync(dir).filter((n) => n.endsWith('.seg')).map((n) => join(dir, n));
const fileBytes = segmentFiles.reduce((sum, f) => sum + statSync(f).size, 0);

async function fullScan(): Promise<{ seconds: number; checksum: number }> {
  const t0 = performance.now();
  let checksum = 0;
  for await (const record of log.read()) {
    const status = record.batch!.vectors[4] as { data: Int32Array };
    checksum += status.data[0] + record.header.rowCount;
  }
  return { seconds: (performance.now() - t0) / 1000, checksum };
}

function rawRead(): number {
  const t0 = performance.now();
  for (const file of segmentFiles) {
    const fd = openSync(file, 'r');
    const size = statSync(file).size;
    for (let position = 0; position < size; position += SCAN_READ_BYTES) {
      const buffer = Buffer.allocUnsafeSlow(Math.min(SCAN_READ_BYTES, size - position));
      readSync(fd, buffer, 0, buffer.length, position);
    }
    closeSync(fd);
  }
  return (performance.now() - t0) / 1000;
}

async function seekOnePercent(): Promise<{ seconds: number; rows: number; batches: number }> {
  // Event times are BENCH_START_MS + n for template row n; 100 templates repeat, so the last 1% of
  // event times [99%, 100%] of one template span lies in 1% of the batches.
  const span = 100 * BATCH_ROWS;
  const from = BENCH_START_MS + Math.floor(span * 0.99);
  const t0 = performance.now();
  let seekRows = 0;
  let batches = 0;
  for await (const record of log.read({ minTimeMs: from, maxTimeMs: BENCH_START_MS + span })) {
    seekRows += record.header.rowCount;
    batches++;
  }
  return { seconds: (performance.now() - t0) / 1000, rows: seekRows, batches };
}

const scans: number[] = [];
const raws: number[] = [];
const seeks: number[] = [];
let seekInfo = { rows: 0, batches: 0 };
for (let run = 1; run <= RUNS; run++) {
  const scan = await fullScan();
  const raw = rawRead();
  const seek = await seekOnePercent();
  scans.push(scan.seconds);
  raws.push(raw);
  seeks.push(seek.seconds);
  seekInfo = seek;
  console.log(
    JSON.stringify({
      bench: 'scan',
      run,
      rows,
      bytes: fileBytes,
      scanRowsPerSec: Math.round(rows / scan.seconds),
      scanMBps: +(fileBytes / scan.seconds / 1e6).toFixed(0),
      rawReadMBps: +(fileBytes / raw / 1e6).toFixed(0),
      ratioToRawRead: +(raw / scan.seconds).toFixed(2),
      seekRows: seek.rows,
      seekBatches: seek.batches,
      seekMs: +(seek.seconds * 1000).toFixed(1),
    }),
  );
}
console.log(
  JSON.stringify({
    bench: 'scan',
    summary: 'median',
    fullScanRowsPerSec: Math.round(rows / median(scans)),
    ratioToRawRead: +(median(raws) / median(scans)).toFixed(2),
    seekRowsPerSec: Math.round(seekInfo.rows / median(seeks)),
    seekBatchesRead: seekInfo.batches,
    totalBatches: Math.ceil(rows / BATCH_ROWS),
    targetFullScanRowsPerSec: 20_000_000,
  }),
);
await log.close();
rmSync(dir, { recursive: true, force: true });
