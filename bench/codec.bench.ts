// Batch codec throughput against the memory-copy limit.
//
// A 1,000-row batch of the sensor schema (_tp_time datetime64(3) as ts, device string, temp float64,
// hum float64, status int32) is encoded and decoded repeatedly for ~2 s per measurement. Alongside,
// Buffer.prototype.copy of the same number of bytes is timed in the same run, so `ratioToMemcpy`
// (codec MB/s divided by copy MB/s) says how far the codec is from moving the bytes once, whatever
// the machine. One JSON line per measurement on stdout.
//
// Run: node --import tsx bench/codec.bench.ts   (BENCH_SECONDS=<s> changes the time per measurement)
import { Prng } from '../src/core/prng.ts';
import { type Batch, makeBatch } from '../src/types/batch.ts';
import { decodeBatch, encodeBatch, verifyBatch } from '../src/types/batch-codec.ts';
import { T } from '../src/types/data-type.ts';
import { vectorFromValues } from '../src/types/vector.ts';

const ROWS = 1_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const WARMUP_SECONDS = Math.min(0.5, SECONDS / 4);
const SEED = 20_240_601;

function sensorBatch(rowCount: number, prng: Prng): Batch {
  const columns = [
    { name: '_tp_time', type: T.datetime64() },
    { name: 'device', type: T.string },
    { name: 'temp', type: T.float64 },
    { name: 'hum', type: T.float64 },
    { name: 'status', type: T.int32 },
  ];
  const start = 1_700_000_000_000;
  const times = Array.from({ length: rowCount }, (_, i) => start + i * 10 + prng.int(0, 9));
  const devices = Array.from({ length: rowCount }, () => `sensor-${String(prng.int(0, 999)).padStart(4, '0')}`);
  const temps = Array.from({ length: rowCount }, () => Math.round((15 + prng.next() * 15) * 100) / 100);
  const hums = Array.from({ length: rowCount }, () => Math.round(prng.next() * 10_000) / 100);
  const statuses = Array.from({ length: rowCount }, () => prng.int(0, 3));
  const values = [times, devices, temps, hums, statuses];
  return makeBatch(columns, columns.map((column, i) => vectorFromValues(column.type, values[i])));
}

/** Runs `op` repeatedly for `seconds` and returns operations per second. */
function timeOps(op: () => number, seconds: number): { iterations: number; seconds: number; sink: number } {
  const budgetNs = BigInt(Math.round(seconds * 1e9));
  let iterations = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  // Check the clock every 16 operations: the operations take microseconds, the clock ~50 ns.
  while (elapsed < budgetNs) {
    for (let i = 0; i < 16; i++) sink += op();
    iterations += 16;
    elapsed = process.hrtime.bigint() - start;
  }
  return { iterations, seconds: Number(elapsed) / 1e9, sink };
}

function measure(name: string, bytes: number, op: () => number): number {
  timeOps(op, WARMUP_SECONDS);
  const { iterations, seconds, sink } = timeOps(op, SECONDS);
  const opsPerSec = iterations / seconds;
  const mbPerSec = (opsPerSec * bytes) / 1e6;
  if (sink === -1) console.error('unreachable'); // keeps `sink` (and so the work) alive
  return report(name, { iterations, seconds, opsPerSec, mbPerSec });
}

let memcpyMbPerSec = 0;

function report(op: string, m: { iterations: number; seconds: number; opsPerSec: number; mbPerSec: number }): number {
  const line = {
    bench: 'codec',
    op,
    rows: ROWS,
    bytes: encodedBytes,
    iterations: m.iterations,
    seconds: Number(m.seconds.toFixed(3)),
    rowsPerSec: Math.round(m.opsPerSec * ROWS),
    mbPerSec: Number(m.mbPerSec.toFixed(1)),
    ratioToMemcpy: memcpyMbPerSec === 0 ? 1 : Number((m.mbPerSec / memcpyMbPerSec).toFixed(4)),
    node: process.version,
  };
  console.log(JSON.stringify(line));
  return m.mbPerSec;
}

const batch = sensorBatch(ROWS, new Prng(SEED));
const options = { baseSn: 1_000_000, appendTimeMs: 1_700_000_100_000 };
const encoded = encodeBatch(batch, options);
const encodedBytes = encoded.length;

// Sanity before timing: the bytes decode to the same rows count and length.
if (decodeBatch(encoded).batch.rowCount !== ROWS) throw new Error('decode does not round-trip');

const source = Buffer.from(encoded);
const target = Buffer.alloc(encodedBytes);
memcpyMbPerSec = measure('memcpy', encodedBytes, () => source.copy(target, 0, 0, encodedBytes));
measure('encode', encodedBytes, () => encodeBatch(batch, options).length);
measure('decode', encodedBytes, () => decodeBatch(encoded).batch.rowCount);
measure('decode_copy', encodedBytes, () => decodeBatch(encoded, 0, { copy: true }).batch.rowCount);
measure('verify_crc', encodedBytes, () => verifyBatch(encoded, 0));
