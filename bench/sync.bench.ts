// sync: edge node → cloud node through a materialized view into an external stream, exactly-once,
// both nodes durable (the server's default fsync = always: a node acknowledges an insert once it is
// fsynced, and the view advances only over batches the cloud acknowledged). Two real
// `tributary server` child processes on free loopback ports, data under .bench-data/ (BENCH_DIR):
//
//   cloud: CREATE STREAM sensors_cloud (<5 columns>)
//   edge:  CREATE STREAM sensors (<5 columns>)
//          CREATE EXTERNAL STREAM cloud SETTINGS type='timeplus', hosts='127.0.0.1:<cloud tcp>', stream='sensors_cloud'
//          CREATE MATERIALIZED VIEW fwd INTO cloud AS SELECT * FROM sensors
// The columns: _tp_time datetime64(3), device string, temp float64, hum float64, status int32, the
// rows the peers' rows.mjs generates (bench/support/peer-rows.ts).
//
// Phases of one run, on one fresh pair of nodes:
//   bulk     — the view PAUSED, ROWS rows (10,000-row batches) inserted into the edge; then UNPAUSE and
//              time until the cloud holds them all → rows/s of the view alone.
//   e2e      — the view running, ROWS more rows inserted (10,000-row batches, 4 in flight); time from
//              the first insert until the cloud holds them all → replicated rows/s end to end (what
//              the NATS peer's phase 1 measures).
//   live     — a writer inserts LIVE_BATCH rows every LIVE_BATCH/LIVE_RATE s (100 rows every 10 ms:
//              10,000 rows/s) stamped with their send time; a streaming query on the cloud
//              (native client, `SELECT _tp_time FROM sensors_cloud WHERE _tp_time > <run start>`)
//              takes arrival − send per row; after 1 s of warm-up, the rows sent in the next
//              LIVE_SECONDS are measured → p50/p99 (1 s more passes before the pause below).
//   catch-up — the live writer keeps going. PAUSE the view; OUTAGE_ROWS rows are written into the
//              edge in live-shaped batches (100 rows) as fast as they are acknowledged: the 60 s an
//              outage at 10,000 rows/s leaves behind, without waiting 60 s (with --real-outage the
//              bench waits OUTAGE_SECONDS instead, and the backlog is the live writer's own rows).
//              UNPAUSE; time until the cloud holds every row the edge held at the unpause →
//              backlog rows/s, while the live rows sent during the catch-up (from the moment the
//              UNPAUSE statement returned) are timed as above.
//              Then 3 s more of live rows after the catch-up (recovered latency).
//              The phase repeats CATCHUPS times (--catchups, default 3) on the same pair: one 600k-row
//              catch-up lasts ~0.4 s, ~40 live batches, so its "p99" is nearly its maximum. The run's
//              figures pool the episodes: rows/s over their summed time, latency percentiles over
//              every live row sent during any of them (each episode is printed too).
// Completion is detected cheaply (bench/support/node-progress.ts: the cloud's
// tributary_stream_next_sn from /metrics and the edge's system.tasks acked_position, polled every
// POLL_MS ms) and confirmed with count() once; at the end of a run the edge and the cloud must hold
// the same count() and sum(status) (no row lost, none duplicated).
//
// Peer, same run (the order of ours and the peer's alternates between runs): NATS JetStream 2.9
// leaf-node mirror via ../shared/bench-peers/02-nats.sh (CLIENT=go by default: nats.go PublishAsync;
// NATS_CLIENT=node for nats.js), on rows.mjs's rows, one message per row: N=ROWS published with
// the mirror running (→ replicated msgs/s end to end), then the cloud server killed, M=OUTAGE_ROWS
// published, the cloud restarted (→ catch-up msgs/s; the script reports the resume delay apart).
// NB JetStream's file store does not fsync each message (it syncs periodically), so its figures are
// "in the page cache"; ours are fsynced on both nodes. If the peer cannot be run, the reason is
// printed with the reference figures, labelled "reference, not measured".
// Baseline for the latencies, same run: the edge's own insert acknowledgement (one durable insert);
// an end-to-end row needs at least two (edge, then cloud) plus the view's read and the query's push.
//
// Run: npm run bench:sync [-- --runs N --rows N --outage-rows N --real-outage --outage-seconds S
//      --live-seconds S --live-rate R --live-batch B --catchups K --poll-ms MS --no-peer --cpu-prof]
// --cpu-prof: one run of the bulk phase only, both servers under `node --cpu-prof` (the edge is
// restarted under the profiler after the preload, so its profile is the sync alone); prints the
// top self-time functions of each. --cpu-prof-catchup: the same, but the backlog is OUTAGE_ROWS rows
// in live-shaped batches (LIVE_BATCH rows), as the catch-up phase has it (without the live writer). Env: BENCH_DIR (the disk), NATS_CLIENT=go|node, RUNS etc.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Client, connect } from '../src/net/client.ts';
import { formatDataType } from '../src/types/data-type.ts';
import { parseFlags, round, sleep, waitUntil } from './support/bench-args.ts';
import { profilesIn, summarizeProfile } from './support/cpu-profile.ts';
import { LatencyProbe, type LatencyStats, LiveWriter } from './support/live-latency.ts';
import { type NatsResult, runNatsPeer, stopNatsPeers } from './support/nats-peer.ts';
import { holdings, streamNextSn, taskStatus } from './support/node-progress.ts';
import { checkAgainstPeerRows, peerBatch } from './support/peer-rows.ts';
import { benchDir, median, SENSOR_COLUMNS } from './support/sensor-batches.ts';
import { agent, cpuSeconds, flushPeerWrites, loadavg, post, startTributary, stopChildrenOnSignal, type TributaryServer } from './support/server-process.ts';

