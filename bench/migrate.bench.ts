// migrate: the Timeplus external stream seed's migration recipe ("Migrate data from Timeplus Proton
// to Timeplus Enterprise", ../shared/seeds/timeplus-external-stream.md) between two real
// `tributary server` child processes on free loopback ports, both durable (the server's default
// fsync = always), data under .bench-data/ (BENCH_DIR):
//   node A holds streamA: ROWS rows of the peers' rows (bench/support/peer-rows.ts), loaded once;
//   node B runs, verbatim but for the host:
//     CREATE STREAM streamA(<the same columns>)
//     CREATE EXTERNAL STREAM streama_proton SETTINGS type='timeplus',hosts='127.0.0.1:<A native port>',stream='streamA'
//     CREATE MATERIALIZED VIEW proton_to_tp_enterprise INTO streamA AS SELECT * FROM streama_proton WHERE _tp_time>earliest_ts()
//   timed from sending the CREATE MATERIALIZED VIEW until B holds every row → rows/s. Completion is
//   polled cheaply every POLL_MS ms (B's tributary_stream_next_sn from /metrics and the view's
//   acked_position in system.tasks: bench/support/node-progress.ts) and confirmed afterwards: B's
//   count() and sum(status) must equal A's (nothing lost, nothing twice).
//   B is one long-running server, as ClickHouse's target is: after each copy it drops the view and
//   both streams (ClickHouse's target drops its table), and the next copy creates them again. With
//   --fresh-b every copy gets a new B process instead, whose V8 compiles the copy path during the
//   copy (2-core VM, medians of 5: fresh B 1.00-1.09x ClickHouse; one B 1.27-1.68x, its copies
//   3.6-6.1M rows/s as it warms up).
// Baseline, same run: Debian's ClickHouse 18.16, two servers started the peer scripts' way
// (bench/peers/clickhouse-up.sh, twice: ports PORT_BASE+21..23 and +24..26), 03-clickhouse.sh's
// table verbatim (ts UInt64, device String, temp Float32, hum Float32, status UInt16, MergeTree)
// loaded on the first with the same rows (rows.mjs's JSON over HTTP, 10,000 per request); on the
// second, timed: INSERT INTO rows SELECT * FROM remote('127.0.0.1:<first's native port>', default.rows)
// (the request returns when the copy is done). NB ClickHouse 18.16 does not fsync the parts it
// writes (the bench runs sync(1) after each of its copies, outside the timing, so that its write-back
// does not land in a later timed copy); its narrower Float32/UInt16 columns carry ~8 B/row less. The order of ours and
// ClickHouse's alternates between runs. Before the timed runs, WARMUP untimed copies of each system
// (--warmup, default 1): node A is a long-running server whose copy path V8 has not compiled yet
// when the bench starts (its first copy: 2.9-3.1M rows/s, later ones 3.5-4.3M), and ClickHouse gets
// the same (its first is within its run-to-run spread). They print as `"warmup": true` lines and
// stay out of the medians. One JSON line per run, then medians, the ratio and a table.
//
// Run: npm run bench:migrate [-- --runs N --warmup N --rows N --batch-rows N --poll-ms MS --no-clickhouse --cpu-prof --fresh-b]
// --cpu-prof: one run of ours only, A (restarted under the profiler after its load) and B under
// `node --cpu-prof`; prints the top self-time functions of each. Env: BENCH_DIR, RUNS, ROWS.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '../src/net/client.ts';
import { formatDataType } from '../src/types/data-type.ts';
import { parseFlags, round, waitUntil } from './support/bench-args.ts';
import { profilesIn, summarizeProfile } from './support/cpu-profile.ts';
import { holdings, streamNextSn, taskStatus } from './support/node-progress.ts';
import { checkAgainstPeerRows, peerBatch, peerJsonBody } from './support/peer-rows.ts';
import { benchDir, median, SENSOR_COLUMNS } from './support/sensor-batches.ts';
import {
  agent,
  type ClickHouseServer,
  cpuSeconds,
  flushPeerWrites,
  loadavg,
  post,
  startClickHouse,
  startTributary,
  stopChildrenOnSignal,
  type TributaryServer,
} from './support/server-process.ts';

