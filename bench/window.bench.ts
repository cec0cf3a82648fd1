// window: a streaming tumble(1s) count/avg per device over a replayed stream — the query seeks to
// the earliest row and replays ROWS rows of history through the window operator, then a sentinel
// row far in the future closes the last window. Measured: rows/s from query start until every
// window has been emitted (their counts add up to ROWS). Baseline, same run: the same scan as a
// bounded `SELECT count() FROM table(sensors)` (reading and decoding the same rows, no windows),
// so the ratio is what windowing costs on top of reading. Target ≥ 5,000,000 rows/s.
//
// Run: npm run bench:window   (ROWS, RUNS override; BENCH_DIR picks the disk)
import { rmSync } from 'node:fs';
import { openNode } from '../src/engine/node.ts';
import { makeBatch, rowArraysOf } from '../src/types/batch.ts';
import { stringsOf, vectorFromValues } from '../src/types/vector.ts';
import { BENCH_START_MS, benchDir, median, sensorBatches } from './support/sensor-batches.ts';

const ROWS = Number(process.env.ROWS ?? 5_000_000);
const RUNS = Number(process.env.RUNS ?? 3);
const BATCH_ROWS = 10_000;

const dir = benchDir('window');
const node = await openNode({ dataDir: dir });
await node.execute("CREATE STREAM sensors (device string, temp float64, hum float64, status int32) SETTINGS fsync='never'");
const stream = node.storage.catalog.getStream('default', 'sensors');
const columns = stream.columns.map((c) => ({ name: c.name, type: c.type }));
// Event time = BENCH_START_MS + row number (one row per ms), 100 devices.
const count = Math.ceil(ROWS / BATCH_ROWS);
for (let b = 0; b < count; b += 50) {
  const part = sensorBatches(Math.min(50, count - b), BATCH_ROWS, 7 + b).map((batch, k) => {
    const time = new Float64Array(BATCH_ROWS).map((_, i) => BENCH_START_MS + (b + k) * BATCH_ROWS + i);
    const devices = stringsOf(batch.vectors[1] as Extract<(typeof batch.vectors)[number], { kind: 'string' }>).map((d) => `device-${Number(d.slice(7)) % 100}`);
    return makeBatch(columns, [{ kind: 'fixed', type: columns[0].type, rowCount: BATCH_ROWS, data: time }, vectorFromValues(columns[1].type, devices), batch.vectors[2], batch.vectors[3], batch.vectors[4]]);
  });
  for (const batch of part) await node.storage.append('default', 'sensors', batch);
}
const rows = node.storage.log('default', 'sensors').nextSn;
await node.execute(`INSERT INTO sensors (_tp_time, device, temp, hum, status) VALUES (${BENCH_START_MS + rows + 3_600_000}, 'sentinel', 0, 0, 0)`.replace(/VALUES \((\d+),/, (_m, ms: string) => `VALUES (to_datetime64(${Number(ms) / 1000}, 3),`));

async function windowRun(): Promise<number> {
  const t0 = performance.now();
  const result = await node.execute("SELECT window_start, device, count() AS n, avg(temp) FROM tumble(sensors, 1s) GROUP BY window_start, device SETTINGS seek_to='earliest'");
  if (result.kind !== 'stream') throw new Error('expected a streaming result');
  let counted = 0;
  for await (const batch of result.batches) {
    for (const row of rowArraysOf(batch)) counted += Number(row[2]);
    if (counted >= rows) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (counted !== rows) throw new Error(`windows counted ${counted} rows, expected ${rows}`);
  return seconds;
}

async function scanRun(): Promise<number> {
  const t0 = performance.now();
  await node.query('SELECT count() FROM table(sensors)');
  return (performance.now() - t0) / 1000;
}

const windowRuns: number[] = [];
const scanRuns: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const w = await windowRun();
  const s = await scanRun();
  windowRuns.push(w);
  scanRuns.push(s);
  console.log(JSON.stringify({ bench: 'window', run, rows, windowRowsPerSec: Math.round(rows / w), scanCountRowsPerSec: Math.round(rows / s), ratioToScan: +(s / w).toFixed(2) }));
}
console.log(
  JSON.stringify({
    bench: 'window',
    summary: 'median',
    rows,
    windowRowsPerSec: Math.round(rows / median(windowRuns)),
    ratioToScanCount: +(median(scanRuns) / median(windowRuns)).toFixed(2),
    targetRowsPerSec: 5_000_000,
  }),
);
await node.close();
rmSync(dir, { recursive: true, force: true });