const flags = parseFlags({
  numbers: {
    runs: 3,
    rows: 1_000_000,
    'batch-rows': 10_000,
    'outage-rows': 600_000,
    'outage-seconds': 60,
    'live-rate': 10_000,
    'live-batch': 100,
    'live-seconds': 10,
    catchups: 3,
    'poll-ms': 10,
    'timeout-seconds': 300,
  },
  booleans: ['real-outage', 'no-peer', 'cpu-prof', 'cpu-prof-catchup'],
  usage:
    'npm run bench:sync -- [--runs N] [--rows N] [--batch-rows N] [--outage-rows N] [--real-outage] [--outage-seconds S] ' +
    '[--live-rate R] [--live-batch B] [--live-seconds S] [--catchups K] [--poll-ms MS] [--timeout-seconds S] [--no-peer] [--cpu-prof | --cpu-prof-catchup]',
});
const CPU_PROF_CATCHUP = flags.flag('cpu-prof-catchup');
const CPU_PROF = flags.flag('cpu-prof') || CPU_PROF_CATCHUP;
const RUNS = CPU_PROF ? 1 : flags.number('runs');
const ROWS = flags.number('rows');
const BATCH_ROWS = flags.number('batch-rows');
const REAL_OUTAGE = flags.flag('real-outage');
const OUTAGE_SECONDS = flags.number('outage-seconds');
const LIVE_RATE = flags.number('live-rate');
const LIVE_BATCH = flags.number('live-batch');
const OUTAGE_ROWS = REAL_OUTAGE ? OUTAGE_SECONDS * LIVE_RATE : flags.number('outage-rows');
const LIVE_SECONDS = flags.number('live-seconds');
const CATCHUPS = flags.number('catchups');
const POLL_MS = flags.number('poll-ms');
const TIMEOUT_MS = flags.number('timeout-seconds') * 1000;
const NO_PEER = flags.flag('no-peer') || CPU_PROF;
const NATS_CLIENT = process.env.NATS_CLIENT === 'node' ? 'node' : 'go';
const E2E_CONCURRENCY = 4;
const FILL_CONCURRENCY = 32;
const WARMUP_MS = 1_000;
const RECOVER_MS = 3_000;
const ACKED_BUT_MISSING_MS = 10_000;
const SETTLE_MS = 1_000;

const TARGET = { syncRowsPerSec: 1_000_000, toNats: 10, p99ms: 20, catchupRowsPerSec: 1_000_000 };
const REFERENCE = { natsE2e: '85,000-98,000 msgs/s', natsCatchup: '176,000-270,000 msgs/s (after a ~4.7 s resume delay)' };

const COLUMNS = SENSOR_COLUMNS.map((c) => `${c.name} ${formatDataType(c.type)}`).join(', ');
const EDGE_STREAM = 'sensors';
const CLOUD_STREAM = 'sensors_cloud';
const VIEW = 'fwd';

stopChildrenOnSignal(stopNatsPeers);
const rowsSame = await checkAgainstPeerRows();
const batchesOf = (start: number, n: number, size: number) => Array.from({ length: Math.ceil(n / size) }, (_, b) => peerBatch(start + b * size, Math.min(size, n - b * size)));
const bulkBatches = batchesOf(0, ROWS, BATCH_ROWS);
const e2eBatches = batchesOf(ROWS, ROWS, BATCH_ROWS);
const fillBatches = REAL_OUTAGE ? [] : batchesOf(2 * ROWS, OUTAGE_ROWS, LIVE_BATCH);
/** What the bulk phase preloads: ROWS rows in BATCH_ROWS batches (or, --cpu-prof-catchup, the fill). */
const preloadBatches = CPU_PROF_CATCHUP ? fillBatches : bulkBatches;
const PRELOAD_ROWS = CPU_PROF_CATCHUP ? OUTAGE_ROWS : ROWS;
const LIVE_FIRST_ROW = 2 * ROWS + OUTAGE_ROWS;
/** --cpu-prof: where the servers write their profiles (kept after the bench). */
const PROF_DIR = CPU_PROF ? benchDir('sync-prof') : null;

/** Inserts batches with `concurrency` in flight; resolves with the seconds it took. */
async function insertAll(client: Client, stream: string, batches: readonly ReturnType<typeof peerBatch>[], concurrency: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) await client.insert(stream, batches[next++]);
    }),
  );
  return (performance.now() - t0) / 1000;
}

interface Pair {
  edge: TributaryServer;
  cloud: TributaryServer;
  edgeDir: string;
  cloudDir: string;
  profDir: string | null;
}