const flags = parseFlags({
  numbers: { runs: 3, warmup: 1, rows: 1_000_000, 'batch-rows': 10_000, 'poll-ms': 10, 'timeout-seconds': 300 },
  booleans: ['no-clickhouse', 'cpu-prof', 'fresh-b'],
  usage: 'npm run bench:migrate -- [--runs N] [--warmup N] [--rows N] [--batch-rows N] [--poll-ms MS] [--timeout-seconds S] [--no-clickhouse] [--cpu-prof] [--fresh-b]',
});
const CPU_PROF = flags.flag('cpu-prof');
const RUNS = CPU_PROF ? 1 : flags.number('runs');
const WARMUP = CPU_PROF ? 0 : flags.number('warmup');
const ROWS = flags.number('rows');
const BATCH_ROWS = flags.number('batch-rows');
const POLL_MS = flags.number('poll-ms');
const TIMEOUT_MS = flags.number('timeout-seconds') * 1000;
const NO_CLICKHOUSE = flags.flag('no-clickhouse') || CPU_PROF;
/** A new node B process for every copy (instead of one B that drops the copy's objects after it). */
const FRESH_B = flags.flag('fresh-b');
const TARGET_TO_CLICKHOUSE = 1.0;
const REFERENCE_CLICKHOUSE = '1,900,000-2,900,000 rows/s';

