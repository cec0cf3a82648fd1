// query: filter + group-by (100 groups) over 10,000,000 rows with table(), through the SQL engine
// (read from the log, CRC check, decode, filter, hash group-by, aggregate). Baseline, same run: a
// hand-written JS loop doing the same filter and group-by over the same data already decoded in
// memory as typed arrays and strings (the language's limit for this computation). Prints one JSON
// line per run and a median summary with the ratio. Target ratio ≥ 0.4.
//
// Run: npm run bench:query   (ROWS, RUNS override; BENCH_DIR picks the disk)
import { rmSync } from 'node:fs';
import { openNode } from '../src/engine/node.ts';
import { stringsOf } from '../src/types/vector.ts';
import { benchDir, median, sensorBatches } from './support/sensor-batches.ts';

const ROWS = Number(process.env.ROWS ?? 10_000_000);
const RUNS = Number(process.env.RUNS ?? 3);
const BATCH_ROWS = 10_000;
const SQL = 'SELECT device, count(), avg(temp), max(hum) FROM table(sensors) WHERE temp > 20 GROUP BY device';

const dir = benchDir('query');
const node = await openNode({ dataDir: dir });
await node.execute("CREATE STREAM sensors (device string, temp float64, hum float64, status int32) SETTINGS fsync='never'");
// 100 distinct devices; batches are generated once and appended repeatedly.
const template = sensorBatches(100, BATCH_ROWS).map((batch) => {
  const devices = stringsOf(batch.vectors[1] as Extract<(typeof batch.vectors)[number], { kind: 'string' }>).map((d) => `device-${Number(d.slice(7)) % 100}`);
  return { batch, devices };
});
const stream = node.storage.catalog.getStream('default', 'sensors');
const { vectorFromValues } = await import('../src/types/vector.ts');
const { makeBatch } = await import('../src/types/batch.ts');
const batches = template.map(({ batch, devices }) =>
  makeBatch(
    stream.columns.map((c) => ({ name: c.name, type: c.type })),
    [batch.vectors[0], vectorFromValues(stream.columns[1].type, devices), batch.vectors[2], batch.vectors[3], batch.vectors[4]],
  ),
);
for (let written = 0; written < ROWS; written += BATCH_ROWS * batches.length) {
  await Promise.all(batches.map((b) => node.storage.append('default', 'sensors', b)));
}
const rows = node.storage.log('default', 'sensors').nextSn;

// The baseline's input: the same rows, decoded once, in memory.
const decoded = batches.map((b) => ({
  device: stringsOf(b.vectors[1] as Extract<(typeof b.vectors)[number], { kind: 'string' }>),
  temp: (b.vectors[2] as { data: Float64Array }).data,
  hum: (b.vectors[3] as { data: Float64Array }).data,
}));

function handLoop(): number {
  const groups = new Map<string, number>();
  const count = new Float64Array(128);
  const sum = new Float64Array(128);
  const max = new Float64Array(128).fill(-Infinity);
  const repeats = rows / (BATCH_ROWS * decoded.length);
  for (let r = 0; r < repeats; r++) {
    for (const { device, temp, hum } of decoded) {
      for (let i = 0; i < temp.length; i++) {
        if (!(temp[i] > 20)) continue;
        let g = groups.get(device[i]);
        if (g === undefined) groups.set(device[i], (g = groups.size));
        count[g]++;
        sum[g] += temp[i];
        if (hum[i] > max[g]) max[g] = hum[i];
      }
    }
  }
  return groups.size + sum[0] / count[0] + max[0];
}

const engineRuns: number[] = [];
const loopRuns: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const t0 = performance.now();
  const result = await node.query(SQL);
  const engineSeconds = (performance.now() - t0) / 1000;
  if (result.rows.length !== 100) throw new Error(`expected 100 groups, got ${result.rows.length}`);
  const t1 = performance.now();
  handLoop();
  const loopSeconds = (performance.now() - t1) / 1000;
  engineRuns.push(engineSeconds);
  loopRuns.push(loopSeconds);
  console.log(
    JSON.stringify({
      bench: 'query',
      run,
      rows,
      engineRowsPerSec: Math.round(rows / engineSeconds),
      handLoopRowsPerSec: Math.round(rows / loopSeconds),
      ratioToHandLoop: +(loopSeconds / engineSeconds).toFixed(2),
    }),
  );
}
console.log(
  JSON.stringify({
    bench: 'query',
    summary: 'median',
    sql: SQL,
    rows,
    engineRowsPerSec: Math.round(rows / median(engineRuns)),
    ratioToHandLoop: +(median(loopRuns) / median(engineRuns)).toFixed(2),
    targetRatio: 0.4,
  }),
);
await node.close();
rmSync(dir, { recursive: true, force: true });