/** Polls until the cloud's stream has `target` rows and the edge's view has them acknowledged. */
async function waitDelivered(pair: Pair, target: number, what: string): Promise<void> {
  let last = { cloud: 0, acked: 0, state: '', error: '' };
  let ackedShortSince: number | null = null;
  try {
    await waitUntil(what, TIMEOUT_MS, POLL_MS, async () => {
      const [cloud, task] = await Promise.all([streamNextSn(pair.cloud.url, 'default', CLOUD_STREAM), taskStatus(pair.edge.url, VIEW)]);
      last = { cloud, acked: task.ackedPosition, state: task.state, error: task.lastError };
      if (task.state === 'STOPPED') throw new Error(`the view stopped: ${task.lastError}`);
      // The view says the cloud acknowledged everything, yet the cloud does not have it: no need to
      // wait out the whole timeout for that.
      if (task.ackedPosition >= target && cloud < target) {
        ackedShortSince ??= performance.now();
        if (performance.now() - ackedShortSince > ACKED_BUT_MISSING_MS) throw new Error(`the view acknowledged ${task.ackedPosition} rows but the cloud stream stayed at ${cloud} for ${ACKED_BUT_MISSING_MS / 1000} s`);
      } else ackedShortSince = null;
      return cloud >= target && task.ackedPosition >= target;
    });
  } catch (error) {
    const cloudHeld = await holdings(pair.cloud.url, CLOUD_STREAM).catch((e: unknown) => ({ rows: `? (${(e as Error).message})`, statusSum: '?' }));
    const edgeHeld = await holdings(pair.edge.url, EDGE_STREAM).catch((e: unknown) => ({ rows: `? (${(e as Error).message})`, statusSum: '?' }));
    const task = await taskStatus(pair.edge.url, VIEW).catch(() => null);
    throw new Error(
      `${(error as Error).message}; cloud next_sn ${last.cloud}, view acked ${last.acked} of ${target}, state ${last.state}, last error '${last.error}'; ` +
        `cloud count() ${cloudHeld.rows} sum(status) ${cloudHeld.statusSum}; edge count() ${edgeHeld.rows} sum(status) ${edgeHeld.statusSum}; ` +
        `view source ${task?.sourcePosition} delivered ${task?.deliveredRows} retries ${task?.retries}`,
    );
  }
}