const COLUMNS = SENSOR_COLUMNS.map((c) => `${c.name} ${formatDataType(c.type)}`).join(', ');
/** 03-clickhouse.sh's DDL, verbatim. */
const CH_DDL = 'CREATE TABLE rows (ts UInt64, device String, temp Float32, hum Float32, status UInt16) ENGINE = MergeTree() ORDER BY (device, ts)';
const VIEW = 'proton_to_tp_enterprise';
const PROF_DIR = CPU_PROF ? benchDir('migrate-prof') : null;
const profArgs = (who: string) => {
  if (PROF_DIR === null) return [];
  mkdirSync(join(PROF_DIR, who), { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${join(PROF_DIR, who)}`];
};

stopChildrenOnSignal();
const rowsSame = await checkAgainstPeerRows();
const batchCount = Math.ceil(ROWS / BATCH_ROWS);
const rowsOf = (b: number) => Math.min(BATCH_ROWS, ROWS - b * BATCH_ROWS);

interface OursRun {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  createViewMs: number;
  aCpuS: number;
  bCpuS: number;
  same: boolean;
  retries: number;
}

interface ClickHouseRun {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  ch1CpuS: number;
  ch2CpuS: number;
}

const dirA = benchDir('migrate-a');
let nodeA: TributaryServer | null = null;
const clickhouse: ClickHouseServer[] = [];
let clickhouseReason = NO_CLICKHOUSE ? 'skipped (--no-clickhouse / --cpu-prof)' : '';
const chScratch = NO_CLICKHOUSE ? null : benchDir('migrate-peers');
const bDirs: string[] = [];
let nodeB: TributaryServer | null = null;

async function runOurs(run: number, a: TributaryServer, aHeld: { rows: number; statusSum: number }, longRunningB: TributaryServer | null): Promise<OursRun> {
  let b: TributaryServer;
  let dirB: string | null = null;
  if (longRunningB !== null) b = longRunningB;
  else {
    const dir = benchDir(`migrate-b-r${run}`);
    dirB = dir;
    bDirs.push(dir);
    b = await startTributary(dir, profArgs('b')).catch((error: unknown) => {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    });
  }
  try {
    await post(b.url, `CREATE STREAM streamA(${COLUMNS})`, '');
    await post(b.url, `CREATE EXTERNAL STREAM streama_proton SETTINGS type='timeplus',hosts='127.0.0.1:${a.tcpPort}',stream='streamA'`, '');
    const aCpu = cpuSeconds(a.child.pid);
    const bCpu = cpuSeconds(b.child.pid);
    const t0 = performance.now();
    await post(b.url, `CREATE MATERIALIZED VIEW ${VIEW} INTO streamA AS SELECT * FROM streama_proton WHERE _tp_time>earliest_ts()`, '');
    const createViewMs = performance.now() - t0;
    let last = { next: 0, acked: 0, state: '', error: '' };
    try {
      await waitUntil(`B to hold ${ROWS} rows`, TIMEOUT_MS, POLL_MS, async () => {
        const [next, task] = await Promise.all([streamNextSn(b.url, 'default', 'streamA'), taskStatus(b.url, VIEW)]);
        last = { next, acked: task.ackedPosition, state: task.state, error: task.lastError };
        if (task.state === 'STOPPED') throw new Error(`the view stopped: ${task.lastError}`);
        return next >= ROWS && task.ackedPosition >= ROWS;
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}; B next_sn ${last.next}, view acked ${last.acked}, state ${last.state}, last error '${last.error}'`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = { aCpuS: round(cpuSeconds(a.child.pid) - aCpu, 2), bCpuS: round(cpuSeconds(b.child.pid) - bCpu, 2) };
    const bHeld = await holdings(b.url, 'streamA');
    const task = await taskStatus(b.url, VIEW);
    const same = bHeld.rows === aHeld.rows && bHeld.statusSum === aHeld.statusSum;
    if (!same) throw new Error(`B holds ${bHeld.rows} rows (sum(status) ${bHeld.statusSum}), A ${aHeld.rows} (${aHeld.statusSum})`);
    return { rows: ROWS, seconds: round(seconds, 3), rowsPerSec: Math.round(ROWS / seconds), createViewMs: round(createViewMs, 1), ...cpu, same, retries: task.retries };
  } finally {
    if (dirB === null) {
      // The long-running B drops what the copy made, as ClickHouse's target drops its table.
      for (const statement of [`DROP VIEW IF EXISTS ${VIEW}`, 'DROP STREAM IF EXISTS streamA', 'DROP STREAM IF EXISTS streama_proton']) await post(b.url, statement, '');
    } else {
      const code = await b.stop();
      if (code !== 0) console.error(`node B exited with ${code}:\n${b.log().slice(-2000)}`);
      rmSync(dirB, { recursive: true, force: true });
    }
  }
}

async function runClickHouse(ch1: ClickHouseServer, ch2: ClickHouseServer): Promise<ClickHouseRun> {
  await post(ch2.url, 'DROP TABLE IF EXISTS rows', '');
  await post(ch2.url, CH_DDL, '');
  const cpu1 = cpuSeconds(ch1.child.pid);
  const cpu2 = cpuSeconds(ch2.child.pid);
  const t0 = performance.now();
  await post(ch2.url, `INSERT INTO rows SELECT * FROM remote('127.0.0.1:${ch1.tcpPort}', default.rows)`, '');
  const seconds = (performance.now() - t0) / 1000;
  const count = Number((await post(ch2.url, 'SELECT count() FROM rows', '')).trim());
  if (count !== ROWS) throw new Error(`ClickHouse copy holds ${count} rows, expected ${ROWS}`);
  flushPeerWrites(); // the parts ClickHouse just wrote
  return { rows: count, seconds: round(seconds, 3), rowsPerSec: Math.round(count / seconds), ch1CpuS: round(cpuSeconds(ch1.child.pid) - cpu1, 2), ch2CpuS: round(cpuSeconds(ch2.child.pid) - cpu2, 2) };
}

const ours: OursRun[] = [];
const theirs: ClickHouseRun[] = [];
try {
  // Node A with streamA.
  nodeA = await startTributary(dirA);
  await post(nodeA.url, `CREATE STREAM streamA(${COLUMNS})`, '');
  const loader = await connect({ host: '127.0.0.1', port: nodeA.tcpPort, clientName: 'bench-migrate' });
  let next = 0;
  const l0 = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batchCount) {
        const b = next++;
        await loader.insert('streamA', peerBatch(b * BATCH_ROWS, rowsOf(b)));
      }
    }),
  );
  const loadSeconds = (performance.now() - l0) / 1000;
  loader.close();
  if (PROF_DIR !== null) {
    await nodeA.stop();
    nodeA = await startTributary(dirA, profArgs('a'));
  }
  if (!FRESH_B) {
    const dir = benchDir('migrate-b');
    bDirs.push(dir);
    nodeB = await startTributary(dir, profArgs('b'));
  }
  const aHeld = await holdings(nodeA.url, 'streamA');
  if (aHeld.rows !== ROWS) throw new Error(`node A holds ${aHeld.rows} rows after the load, expected ${ROWS}`);

  // ClickHouse: two servers, the first loaded with the same rows.
  let chVersion: string | null = null;
  if (chScratch !== null) {
    try {
      clickhouse.push(await startClickHouse(chScratch));
      clickhouse.push(await startClickHouse(chScratch));
      const [ch1, ch2] = clickhouse;
      chVersion = (await post(ch1.url, 'SELECT version()', '')).trim();
      await post(ch1.url, 'DROP TABLE IF EXISTS rows', '');
      await post(ch1.url, CH_DDL, '');
      for (let b = 0; b < batchCount; b++) await post(ch1.url, 'INSERT INTO rows FORMAT JSONEachRow', peerJsonBody(b * BATCH_ROWS, rowsOf(b), 'peers'));
      const count = Number((await post(ch1.url, 'SELECT count() FROM rows', '')).trim());
      if (count !== ROWS) throw new Error(`ClickHouse source holds ${count} rows, expected ${ROWS}`);
      await post(ch2.url, 'SELECT 1', '');
    } catch (error) {
      clickhouseReason = (error as Error).message;
      for (const ch of clickhouse.splice(0)) await ch.stop();
    }
  }
  console.log(
    JSON.stringify({
      bench: 'migrate',
      runs: RUNS,
      warmup: WARMUP,
      nodeB: FRESH_B ? 'a new process for every copy (--fresh-b)' : 'one process for all copies; each copy\'s objects dropped after it',
      rows: ROWS,
      batchRows: BATCH_ROWS,
      pollMs: POLL_MS,
      fsync: 'server default (always)',
      rowsSameAsPeers: rowsSame,
      nodeA: { tcpPort: nodeA.tcpPort, loadRowsPerSec: Math.round(ROWS / loadSeconds) },
      clickhouse: clickhouse.length === 2 ? { version: chVersion, source: { httpPort: clickhouse[0].httpPort, tcpPort: clickhouse[0].tcpPort }, target: { httpPort: clickhouse[1].httpPort } } : { unavailable: clickhouseReason },
      node: process.version,
      load: loadavg(),
    }),
  );
  if (clickhouse.length !== 2) console.log(`ClickHouse NOT MEASURED: ${clickhouseReason}\nreference figure from the issue (not measured): ${REFERENCE_CLICKHOUSE}`);

  for (let run = 1 - WARMUP; run <= RUNS; run++) {
    const warmup = run <= 0;
    const chFirst = clickhouse.length === 2 && run % 2 === 0;
    let ch: ClickHouseRun | null = null;
    if (chFirst) ch = await runClickHouse(clickhouse[0], clickhouse[1]);
    const mine = await runOurs(run, nodeA, aHeld, nodeB);
    if (clickhouse.length === 2 && !chFirst) ch = await runClickHouse(clickhouse[0], clickhouse[1]);
    if (!warmup) ours.push(mine);
    if (ch !== null && !warmup) theirs.push(ch);
    console.log(
      JSON.stringify({
        bench: 'migrate',
        ...(warmup ? { warmup: true } : { run }),
        order: clickhouse.length !== 2 ? 'ours' : chFirst ? 'clickhouse,ours' : 'ours,clickhouse',
        tributary: mine,
        clickhouse: ch,
        toClickHouse: ch === null ? null : round(mine.rowsPerSec / ch.rowsPerSec, 2),
        load: loadavg(),
      }),
    );
  }
} finally {
  if (nodeA !== null) {
    const code = await nodeA.stop();
    if (code !== 0) console.error(`node A exited with ${code}:\n${nodeA.log().slice(-2000)}`);
  }
  if (nodeB !== null) {
    const code = await nodeB.stop();
    if (code !== 0) console.error(`node B exited with ${code}:\n${nodeB.log().slice(-2000)}`);
  }
  for (const ch of clickhouse) await ch.stop();
  agent.destroy();
  rmSync(dirA, { recursive: true, force: true });
  for (const dir of bDirs) rmSync(dir, { recursive: true, force: true });
  if (chScratch !== null) rmSync(chScratch, { recursive: true, force: true });
}

