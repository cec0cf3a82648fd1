// The peer benchmarks' synthetic row (../shared/bench-peers/rows.mjs), reproduced here so the
// server benches send the very rows ClickHouse/NATS/PostgreSQL were measured with — same PRNG,
// same values. Two JSON forms of a row:
//   'peers'     — rows.mjs's text, byte for byte: {"ts":<epoch ms>,"device":"plant-07/line-3/sensor-0417","temp":21.5,"hum":40.1,"status":200}
//   'tributary' — the time as Tributary's event time: {"_tp_time":<epoch seconds with 3 decimals>,…}
//                 (a JSON number for a datetime64 is seconds, as in ClickHouse; epoch ms would land
//                 in the year 56859). Same values otherwise; ~7 bytes longer per row.
// checkAgainstPeerRows() compares with the peers' file when it is there.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Batch, makeBatch } from '../../src/types/batch.ts';
import { vectorFromValues } from '../../src/types/vector.ts';
import { T } from '../../src/types/data-type.ts';
import { SENSOR_COLUMNS } from './sensor-batches.ts';

export const PEER_T0 = 1732150000000;

/** rows.mjs's generator, verbatim. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PeerRow {
  readonly ts: number;
  readonly device: string;
  /** As rows.mjs prints them (one decimal), so JSON and columns hold the same numbers. */
  readonly temp: string;
  readonly hum: string;
  readonly status: number;
}

export function peerRow(i: number): PeerRow {
  const r = mulberry32(i + 1);
  const dev = Math.floor(r() * 5000);
  const plant = String(dev % 16).padStart(2, '0');
  const line = dev % 8;
  const temp = (15 + r() * 15).toFixed(1);
  const hum = (20 + r() * 60).toFixed(1);
  const u = r();
  const status = u < 0.95 ? 200 : u < 0.97 ? 404 : u < 0.99 ? 500 : 503;
  return { ts: PEER_T0 + i * 10, device: `plant-${plant}/line-${line}/sensor-${String(dev).padStart(4, '0')}`, temp, hum, status };
}

export type JsonForm = 'peers' | 'tributary';

export function peerRowJson(i: number, form: JsonForm): string {
  const row = peerRow(i);
  const time = form === 'peers' ? `"ts":${row.ts}` : `"_tp_time":${Math.floor(row.ts / 1000)}.${String(row.ts % 1000).padStart(3, '0')}`;
  return `{${time},"device":"${row.device}","temp":${row.temp},"hum":${row.hum},"status":${row.status}}`;
}

/** Rows [start, start+n) as one JSONEachRow body (a newline after each row), like ch-bench.mjs's. */
export function peerJsonBody(start: number, n: number, form: JsonForm): Buffer {
  const lines: string[] = new Array(n);
  for (let k = 0; k < n; k++) lines[k] = peerRowJson(start + k, form);
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** Rows [start, start+n) as a Batch of the sensor schema (SENSOR_COLUMNS). */
export function peerBatch(start: number, n: number): Batch {
  const time = new Float64Array(n);
  const devices: string[] = new Array(n);
  const temp = new Float64Array(n);
  const hum = new Float64Array(n);
  const status = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const row = peerRow(start + k);
    time[k] = row.ts;
    devices[k] = row.device;
    temp[k] = Number(row.temp);
    hum[k] = Number(row.hum);
    status[k] = row.status;
  }
  return makeBatch(SENSOR_COLUMNS, [
    { kind: 'fixed', type: SENSOR_COLUMNS[0].type, rowCount: n, data: time },
    vectorFromValues(T.string, devices),
    { kind: 'fixed', type: T.float64, rowCount: n, data: temp },
    { kind: 'fixed', type: T.float64, rowCount: n, data: hum },
    { kind: 'fixed', type: T.int32, rowCount: n, data: status },
  ]);
}

/** Where the peers' scripts are (../shared/bench-peers from the repo root). */
export const PEERS_DIR = fileURLToPath(new URL('../../../shared/bench-peers/', import.meta.url));

/** Throws when rows.mjs exists and its rows differ from our 'peers' form. */
export async function checkAgainstPeerRows(samples = 1000): Promise<'same' | 'no peer file'> {
  const file = `${PEERS_DIR}rows.mjs`;
  if (!existsSync(file)) return 'no peer file';
  const peer = (await import(pathToFileURL(file).href)) as { rowJson(i: number): string };
  for (let i = 0; i < samples; i++) {
    const j = i * 997;
    if (peer.rowJson(j) !== peerRowJson(j, 'peers')) throw new Error(`row ${j} differs from rows.mjs: ${peer.rowJson(j)} vs ${peerRowJson(j, 'peers')}`);
  }
  return 'same';
}
