// pipe: the sync benchmark (bench/sync.bench.ts) through an IoTDB pipe instead of a materialized
// view, edge node → cloud node, exactly-once, both nodes durable (fsync = always). Two real
// `tributary server` child processes on free loopback ports, data under .bench-data/ (BENCH_DIR).
//
// Phases of one run, on one fresh pair of nodes (rows: bench/support/peer-rows.ts, 5 columns):
//   view      — baseline, ours, same run: ROWS rows preloaded into `sensors` with the view
//               `fwd INTO <external stream on the cloud>` paused; UNPAUSE; time until the cloud
//               holds them → rows/s of the view.
//   pipe      — ROWS rows preloaded into the IoTDB database `root.bench` (stream `sensors`); CREATE
//               PIPE (source pattern root.bench, iotdb-thrift-sink to the cloud, which creates the
//               schema itself); time until the cloud holds them → rows/s of the pipe.
//   live      — a writer inserts LIVE_BATCH rows every LIVE_BATCH/LIVE_RATE s into root.bench.sensors,
//               stamped with their send time; a streaming query on the cloud takes arrival − send per
//               row (bench/support/live-latency.ts); after 1 s of warm-up, LIVE_SECONDS are measured
//               → p50/p99. Baseline, same run: the edge's own insert acknowledgement (one durable insert).
//   sampling  — ROWS rows preloaded into root.ds; CREATE PIPE with down-sampling-processor (1 s
//               tumble windows, avg) to the cloud; time until the pipe has no remaining rows → input
//               rows/s (what the processor consumed).
// Peer, same run: NATS JetStream leaf-node mirror (../shared/bench-peers/02-nats.sh, as the sync
// bench runs it): replicated msgs/s end to end (its phase 1) — the throughput baseline. With
// --no-peer, the ratios are to the view alone.
//
// At the end of each run the cloud must hold exactly the edge's rows (count() and sum(status)).
//
// Run: npm run bench:pipe [-- --runs N --rows N --live-seconds S --live-rate R --live-batch B --no-peer]
import { rmSync } from 'node:fs';
import { type Client, connect } from '../src/net/client.ts';
import { formatDataType } from '../src/types/data-type.ts';
import { parseFlags, round, sleep, waitUntil } from './support/bench-args.ts';
import { LatencyProbe, LiveWriter } from './support/live-latency.ts';
import { runNatsPeer, stopNatsPeers } from './support/nats-peer.ts';
import { streamNextSn } from './support/node-progress.ts';
import { peerBatch } from './support/peer-rows.ts';
import { benchDir, median, SENSOR_COLUMNS } from './support/sensor-batches.ts';
import { post, startTributary, stopChildrenOnSignal, type TributaryServer } from './support/server-process.ts';

const flags = parseFlags({
  numbers: { runs: 3, rows: 1_000_000, 'batch-rows': 10_000, 'live-rate': 10_000, 'live-batch': 100, 'live-seconds': 5, 'poll-ms': 10, 'timeout-seconds': 300 },
  booleans: ['no-peer'],
  usage: 'npm run bench:pipe -- [--runs N] [--rows N] [--batch-rows N] [--live-rate R] [--live-batch B] [--live-seconds S] [--poll-ms MS] [--timeout-seconds S] [--no-peer]',
});
const RUNS = flags.number('runs');
const ROWS = flags.number('rows');
const BATCH_ROWS = flags.number('batch-rows');
const LIVE_RATE = flags.number('live-rate');
const LIVE_BATCH = flags.number('live-batch');
const LIVE_SECONDS = flags.number('live-seconds');
const POLL_MS = flags.number('poll-ms');
const TIMEOUT_MS = flags.number('timeout-seconds') * 1000;
const NO_PEER = flags.flag('no-peer');
const CONCURRENCY = 4;
const WARMUP_MS = 1_000;
const COLUMNS = SENSOR_COLUMNS.map((c) => `${c.name} ${formatDataType(c.type)}`).join(', ');

stopChildrenOnSignal(stopNatsPeers);
const batches = Array.from({ length: Math.ceil(ROWS / BATCH_ROWS) }, (_, b) => peerBatch(b * BATCH_ROWS, Math.min(BATCH_ROWS, ROWS - b * BATCH_ROWS)));

async function insertAll(client: Client, stream: string, database: string): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < batches.length) await client.insert(stream, batches[next++]!, { database });
  }));
}