async function startPair(run: number): Promise<Pair> {
  const edgeDir = benchDir(`sync-edge-r${run}`);
  const cloudDir = benchDir(`sync-cloud-r${run}`);
  const profDir = PROF_DIR;
  const profArgs = (who: string) => (profDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(profDir, who)}`]);
  if (profDir !== null) for (const who of ['edge', 'cloud']) mkdirSync(join(profDir, who), { recursive: true });
  const removeDirs = () => {
    rmSync(edgeDir, { recursive: true, force: true });
    rmSync(cloudDir, { recursive: true, force: true });
  };
  const cloud = await startTributary(cloudDir, profArgs('cloud')).catch((error: unknown) => {
    removeDirs();
    throw error;
  });
  // The edge is profiled only after its preload (restarted under the profiler then).
  const edge = await startTributary(edgeDir).catch(async (error: unknown) => {
    await cloud.stop();
    removeDirs();
    throw error;
  });
  return { edge, cloud, edgeDir, cloudDir, profDir };
}

/** Stops both nodes; after a failure keeps their data directories and writes their logs there. */
async function stopPair(pair: Pair, failed: boolean): Promise<void> {
  const codes = await Promise.all([pair.edge.stop(), pair.cloud.stop()]);
  if (codes[0] !== 0) console.error(`edge exited with ${codes[0]}:\n${pair.edge.log().slice(-2000)}`);
  if (codes[1] !== 0) console.error(`cloud exited with ${codes[1]}:\n${pair.cloud.log().slice(-2000)}`);
  if (failed) {
    writeFileSync(join(pair.edgeDir, 'bench-server.log'), pair.edge.log());
    writeFileSync(join(pair.cloudDir, 'bench-server.log'), pair.cloud.log());
    console.error(`kept for diagnosis: edge ${pair.edgeDir}, cloud ${pair.cloudDir} (server logs in bench-server.log)`);
    return;
  }
  rmSync(pair.edgeDir, { recursive: true, force: true });
  rmSync(pair.cloudDir, { recursive: true, force: true });
}

interface OursRun {
  bulk: { rows: number; seconds: number; rowsPerSec: number; preloadRowsPerSec: number; edgeCpuS: number; cloudCpuS: number };
  e2e: { rows: number; seconds: number; rowsPerSec: number; insertRowsPerSec: number; lagAfterInsertS: number; edgeCpuS: number; cloudCpuS: number } | null;
  live: (LatencyStats & { ackP50ms: number; ackP99ms: number; sentRows: number; maxBehindMs: number }) | null;
  /** All episodes of the run together: rows/s over their summed time, latencies pooled over their live rows. */
  catchup: { episodes: number; backlogRows: number; seconds: number; rowsPerSec: number; liveDuring: LatencyStats; liveDuringDurable: LatencyStats; liveAfter: LatencyStats } | null;
  catchups: {
    backlogRows: number;
    fillSeconds: number;
    seconds: number;
    rowsPerSec: number;
    liveDuring: LatencyStats;
    /** The same rows until durable at the cloud (its _tp_index_time), not until a live reader saw them. */
    liveDuringDurable: LatencyStats;
    liveAfter: LatencyStats;
    outageRowsAge: LatencyStats;
    edgeCpuS: number;
    cloudCpuS: number;
  }[];
  exactlyOnce: { edge: { rows: number; statusSum: number }; cloud: { rows: number; statusSum: number }; same: boolean; retries: number };
}

async function runOurs(run: number): Promise<OursRun> {
  let pair = await startPair(run);
  const clients: Client[] = [];
  let writer: LiveWriter | null = null;
  let probe: LatencyProbe | null = null;
  let failed = true;
  try {
    await post(pair.cloud.url, `CREATE STREAM ${CLOUD_STREAM} (${COLUMNS})`, '');
    await post(pair.edge.url, `CREATE STREAM ${EDGE_STREAM} (${COLUMNS})`, '');
    await post(pair.edge.url, `CREATE EXTERNAL STREAM cloud SETTINGS type='timeplus', hosts='127.0.0.1:${pair.cloud.tcpPort}', stream='${CLOUD_STREAM}'`, '');
    await post(pair.edge.url, `CREATE MATERIALIZED VIEW ${VIEW} INTO cloud AS SELECT * FROM ${EDGE_STREAM}`, '');
    await post(pair.edge.url, `SYSTEM PAUSE MATERIALIZED VIEW ${VIEW}`, '');

    // bulk: preload with the view paused, then time the view alone.
    let edgeClient = await connect({ host: '127.0.0.1', port: pair.edge.tcpPort, clientName: 'bench-sync' });
    clients.push(edgeClient);
    const preloadSeconds = await insertAll(edgeClient, EDGE_STREAM, preloadBatches, CPU_PROF_CATCHUP ? FILL_CONCURRENCY : E2E_CONCURRENCY);
    if (pair.profDir !== null) {
      // Restart the edge under the profiler (the view stays paused: its state is in its task file).
      edgeClient.close();
      await pair.edge.stop();
      pair = { ...pair, edge: await startTributary(pair.edgeDir, ['--cpu-prof', `--cpu-prof-dir=${join(pair.profDir, 'edge')}`]) };
      edgeClient = await connect({ host: '127.0.0.1', port: pair.edge.tcpPort, clientName: 'bench-sync' });
      clients.push(edgeClient);
    }
    let edgeCpu = cpuSeconds(pair.edge.child.pid);
    let cloudCpu = cpuSeconds(pair.cloud.child.pid);
    let t0 = performance.now();
    await post(pair.edge.url, `SYSTEM UNPAUSE MATERIALIZED VIEW ${VIEW}`, '');
    await waitDelivered(pair, PRELOAD_ROWS, `the cloud to hold the ${PRELOAD_ROWS} bulk rows`);
    const bulkSeconds = (performance.now() - t0) / 1000;
    const bulk = {
      rows: PRELOAD_ROWS,
      seconds: round(bulkSeconds, 3),
      rowsPerSec: Math.round(PRELOAD_ROWS / bulkSeconds),
      preloadRowsPerSec: Math.round(PRELOAD_ROWS / preloadSeconds),
      edgeCpuS: round(cpuSeconds(pair.edge.child.pid) - edgeCpu, 2),
      cloudCpuS: round(cpuSeconds(pair.cloud.child.pid) - cloudCpu, 2),
    };
    const afterBulk = await holdings(pair.cloud.url, CLOUD_STREAM);
    if (afterBulk.rows !== PRELOAD_ROWS) throw new Error(`after the bulk phase the cloud holds ${afterBulk.rows} rows, expected ${PRELOAD_ROWS}`);
    if (CPU_PROF) {
      failed = false;
      const edgeHeld = await holdings(pair.edge.url, EDGE_STREAM);
      return { bulk, e2e: null, live: null, catchup: null, catchups: [], exactlyOnce: { edge: edgeHeld, cloud: afterBulk, same: edgeHeld.rows === afterBulk.rows && edgeHeld.statusSum === afterBulk.statusSum, retries: (await taskStatus(pair.edge.url, VIEW)).retries } };
    }

    // e2e: insert with the view running; until the cloud holds everything.
    edgeCpu = cpuSeconds(pair.edge.child.pid);
    cloudCpu = cpuSeconds(pair.cloud.child.pid);
    t0 = performance.now();
    const insertSeconds = await insertAll(edgeClient, EDGE_STREAM, e2eBatches, E2E_CONCURRENCY);
    await waitDelivered(pair, 2 * ROWS, `the cloud to hold the ${ROWS} e2e rows`);
    const e2eSeconds = (performance.now() - t0) / 1000;
    const e2e = {
      rows: ROWS,
      seconds: round(e2eSeconds, 3),
      rowsPerSec: Math.round(ROWS / e2eSeconds),
      insertRowsPerSec: Math.round(ROWS / insertSeconds),
      lagAfterInsertS: round(e2eSeconds - insertSeconds, 3),
      edgeCpuS: round(cpuSeconds(pair.edge.child.pid) - edgeCpu, 2),
      cloudCpuS: round(cpuSeconds(pair.cloud.child.pid) - cloudCpu, 2),
    };

    // live: the writer on its own connection, the probe on the cloud.
    const runStart = new Date(Date.now() - 1000).toISOString().replace('T', ' ').replace('Z', '');
    const liveClient = await connect({ host: '127.0.0.1', port: pair.edge.tcpPort, clientName: 'bench-sync-live' });
    clients.push(liveClient);
    const probeClient = await connect({ host: '127.0.0.1', port: pair.cloud.tcpPort, clientName: 'bench-sync-probe' });
    clients.push(probeClient);
    writer = new LiveWriter(liveClient, EDGE_STREAM, LIVE_RATE, LIVE_BATCH, LIVE_FIRST_ROW);
    probe = new LatencyProbe(probeClient, `SELECT _tp_time, _tp_index_time FROM ${CLOUD_STREAM} WHERE _tp_time > '${runStart}'`, writer);
    await probe.start();
    writer.start();
    const epoch = () => performance.timeOrigin + performance.now();
    await sleep(WARMUP_MS);
    const liveFrom = epoch();
    await sleep(LIVE_SECONDS * 1000);
    const liveTo = epoch();
    // Let the window's last rows arrive before the pause (a row still on the edge when the view
    // pauses would wait out the outage and count as a live latency).
    await sleep(SETTLE_MS);

    // catch-up, CATCHUPS times: pause, build the backlog, unpause with the writer still running.
    interface Episode { pausedAt: number; unpausedAt: number; caughtUpAt: number; backlogRows: number; fillSeconds: number; seconds: number; edgeCpuS: number; cloudCpuS: number }
    const episodes: Episode[] = [];
    for (let k = 0; k < CATCHUPS; k++) {
      await post(pair.edge.url, `SYSTEM PAUSE MATERIALIZED VIEW ${VIEW}`, '');
      const pausedAt = epoch();
      const cloudAtPause = await streamNextSn(pair.cloud.url, 'default', CLOUD_STREAM);
      let fillSeconds = 0;
      if (REAL_OUTAGE) await sleep(OUTAGE_SECONDS * 1000);
      else fillSeconds = await insertAll(edgeClient, EDGE_STREAM, fillBatches, FILL_CONCURRENCY);
      const edgeAtUnpause = await streamNextSn(pair.edge.url, 'default', EDGE_STREAM);
      edgeCpu = cpuSeconds(pair.edge.child.pid);
      cloudCpu = cpuSeconds(pair.cloud.child.pid);
      t0 = performance.now();
      await post(pair.edge.url, `SYSTEM UNPAUSE MATERIALIZED VIEW ${VIEW}`, '');
      // Live rows are those sent once the edge has taken the UNPAUSE (the link is back); rows sent while
      // the statement was on its way are outage rows, delivered with the backlog.
      const unpausedAt = epoch();
      await waitDelivered(pair, edgeAtUnpause, `the cloud to catch up to the ${edgeAtUnpause} rows the edge held at the unpause`);
      const seconds = (performance.now() - t0) / 1000;
      const caughtUpAt = epoch();
      episodes.push({
        pausedAt,
        unpausedAt,
        caughtUpAt,
        backlogRows: edgeAtUnpause - cloudAtPause,
        fillSeconds,
        seconds,
        edgeCpuS: round(cpuSeconds(pair.edge.child.pid) - edgeCpu, 2),
        cloudCpuS: round(cpuSeconds(pair.cloud.child.pid) - cloudCpu, 2),
      });
      // Live rows after the catch-up (recovered latency); before the next outage, time for the
      // window's last rows to arrive (a row still on the edge at the pause would wait out the outage).
      await sleep(RECOVER_MS + 500 + (k + 1 < CATCHUPS ? SETTLE_MS : 0));
    }
    await writer.stop();
    const sent = writer.rowsSent;
    const w = writer;
    const p = probe;
    await waitUntil(`the probe to see all ${sent} live rows`, 60_000, 20, async () => {
      if (p.failed !== null) throw p.failed;
      return p.rowsReceived >= w.rowsSent;
    });
    await probe.stop();
    probe = null;
    const ack = writer.ackStats();
    const live = { ...p.window(liveFrom, liveTo), ackP50ms: ack.p50ms, ackP99ms: ack.p99ms, sentRows: LatencyProbe.sentIn(w, LIVE_BATCH, liveFrom, liveTo), maxBehindMs: round(w.maxBehindMs, 1) };
    const ranges = episodes.map((e) => [e.unpausedAt, e.caughtUpAt] as const);
    const backlogRows = episodes.reduce((a, e) => a + e.backlogRows, 0);
    const catchupSeconds = episodes.reduce((a, e) => a + e.seconds, 0);
    const catchup = {
      episodes: episodes.length,
      backlogRows,
      seconds: round(catchupSeconds, 3),
      rowsPerSec: Math.round(backlogRows / catchupSeconds),
      liveDuring: p.windows(ranges),
      liveDuringDurable: p.windows(ranges, true),
      liveAfter: p.windows(episodes.map((e) => [e.caughtUpAt + 500, e.caughtUpAt + 500 + RECOVER_MS] as const)),
    };
    const catchups = episodes.map((e) => ({
      backlogRows: e.backlogRows,
      fillSeconds: round(e.fillSeconds, 3),
      seconds: round(e.seconds, 3),
      rowsPerSec: Math.round(e.backlogRows / e.seconds),
      liveDuring: p.window(e.unpausedAt, e.caughtUpAt),
      liveDuringDurable: p.window(e.unpausedAt, e.caughtUpAt, true),
      liveAfter: p.window(e.caughtUpAt + 500, e.caughtUpAt + 500 + RECOVER_MS),
      outageRowsAge: p.window(e.pausedAt, e.unpausedAt),
      edgeCpuS: e.edgeCpuS,
      cloudCpuS: e.cloudCpuS,
    }));
    if (process.env.SYNC_TIMELINE !== undefined) {
      // Live latency by send time, in 50 ms steps from the unpause: where the catch-up delays live rows.
      for (const [k, { unpausedAt, caughtUpAt }] of episodes.entries()) {
        process.stderr.write(`  catch-up ${k + 1}: unpaused at epoch ${unpausedAt.toFixed(1)}, caught up after ${round(caughtUpAt - unpausedAt)} ms\n`);
        for (let from = unpausedAt - 100; from < caughtUpAt + 200; from += 50) {
          const x = p.window(from, from + 50);
          const d = p.window(from, from + 50, true);
          const acks = w.ackMs.filter((_, i) => w.ackSentAt[i]! >= from && w.ackSentAt[i]! < from + 50);
          process.stderr.write(`  timeline ${round(from - unpausedAt)} ms: rows ${x.rows} p50 ${x.p50ms} p99 ${x.p99ms} max ${x.maxms} | durable p50 ${d.p50ms} | edge ack max ${round(Math.max(...acks), 1)}\n`);
        }
      }
    }
    if (p.unknownRows > 0) throw new Error(`the probe saw ${p.unknownRows} rows with a _tp_time the writer never sent`);

    // Exactly-once: the cloud holds what the edge holds, no more, no less.
    await waitDelivered(pair, await streamNextSn(pair.edge.url, 'default', EDGE_STREAM), 'the cloud to hold every edge row');
    const edgeHeld = await holdings(pair.edge.url, EDGE_STREAM);
    const cloudHeld = await holdings(pair.cloud.url, CLOUD_STREAM);
    const task = await taskStatus(pair.edge.url, VIEW);
    failed = false;
    return {
      bulk,
      e2e,
      live,
      catchup,
      catchups,
      exactlyOnce: { edge: edgeHeld, cloud: cloudHeld, same: edgeHeld.rows === cloudHeld.rows && edgeHeld.statusSum === cloudHeld.statusSum, retries: task.retries },
    };
  } finally {
    if (probe !== null) await probe.stop().catch(() => undefined);
    if (writer !== null) await writer.stop().catch(() => undefined);
    for (const client of clients) client.close();
    await stopPair(pair, failed);
  }
}

async function runPeer(run: number): Promise<NatsResult> {
  const result = await runNatsPeer({
    rows: ROWS,
    outageRows: OUTAGE_ROWS,
    client: NATS_CLIENT,
    scratch: join(process.env.BENCH_DIR ?? join(process.cwd(), '.bench-data'), 'peers'),
    timeoutMs: 900_000,
    onLine: (line) => process.stderr.write(`  [nats run ${run}] ${line.slice(0, 200)}\n`),
  });
  flushPeerWrites(); // JetStream's ~400 MB of stores
  return result;
}

console.log(
  JSON.stringify({
    bench: 'sync',
    runs: RUNS,
    rows: ROWS,
    batchRows: BATCH_ROWS,
    outage: REAL_OUTAGE ? { real: true, seconds: OUTAGE_SECONDS, rows: OUTAGE_ROWS } : { real: false, simulatedSeconds: round(OUTAGE_ROWS / LIVE_RATE, 1), rows: OUTAGE_ROWS, batchRows: LIVE_BATCH },
    live: { rowsPerSec: LIVE_RATE, batchRows: LIVE_BATCH, seconds: LIVE_SECONDS, warmupMs: WARMUP_MS },
    catchupsPerRun: CATCHUPS,
    pollMs: POLL_MS,
    cpuProf: CPU_PROF_CATCHUP ? `bulk phase on a backlog of ${OUTAGE_ROWS} rows in ${LIVE_BATCH}-row batches` : CPU_PROF ? 'bulk phase' : false,
    fsync: 'server default (always)',
    rowsSameAsPeers: rowsSame,
    peer: NO_PEER ? 'skipped' : `nats (02-nats.sh, CLIENT=${NATS_CLIENT})`,
    node: process.version,
    load: loadavg(),
  }),
);

const ours: OursRun[] = [];
const peers: NatsResult[] = [];
const failures: string[] = [];
try {
  for (let run = 1; run <= RUNS; run++) {
    const peerFirst = !NO_PEER && run % 2 === 0;
    let peer: NatsResult | null = null;
    if (peerFirst) peer = await runPeer(run);
    let mine: OursRun;
    try {
      mine = await runOurs(run);
    } catch (error) {
      // A broken run is a result too: report it and go on with the next one.
      failures.push(`run ${run}: ${(error as Error).message}`);
      console.log(JSON.stringify({ bench: 'sync', run, failed: (error as Error).message, load: loadavg() }));
      if (!NO_PEER && !peerFirst) peer = await runPeer(run);
      if (peer !== null) peers.push(peer);
      continue;
    }
    if (!NO_PEER && !peerFirst) peer = await runPeer(run);
    ours.push(mine);
    if (peer !== null) peers.push(peer);
    const line: Record<string, unknown> = { bench: 'sync', run, order: NO_PEER ? 'ours' : peerFirst ? 'nats,ours' : 'ours,nats', ...mine };
    if (peer !== null) {
      if (peer.ok) {
        line.nats = { e2eMsgsPerSec: peer.phase1.e2eMsgsPerSec, publishMsgsPerSec: peer.phase1.publishMsgsPerSec, catchup: peer.catchup };
        line.bulkToNatsE2e = round(mine.bulk.rowsPerSec / peer.phase1.e2eMsgsPerSec, 2);
        if (mine.e2e !== null) line.e2eToNatsE2e = round(mine.e2e.rowsPerSec / peer.phase1.e2eMsgsPerSec, 2);
        if (mine.catchup !== null && peer.catchup.msgsPerSecAfterFirst !== null) line.catchupToNatsCatchup = round(mine.catchup.rowsPerSec / peer.catchup.msgsPerSecAfterFirst, 2);
      } else line.nats = { notMeasured: peer.reason };
    }
    line.load = loadavg();
    console.log(JSON.stringify(line));
  }
} finally {
  await stopNatsPeers();
  agent.destroy();
}

// Summary: medians over runs, ratios to the peer, targets.
const med = (values: (number | null | undefined)[]) => {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length === 0 ? null : median(v);
};
const okPeers = peers.filter((p): p is Extract<NatsResult, { ok: true }> => p.ok);
const bulkRate = med(ours.map((r) => r.bulk.rowsPerSec));
const e2eRate = med(ours.map((r) => r.e2e?.rowsPerSec));
const catchRate = med(ours.map((r) => r.catchup?.rowsPerSec));
const liveP50 = med(ours.map((r) => r.live?.p50ms));
const liveP99 = med(ours.map((r) => r.live?.p99ms));
const ackP50 = med(ours.map((r) => r.live?.ackP50ms));
const ackP99 = med(ours.map((r) => r.live?.ackP99ms));
const duringP50 = med(ours.map((r) => r.catchup?.liveDuring.p50ms));
const duringP99 = med(ours.map((r) => r.catchup?.liveDuring.p99ms));
const duringDurableP50 = med(ours.map((r) => r.catchup?.liveDuringDurable.p50ms));
const duringDurableP99 = med(ours.map((r) => r.catchup?.liveDuringDurable.p99ms));
const afterP99 = med(ours.map((r) => r.catchup?.liveAfter.p99ms));
const natsE2e = okPeers.length === 0 ? null : median(okPeers.map((p) => p.phase1.e2eMsgsPerSec));
// The README's catch-up figure is the rate after the first new message (the resume delay — leaf
// reconnect and mirror restart after the cloud process restarts — is reported apart); ours has no
// such delay (an UNPAUSE), so comparing with the rate after the first message is the stricter one.
const natsCatch = med(okPeers.map((p) => p.catchup.msgsPerSecAfterFirst));
const natsCatchWhole = med(okPeers.map((p) => p.catchup.msgsPerSec));
const natsResume = med(okPeers.map((p) => p.catchup.resumeDelaySeconds));
const failedPeer = peers.find((p): p is Extract<NatsResult, { ok: false }> => !p.ok);
const ratio = (a: number | null, b: number | null) => (a === null || b === null ? null : round(a / b, 2));

const summary = {
  bench: 'sync',
  summary: 'median',
  runs: RUNS,
  bulkRowsPerSec: bulkRate,
  e2eRowsPerSec: e2eRate,
  catchupRowsPerSec: catchRate,
  liveP50ms: liveP50,
  liveP99ms: liveP99,
  edgeInsertAckP50ms: ackP50,
  edgeInsertAckP99ms: ackP99,
  liveDuringCatchupP50ms: duringP50,
  liveDuringCatchupP99ms: duringP99,
  liveDuringCatchupDurableP50ms: duringDurableP50,
  liveDuringCatchupDurableP99ms: duringDurableP99,
  liveAfterCatchupP99ms: afterP99,
  // A failed run so far is always an exactly-once failure (acknowledged rows missing at the cloud) or a timeout.
  exactlyOnceAllRuns: failures.length === 0 && ours.every((r) => r.exactlyOnce.same),
  nats:
    natsE2e === null
      ? { notMeasured: NO_PEER ? 'skipped (--no-peer)' : (failedPeer?.reason ?? 'no run'), reference: REFERENCE }
      : { client: okPeers[0].client, version: okPeers[0].version, e2eMsgsPerSec: natsE2e, catchupMsgsPerSecAfterFirst: natsCatch, catchupMsgsPerSecWhole: natsCatchWhole, resumeDelayS: natsResume },
  bulkToNatsE2e: ratio(bulkRate, natsE2e),
  e2eToNatsE2e: ratio(e2eRate, natsE2e),
  catchupToNatsCatchup: ratio(catchRate, natsCatch),
  liveP50ToEdgeAck: ratio(liveP50, ackP50),
  targets: TARGET,
  failedRuns: failures,
};
console.log(JSON.stringify(summary));

// The same as a table.
const fmt = (v: number | null, unit = '') => (v === null ? '—' : `${v.toLocaleString('en-US')}${unit}`);
const verdict = (ok: boolean | null) => (ok === null ? '' : ok ? 'met' : 'NOT met');
const peerCell = (v: number | null, ref: string) => (v !== null ? fmt(v, ' msgs/s') : `${ref} (reference, not measured)`);
const rows: string[][] = [
  [`metric (median of ${ours.length} runs; catch-up: ${CATCHUPS} per run, pooled)`, 'Tributary', 'NATS JetStream mirror', 'ratio', 'target', ''],
  ['bulk sync, view alone (rows/s)', fmt(bulkRate), peerCell(natsE2e, '85,000-98,000'), fmt(ratio(bulkRate, natsE2e), '×'), '≥ 1,000,000 and ≥ 10× NATS', verdict(bulkRate === null ? null : bulkRate >= TARGET.syncRowsPerSec && (natsE2e === null || bulkRate >= TARGET.toNats * natsE2e))],
  ['end to end, insert+sync (rows/s)', fmt(e2eRate), peerCell(natsE2e, '85,000-98,000'), fmt(ratio(e2eRate, natsE2e), '×'), '≥ 1,000,000 and ≥ 10× NATS', verdict(e2eRate === null ? null : e2eRate >= TARGET.syncRowsPerSec && (natsE2e === null || e2eRate >= TARGET.toNats * natsE2e))],
  ['catch-up after outage (rows/s)', fmt(catchRate), peerCell(natsCatch, '176,000-270,000 after first msg'), fmt(ratio(catchRate, natsCatch), '×'), '≥ 1,000,000', verdict(catchRate === null ? null : catchRate >= TARGET.catchupRowsPerSec)],
  ['live 10k rows/s e2e latency p50 / p99', `${fmt(liveP50, ' ms')} / ${fmt(liveP99, ' ms')}`, 'not measured by the peer script', `p50 ${fmt(ratio(liveP50, ackP50), '×')} edge insert ack`, 'p99 ≤ 20 ms', verdict(liveP99 === null ? null : liveP99 <= TARGET.p99ms)],
  ['  baseline: edge durable insert ack p50 / p99', `${fmt(ackP50, ' ms')} / ${fmt(ackP99, ' ms')}`, '', '', '', ''],
  ['live latency during catch-up p50 / p99', `${fmt(duringP50, ' ms')} / ${fmt(duringP99, ' ms')}`, '', '', 'p99 ≤ 20 ms (keeps its latency)', verdict(duringP99 === null ? null : duringP99 <= TARGET.p99ms)],
  ['  same rows until durable at the cloud (_tp_index_time, ms)', `${fmt(duringDurableP50, ' ms')} / ${fmt(duringDurableP99, ' ms')}`, '', '', '', ''],
  ['live latency after catch-up p99', fmt(afterP99, ' ms'), '', '', '', ''],
];
if (natsCatchWhole !== null) rows.push(['  NATS catch-up incl. its resume delay / the delay', '', `${fmt(natsCatchWhole, ' msgs/s')} / ${fmt(natsResume, ' s')}`, '', '', '']);
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const [i, r] of rows.entries()) {
  console.log(`| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`);
  if (i === 0) console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
}
if (natsE2e === null) console.log(`NATS not measured: ${NO_PEER ? 'skipped (--no-peer / --cpu-prof)' : (failedPeer?.reason ?? '?')}\nreference figures from the issue (not measured): ${REFERENCE.natsE2e} replicated end to end, ${REFERENCE.natsCatchup} catch-up`);
console.log('NATS JetStream does not fsync each message; Tributary fsyncs every insert on both nodes.');
if (failures.length > 0) {
  console.log(`${failures.length} of ${RUNS} runs FAILED (medians are over the others):\n${failures.join('\n')}`);
  process.exitCode = 1;
}

if (PROF_DIR !== null) {
  for (const who of ['edge', 'cloud']) {
    const files = profilesIn(join(PROF_DIR, who));
    if (files.length === 0) {
      console.log(`${who}: no .cpuprofile in ${join(PROF_DIR, who)} (did the server exit cleanly?)`);
      continue;
    }
    const s = summarizeProfile(files[files.length - 1], 20);
    console.log(`\n${who} CPU profile (${s.file}): ${s.durationMs} ms profiled, ${s.startupMs} ms module loading (left out), then ${s.busyMs} ms busy incl. GC ${s.gcMs} ms; top self time:`);
    for (const row of s.top) console.log(`  ${String(row.selfPct).padStart(5)}%  ${String(row.selfMs).padStart(6)} ms  ${row.fn}`);
  }
}
