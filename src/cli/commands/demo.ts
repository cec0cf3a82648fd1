// `tributary demo` (storage stage): shows the durable stream log working end to end on a real data
// directory. Issue "server" and "external streams" replace it with the edge-and-cloud demo.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '../../storage/storage.ts';
import { T } from '../../types/data-type.ts';
import { type Batch, makeBatch } from '../../types/batch.ts';
import { vectorFromValues } from '../../types/vector.ts';

export interface DemoOptions {
  readonly dataDir?: string;
  readonly rows: number;
  readonly writers: number;
  readonly batchRows: number;
}

const SENSOR_COLUMNS = [
  { name: 'device', type: T.string },
  { name: 'temp', type: T.float64 },
  { name: 'hum', type: T.float64 },
  { name: 'status', type: T.int32 },
];

export async function runDemo(options: DemoOptions): Promise<void> {
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tributary-demo-'));
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say(`data directory: ${dataDir}`);
  try {
    let storage = await Storage.open({ dataDir });
    const stream = await storage.createStream('default', 'sensors', SENSOR_COLUMNS, {}, { ifNotExists: true });
    const columns = stream.columns.map((c) => ({ name: c.name, type: c.type }));
    const log = storage.log('default', 'sensors');
    const startSn = log.nextSn;
    const baseTime = Date.parse('2026-01-01T00:00:00Z') + startSn * 10;

    const t0 = performance.now();
    let next = 0;
    const writer = async () => {
      while (next < options.rows) {
        const first = next;
        const count = Math.min(options.batchRows, options.rows - first);
        next += count;
        await log.append(sensorBatch(columns, first, count, baseTime));
      }
    };
    await Promise.all(Array.from({ length: options.writers }, writer));
    const appendMs = performance.now() - t0;
    const stats = log.getStats();
    say(
      `appended ${options.rows} rows from ${options.writers} writers in ${appendMs.toFixed(0)} ms ` +
        `(${Math.round(options.rows / (appendMs / 1000))} rows/s, durable: fsync=always, ` +
        `${stats.groupCommits} group commits for ${stats.batches} batches)`,
    );

    const t1 = performance.now();
    let scanned = 0;
    let hot = 0;
    for await (const record of log.read({ fromSn: startSn })) {
      const status = record.batch!.vectors[columns.findIndex((c) => c.name === 'status')];
      const values = (status as { data: Int32Array }).data;
      for (let i = record.startRow; i < values.length; i++) if (values[i] >= 400) hot++;
      scanned += record.header.rowCount - record.startRow;
    }
    say(`scanned ${scanned} rows in ${(performance.now() - t1).toFixed(0)} ms; ${hot} with status >= 400`);

    const from = baseTime + Math.floor(options.rows * 0.99) * 10;
    let seekRows = 0;
    let seekBatches = 0;
    for await (const record of log.read({ fromTimeMs: from })) {
      seekRows += record.header.rowCount;
      seekBatches++;
    }
    say(`time seek to the last 1%: read ${seekBatches} batches (${seekRows} rows) of ${stats.batches}`);

    await storage.close();
    storage = await Storage.open({ dataDir });
    const reopened = storage.log('default', 'sensors');
    const ok = reopened.nextSn === startSn + options.rows && reopened.recovery.cuts.length === 0;
    say(`reopened: next _tp_sn ${reopened.nextSn}, recovery cut ${reopened.recovery.cuts.length} batches: ${ok ? 'OK' : 'MISMATCH'}`);
    await storage.close();
    if (!ok) process.exitCode = 1;
  } finally {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  }
}

function sensorBatch(columns: { name: string; type: (typeof SENSOR_COLUMNS)[number]['type'] }[], first: number, count: number, baseTime: number): Batch {
  const time = new Float64Array(count);
  const devices: string[] = new Array(count);
  const temp = new Float64Array(count);
  const hum = new Float64Array(count);
  const status = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const n = first + i;
    time[i] = baseTime + n * 10;
    devices[i] = `device-${n % 100}`;
    temp[i] = 20 + ((n * 7) % 150) / 10;
    hum[i] = 40 + ((n * 13) % 400) / 10;
    status[i] = n % 20 === 0 ? 500 : 200;
  }
  const vectors = columns.map((column) => {
    switch (column.name) {
      case '_tp_time':
        return { kind: 'fixed', type: column.type, rowCount: count, data: time } as const;
      case 'device':
        return vectorFromValues(column.type, devices);
      case 'temp':
        return { kind: 'fixed', type: column.type, rowCount: count, data: temp } as const;
      case 'hum':
        return { kind: 'fixed', type: column.type, rowCount: count, data: hum } as const;
      default:
        return { kind: 'fixed', type: column.type, rowCount: count, data: status } as const;
    }
  });
  return makeBatch(columns, vectors);
}