async function timeUntil(what: string, done: () => Promise<boolean>): Promise<number> {
  const t0 = performance.now();
  await waitUntil(what, TIMEOUT_MS, POLL_MS, done);
  return (performance.now() - t0) / 1000;
}

async function pipeRemaining(edge: TributaryServer, pipe: string): Promise<{ remaining: number; state: string; error: string }> {
  const line = (await post(edge.url, `SELECT remaining_rows, state, last_error FROM system.pipes WHERE name = '${pipe}' FORMAT TabSeparated`, '')).trim();
  const [remaining, state, error] = line.split('\t');
  if (state === 'STOPPED') throw new Error(`pipe ${pipe} stopped: ${error}`);
  return { remaining: Number(remaining), state: state ?? '?', error: error ?? '' };
}

interface Run {
  viewRowsPerSec: number;
  pipeRowsPerSec: number;
  live: { p50ms: number; p99ms: number; ackP50ms: number; ackP99ms: number; rows: number };
  samplingInputRowsPerSec: number;
}

async function runOnce(run: number): Promise<Run> {
  const edgeDir = benchDir(`pipe-edge-r${run}`);
  const cloudDir = benchDir(`pipe-cloud-r${run}`);
  const cloud = await startTributary(cloudDir);
  const edge = await startTributary(edgeDir);
  const clients: Client[] = [];
  try {
    const edgeClient = await connect({ host: '127.0.0.1', port: edge.tcpPort, clientName: 'bench-pipe' });
    clients.push(edgeClient);
    // view (baseline)
    await post(cloud.url, `CREATE STREAM sensors_cloud (${COLUMNS})`, '');
    await post(edge.url, `CREATE STREAM sensors (${COLUMNS})`, '');
    await post(edge.url, `CREATE EXTERNAL STREAM cloud SETTINGS type='timeplus', hosts='127.0.0.1:${cloud.tcpPort}', stream='sensors_cloud'`, '');
    await post(edge.url, 'CREATE MATERIALIZED VIEW fwd INTO cloud AS SELECT * FROM sensors', '');
    await post(edge.url, 'SYSTEM PAUSE MATERIALIZED VIEW fwd', '');
    await insertAll(edgeClient, 'sensors', 'default');
    let t0 = performance.now();
    await post(edge.url, 'SYSTEM UNPAUSE MATERIALIZED VIEW fwd', '');
    await waitUntil('the view to deliver', TIMEOUT_MS, POLL_MS, async () => (await streamNextSn(cloud.url, 'default', 'sensors_cloud')) >= ROWS);
    const viewRowsPerSec = Math.round(ROWS / ((performance.now() - t0) / 1000));
    await post(edge.url, 'DROP VIEW fwd', '');

    // pipe
    await post(edge.url, 'CREATE DATABASE root.bench', '');
    await post(edge.url, `CREATE STREAM \`root.bench\`.sensors (${COLUMNS})`, '');
    await insertAll(edgeClient, 'sensors', 'root.bench');
    t0 = performance.now();
    await post(edge.url, `CREATE PIPE bulk WITH SOURCE ('pattern'='root.bench') WITH SINK ('sink'='iotdb-thrift-sink', 'ip'='127.0.0.1', 'port'='${cloud.tcpPort}')`, '');
    await waitUntil('the pipe to deliver', TIMEOUT_MS, POLL_MS, async () => (await streamNextSn(cloud.url, 'root.bench', 'sensors')) >= ROWS && (await pipeRemaining(edge, 'bulk')).remaining === 0);
    const pipeRowsPerSec = Math.round(ROWS / ((performance.now() - t0) / 1000));

    // live, through the same pipe
    const liveClient = await connect({ host: '127.0.0.1', port: edge.tcpPort, database: 'root.bench', clientName: 'bench-pipe-live' });
    clients.push(liveClient);
    const probeClient = await connect({ host: '127.0.0.1', port: cloud.tcpPort, clientName: 'bench-pipe-probe' });
    clients.push(probeClient);
    const writer = new LiveWriter(liveClient, 'sensors', LIVE_RATE, LIVE_BATCH, 10 * ROWS);
    const since = new Date(Date.now() - 1000).toISOString().replace('T', ' ').replace('Z', '');
    const probe = new LatencyProbe(probeClient, `SELECT _tp_time, _tp_index_time FROM \`root.bench\`.sensors WHERE _tp_time > '${since}'`, writer);
    await probe.start();
    writer.start();
    const from = performance.timeOrigin + performance.now() + WARMUP_MS;
    await sleep(WARMUP_MS + LIVE_SECONDS * 1000 + 1000);
    await writer.stop();
    await sleep(500);
    await probe.stop();
    const stats = probe.window(from, from + LIVE_SECONDS * 1000);
    const ack = writer.ackStats();

    // down-sampling: input rows/s
    await post(edge.url, 'CREATE DATABASE root.ds', '');
    await post(edge.url, `CREATE STREAM \`root.ds\`.sensors (${COLUMNS})`, '');
    await insertAll(edgeClient, 'sensors', 'root.ds');
    const samplingSeconds = await (async () => {
      const start = performance.now();
      await post(
        edge.url,
        `CREATE PIPE sampled WITH SOURCE ('pattern'='root.ds') WITH PROCESSOR ('processor'='down-sampling-processor', 'down-sampling.interval-seconds'='1', 'down-sampling.function'='avg') WITH SINK ('sink'='iotdb-thrift-sink', 'ip'='127.0.0.1', 'port'='${cloud.tcpPort}')`,
        '',
      );
      await timeUntil('the down-sampling pipe to consume its input', async () => (await pipeRemaining(edge, 'sampled')).remaining === 0);
      return (performance.now() - start) / 1000;
    })();

    // exactly-once check
    const held = async (node: TributaryServer) => (await post(node.url, 'SELECT count(), sum(status) FROM table(`root.bench`.sensors)', '')).trim();
    await waitUntil('the live rows to arrive', TIMEOUT_MS, POLL_MS, async () => (await held(cloud)) === (await held(edge)));
    for (const c of clients) c.close();
    await Promise.all([edge.stop(), cloud.stop()]);
    rmSync(edgeDir, { recursive: true, force: true });
    rmSync(cloudDir, { recursive: true, force: true });
    return {
      viewRowsPerSec,
      pipeRowsPerSec,
      live: { p50ms: stats.p50ms, p99ms: stats.p99ms, ackP50ms: ack.p50ms, ackP99ms: ack.p99ms, rows: stats.rows },
      samplingInputRowsPerSec: Math.round(ROWS / samplingSeconds),
    };
  } catch (error) {
    for (const c of clients) c.close();
    await Promise.all([edge.stop(), cloud.stop()]);
    console.error(`kept for diagnosis: ${edgeDir} ${cloudDir}\nedge log tail:\n${edge.log().slice(-3000)}`);
    throw error;
  }
}