const oursRate = median(ours.map((r) => r.rowsPerSec));
const chRate = theirs.length === 0 ? null : median(theirs.map((r) => r.rowsPerSec));
const toCh = chRate === null ? null : round(oursRate / chRate, 2);
console.log(
  JSON.stringify({
    bench: 'migrate',
    summary: 'median',
    runs: RUNS,
    tributaryRowsPerSec: oursRate,
    clickhouseRemoteCopyRowsPerSec: chRate ?? `not measured: ${clickhouseReason}; reference ${REFERENCE_CLICKHOUSE}`,
    toClickHouse: toCh,
    targetToClickHouse: TARGET_TO_CLICKHOUSE,
  }),
);
const fmt = (v: number | null, unit = '') => (v === null ? '—' : `${v.toLocaleString('en-US')}${unit}`);
const table = [
  [`metric (median of ${RUNS})`, 'Tributary (external stream + MV)', 'ClickHouse INSERT … SELECT remote()', 'ratio', 'target', ''],
  [
    `migrate ${ROWS.toLocaleString('en-US')} rows (rows/s)`,
    fmt(oursRate),
    chRate === null ? `${REFERENCE_CLICKHOUSE} (reference, not measured)` : fmt(chRate),
    fmt(toCh, '×'),
    '≥ 1.0× ClickHouse',
    toCh === null ? '' : toCh >= TARGET_TO_CLICKHOUSE ? 'met' : 'NOT met',
  ],
  ['  seconds', fmt(median(ours.map((r) => r.seconds)), ' s'), theirs.length === 0 ? '—' : fmt(median(theirs.map((r) => r.seconds)), ' s'), '', '', ''],
  ['  CPU seconds (source / target)', `${fmt(median(ours.map((r) => r.aCpuS)))} / ${fmt(median(ours.map((r) => r.bCpuS)))}`, theirs.length === 0 ? '—' : `${fmt(median(theirs.map((r) => r.ch1CpuS)))} / ${fmt(median(theirs.map((r) => r.ch2CpuS)))}`, '', '', ''],
];
const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
for (const [i, r] of table.entries()) {
  console.log(`| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`);
  if (i === 0) console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
}
console.log('ClickHouse 18.16 does not fsync the parts it writes; Tributary fsyncs every batch it appends on B.');

if (PROF_DIR !== null) {
  for (const who of ['a', 'b']) {
    const files = profilesIn(join(PROF_DIR, who));
    if (files.length === 0) {
      console.log(`node ${who.toUpperCase()}: no .cpuprofile in ${join(PROF_DIR, who)}`);
      continue;
    }
    const s = summarizeProfile(files[files.length - 1], 20);
    console.log(`\nnode ${who.toUpperCase()} CPU profile (${s.file}): ${s.durationMs} ms profiled, ${s.startupMs} ms module loading (left out), then ${s.busyMs} ms busy incl. GC ${s.gcMs} ms; top self time:`);
    for (const row of s.top) console.log(`  ${String(row.selfPct).padStart(5)}%  ${String(row.selfMs).padStart(6)} ms  ${row.fn}`);
  }
}
