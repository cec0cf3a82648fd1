// The benchmark row: the foundation's five columns (ts as _tp_time datetime64(3), device string,
// temp float64, hum float64, status int32), ~5% of statuses >= 400 like ../shared/bench-peers/rows.mjs,
// built column-wise into batches with a seeded generator so every run writes the same bytes.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Prng } from '../../src/core/prng.ts';
import { type Batch, type Column, makeBatch } from '../../src/types/batch.ts';
import { T } from '../../src/types/data-type.ts';
import { vectorFromValues } from '../../src/types/vector.ts';

export const SENSOR_COLUMNS: readonly Column[] = [
  { name: '_tp_time', type: T.datetime64() },
  { name: 'device', type: T.string },
  { name: 'temp', type: T.float64 },
  { name: 'hum', type: T.float64 },
  { name: 'status', type: T.int32 },
];

export const BENCH_START_MS = Date.parse('2026-01-01T00:00:00Z');

/** `count` batches of `rows` rows; row n has event time BENCH_START_MS + n ms. */
export function sensorBatches(count: number, rows: number, seed = 42): Batch[] {
  const prng = new Prng(seed);
  const batches: Batch[] = [];
  for (let b = 0; b < count; b++) {
    const time = new Float64Array(rows);
    const devices: string[] = new Array(rows);
    const temp = new Float64Array(rows);
    const hum = new Float64Array(rows);
    const status = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      time[i] = BENCH_START_MS + b * rows + i;
      devices[i] = `device-${String(prng.int(0, 999)).padStart(4, '0')}`;
      temp[i] = Math.round((15 + prng.next() * 15) * 100) / 100;
      hum[i] = Math.round(prng.next() * 10_000) / 100;
      status[i] = prng.next() < 0.05 ? 500 : 200;
    }
    batches.push(
      makeBatch(SENSOR_COLUMNS, [
        { kind: 'fixed', type: SENSOR_COLUMNS[0].type, rowCount: rows, data: time },
        vectorFromValues(T.string, devices),
        { kind: 'fixed', type: T.float64, rowCount: rows, data: temp },
        { kind: 'fixed', type: T.float64, rowCount: rows, data: hum },
        { kind: 'fixed', type: T.int32, rowCount: rows, data: status },
      ]),
    );
  }
  return batches;
}

/** A scratch directory on the real disk (not tmpfs), under BENCH_DIR or ./.bench-data. */
export function benchDir(name: string): string {
  const root = process.env.BENCH_DIR ?? join(process.cwd(), '.bench-data');
  mkdirSync(root, { recursive: true });
  return mkdtempSync(join(root, `${name}-`));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