const runs: Run[] = [];
const nats: number[] = [];
for (let run = 0; run < RUNS; run++) {
  if (!NO_PEER) {
    const peer = await runNatsPeer({ rows: ROWS, outageRows: 1, client: process.env.NATS_CLIENT === 'node' ? 'node' : 'go', scratch: benchDir('nats-peer'), timeoutMs: TIMEOUT_MS });
    if (peer.ok) nats.push(peer.phase1.e2eMsgsPerSec);
    else console.log(`# NATS peer not measured: ${peer.reason}`);
  }
  const result = await runOnce(run);
  runs.push(result);
  console.log(`run ${run + 1}: ${JSON.stringify(result)}`);
}
const m = (f: (r: Run) => number) => median(runs.map(f));
const pipe = m((r) => r.pipeRowsPerSec);
const view = m((r) => r.viewRowsPerSec);
const natsMedian = nats.length === 0 ? null : median(nats);
console.log(
  JSON.stringify(
    {
      bench: 'pipe',
      runs: RUNS,
      rows: ROWS,
      pipeRowsPerSec: pipe,
      viewRowsPerSec: view,
      pipeToView: round(pipe / view, 2),
      natsE2eMsgsPerSec: natsMedian,
      pipeToNats: natsMedian === null ? null : round(pipe / natsMedian, 2),
      liveP50ms: m((r) => r.live.p50ms),
      liveP99ms: m((r) => r.live.p99ms),
      edgeInsertAckP50ms: m((r) => r.live.ackP50ms),
      edgeInsertAckP99ms: m((r) => r.live.ackP99ms),
      liveP99ToInsertAckP99: round(m((r) => r.live.p99ms) / m((r) => r.live.ackP99ms), 2),
      samplingInputRowsPerSec: m((r) => r.samplingInputRowsPerSec),
      samplingToPipe: round(m((r) => r.samplingInputRowsPerSec) / pipe, 2),
      samplingToNats: natsMedian === null ? null : round(m((r) => r.samplingInputRowsPerSec) / natsMedian, 2),
    },
    null,
    2,
  ),
);
await stopNatsPeers();
