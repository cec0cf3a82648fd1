// ingest: 1,000,000 rows of the sensor schema (_tp_time datetime64(3), device string, temp float64,
// hum float64, status int32) in batches of 10,000, durable (stream setting fsync = 'always': an
// insert is acknowledged after its fsync), one batch per request, sent one after another (CONC
// requests in flight), into a real `tributary server` child process on free loopback ports:
//   native — src/net/client.ts insert(stream, batch); the client encodes each batch (timed);
//   http   — POST /?query=INSERT INTO s FORMAT JSONEachRow, bodies built once before timing.
// Baseline, same run, same machine: Debian's ClickHouse 18.16 started the peer scripts' way
// (bench/peers/clickhouse-up.sh → ../shared/bench-peers/common.sh + ch-config.sh, 127.0.0.1 on a
// port in 14601-14632), its table and bodies exactly the peer's (03-clickhouse.sh's DDL, rows.mjs's
// bytes), sent by the same HTTP driver as ours. Our rows are the same rows (bench/support/peer-rows.ts)
// with the time as `_tp_time` in seconds (a JSON number for datetime64 is seconds): ~7 B/row more.
// NB ClickHouse 18.16 does not fsync an inserted part before answering: its figure is "written to
// the page cache", ours "fsynced". WARMUP_BATCHES batches go to each system once, untimed, before
// run 1; the order of the three phases rotates between runs; the stored rows are checked after
// each phase. One JSON line per run, then medians and ratios.
//
// Run: npm run bench:ingest   (ROWS, BATCH_ROWS, RUNS, CONC, WARMUP_BATCHES override; BENCH_DIR picks the disk;
// NO_CLICKHOUSE=1 skips the peer; SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=D" profiles the server)
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../src/net/client.ts';
import { formatDataType } from '../src/types/data-type.ts';
import { checkAgainstPeerRows, peerBatch, peerJsonBody } from './support/peer-rows.ts';
import { benchDir, median, SENSOR_COLUMNS } from './support/sensor-batches.ts';
import { agent, type ClickHouseServer, post, startClickHouse, startTributary } from './support/server-process.ts';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const BATCH_ROWS = Number(process.env.BATCH_ROWS ?? 10_000);
const RUNS = Number(process.env.RUNS ?? 3);
const CONC = Number(process.env.CONC ?? 1);
const WARMUP_BATCHES = Number(process.env.WARMUP_BATCHES ?? 10);
const SERVER_NODE_ARGS = (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

const rowsSame = await checkAgainstPeerRows();
const batchCount = Math.ceil(ROWS / BATCH_ROWS);
const batches = Array.from({ length: batchCount }, (_, b) => peerBatch(b * BATCH_ROWS, Math.min(BATCH_ROWS, ROWS - b * BATCH_ROWS)));
const rowsOf = (b: number) => Math.min(BATCH_ROWS, ROWS - b * BATCH_ROWS);
const bodies = Array.from({ length: batchCount }, (_, b) => peerJsonBody(b * BATCH_ROWS, rowsOf(b), 'tributary'));
const chBodies = Array.from({ length: batchCount }, (_, b) => peerJsonBody(b * BATCH_ROWS, rowsOf(b), 'peers'));
const bodyBytes = bodies.reduce((sum, b) => sum + b.length, 0);
const chBodyBytes = chBodies.reduce((sum, b) => sum + b.length, 0);

const STREAM_DDL = (name: string) =>
  `CREATE STREAM ${name} (${SENSOR_COLUMNS.map((c) => `${c.name} ${formatDataType(c.type)}`).join(', ')}) SETTINGS fsync = 'always'`;
/** 03-clickhouse.sh's DDL, verbatim. */
const CH_DDL = (table: string) => `CREATE TABLE ${table} (ts UInt64, device String, temp Float32, hum Float32, status UInt16) ENGINE = MergeTree() ORDER BY (device, ts)`;
/** What every phase must have stored: count, first and last time, sum of status. */
const CHECK_SQL = (table: string, time: string) => `SELECT count(), min(${time}), max(${time}), sum(status) FROM ${table}`;
const INSERT = (table: string) => `INSERT INTO ${table} FORMAT JSONEachRow`;

/** User+system CPU seconds a process has used (Linux /proc), or NaN. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return Number.NaN;
  }
}

interface Phase {
  rowsPerSec: number;
  seconds: number;
  batchP50ms: number;
  batchMaxms: number;
  serverCpuS: number;
  clientCpuS: number;
}

/** Runs `send(i)` for every batch index with CONC in flight; times the whole and each call. */
async function timed(serverPid: number | undefined, send: (i: number) => Promise<unknown>): Promise<Phase> {
  const lat: number[] = [];
  let next = 0;
  const cpu0 = cpuSeconds(serverPid);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONC }, async () => {
      while (next < batchCount) {
        const i = next++;
        const a = performance.now();
        await send(i);
        lat.push(performance.now() - a);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  lat.sort((x, y) => x - y);
  return {
    rowsPerSec: Math.round(ROWS / seconds),
    seconds: +seconds.toFixed(3),
    batchP50ms: +lat[Math.floor(lat.length / 2)].toFixed(2),
    batchMaxms: +lat[lat.length - 1].toFixed(2),
    serverCpuS: +(cpuSeconds(serverPid) - cpu0).toFixed(2),
    clientCpuS: +((client.user + client.system) / 1e6).toFixed(2),
  };
}

const STATUS_SUM = batches.reduce((sum, b) => sum + (b.vectors[4] as { data: Int32Array }).data.reduce((a, v) => a + v, 0), 0);
let expectedStream = '';
/** The three phases must store the same rows: count and sum(status); our two also the same times. */
function expectStored(what: string, text: string, ours: boolean): void {
  const [count, , , statusSum] = text.trim().split('\t');
  const want = `${ROWS}/${STATUS_SUM}`;
  if (`${count}/${statusSum}` !== want) throw new Error(`${what}: stored count/sum(status) ${count}/${statusSum}, expected ${want}`);
  if (!ours) return;
  if (expectedStream === '') expectedStream = text;
  else if (expectedStream !== text) throw new Error(`${what}: stored ${text.trim()}, the other protocol stored ${expectedStream.trim()}`);
}

const dataDir = benchDir('ingest-server');
const server = await startTributary(dataDir, SERVER_NODE_ARGS);
let clickhouse: ClickHouseServer | null = null;
let clickhouseReason = 'skipped (NO_CLICKHOUSE=1)';
if (process.env.NO_CLICKHOUSE !== '1') {
  try {
    clickhouse = await startClickHouse(benchDir('ingest-peers'));
  } catch (error) {
    clickhouseReason = (error as Error).message;
  }
}
const client = await connect({ host: '127.0.0.1', port: server.tcpPort, clientName: 'bench-ingest' });

try {
  const version = clickhouse === null ? null : (await post(clickhouse.url, 'SELECT version()', '')).trim();
  console.log(
    JSON.stringify({
      bench: 'ingest',
      rows: ROWS,
      batchRows: BATCH_ROWS,
      concurrency: CONC,
      bodyMB: +(bodyBytes / 1e6).toFixed(1),
      chBodyMB: +(chBodyBytes / 1e6).toFixed(1),
      rowsSameAsPeers: rowsSame,
      warmupBatches: WARMUP_BATCHES,
      tributary: { httpPort: server.httpPort, tcpPort: server.tcpPort, dataDir },
      clickhouse: clickhouse === null ? { unavailable: clickhouseReason } : { version, httpPort: clickhouse.httpPort, dataDir: clickhouse.dataDir },
      node: process.version,
    }),
  );
  if (clickhouse === null) console.log(`ClickHouse NOT MEASURED: ${clickhouseReason}\n(only Tributary's numbers follow; no ratio to ClickHouse)`);

  const phases: Record<'native' | 'http' | 'clickhouse', () => Promise<Phase | null>> = {
    native: async () => {
      const stream = 'ingest_native';
      await post(server.url, STREAM_DDL(stream), '');
      const phase = await timed(server.child.pid, (i) => client.insert(stream, batches[i]));
      expectStored('native', await post(server.url, CHECK_SQL(`table(${stream})`, '_tp_time'), ''), true);
      await post(server.url, `DROP STREAM ${stream}`, '');
      return phase;
    },
    http: async () => {
      const stream = 'ingest_http';
      await post(server.url, STREAM_DDL(stream), '');
      const phase = await timed(server.child.pid, (i) => post(server.url, INSERT(stream), bodies[i]));
      expectStored('http', await post(server.url, CHECK_SQL(`table(${stream})`, '_tp_time'), ''), true);
      await post(server.url, `DROP STREAM ${stream}`, '');
      return phase;
    },
    clickhouse: async () => {
      if (clickhouse === null) return null;
      const ch = clickhouse;
      await post(ch.url, 'DROP TABLE IF EXISTS rows', '');
      await post(ch.url, CH_DDL('rows'), '');
      const phase = await timed(ch.child.pid, (i) => post(ch.url, INSERT('rows'), chBodies[i]));
      expectStored('clickhouse', await post(ch.url, CHECK_SQL('rows', 'ts'), ''), false);
      return phase;
    },
  };
  // Warm-up (JIT, connections, first files), untimed, into throwaway streams/tables.
  const warm = Math.min(WARMUP_BATCHES, batchCount);
  await post(server.url, STREAM_DDL('ingest_warmup'), '');
  for (let i = 0; i < warm; i++) await client.insert('ingest_warmup', batches[i]);
  for (let i = 0; i < warm; i++) await post(server.url, INSERT('ingest_warmup'), bodies[i]);
  await post(server.url, 'DROP STREAM ingest_warmup', '');
  if (clickhouse !== null) {
    await post(clickhouse.url, 'DROP TABLE IF EXISTS warmup', '');
    await post(clickhouse.url, CH_DDL('warmup'), '');
    for (let i = 0; i < warm; i++) await post(clickhouse.url, INSERT('warmup'), chBodies[i]);
    await post(clickhouse.url, 'DROP TABLE warmup', '');
  }
  const order = ['native', 'http', 'clickhouse'] as const;
  const results: { native: Phase[]; http: Phase[]; clickhouse: Phase[] } = { native: [], http: [], clickhouse: [] };
  for (let run = 1; run <= RUNS; run++) {
    const rotated = order.map((_, k) => order[(k + run - 1) % order.length]);
    const line: Record<string, unknown> = { bench: 'ingest', run, order: rotated.join(',') };
    for (const name of rotated) {
      const phase = await phases[name]();
      if (phase === null) continue;
      results[name].push(phase);
      line[name] = phase;
    }
    const ch = (line.clickhouse as Phase | undefined)?.rowsPerSec;
    if (ch !== undefined) {
      line.httpToClickHouse = +((line.http as Phase).rowsPerSec / ch).toFixed(2);
      line.nativeToClickHouse = +((line.native as Phase).rowsPerSec / ch).toFixed(2);
    }
    line.load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(JSON.stringify(line));
  }
  const med = (phases: Phase[]) => (phases.length === 0 ? null : Math.round(ROWS / median(phases.map((p) => p.seconds))));
  const native = med(results.native)!;
  const httpRate = med(results.http)!;
  const chRate = med(results.clickhouse);
  console.log(
    JSON.stringify({
      bench: 'ingest',
      summary: 'median',
      runs: RUNS,
      nativeRowsPerSec: native,
      httpRowsPerSec: httpRate,
      clickhouseHttpRowsPerSec: chRate ?? `not measured: ${clickhouseReason}`,
      httpToClickHouse: chRate === null ? null : +(httpRate / chRate).toFixed(2),
      nativeToClickHouse: chRate === null ? null : +(native / chRate).toFixed(2),
      targetHttpToClickHouse: 1.0,
      targetNativeRowsPerSec: 2_000_000,
    }),
  );
} finally {
  client.close();
  agent.destroy();
  const code = await server.stop();
  if (code !== 0) console.error(`tributary server exited with ${code}:\n${server.log().slice(-2000)}`);
  if (clickhouse !== null) await clickhouse.stop();
  rmSync(dataDir, { recursive: true, force: true });
  if (clickhouse !== null) rmSync(join(clickhouse.dataDir, '..'), { recursive: true, force: true });
}
