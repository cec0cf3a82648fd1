// `tributary demo`: the edge-to-cloud recipe of the Timeplus external stream, run for real on this
// machine. Two nodes in this process, each on its own data directory with a native server on
// 127.0.0.1: a cloud node holding `web_errors`, and an edge node where a sensor generator appends
// web-access rows to `local_stream` and the materialized view `edge_to_cloud` forwards the rows with
// http_code >= 400 INTO the external stream `stream_in_cloud`, which points at the cloud through a
// TCP relay (demo/link.ts) the demo can cut.
//
// Phases: (1) live forwarding; (2) the link is cut while the generator keeps writing: the view
// retries with backoff and the edge's log holds the backlog; (3) the link comes back and the view
// catches up (progress bar); (4) SYSTEM PAUSE / UNPAUSE MATERIALIZED VIEW; (5) the generator stops,
// the view drains, and both sides are compared: count and sum(latency_ms) of the matching rows on
// the edge against everything the cloud received. Equal (exactly once, nothing lost or duplicated
// across the outage) → exit 0; otherwise the difference is printed and the exit code is 1.
//
// Numbers come from SQL: `system.tasks` on the edge (positions, lag, state, retries, last error) and
// `count()` over `table(...)` on both sides. Latencies are multiples of 1/4 ms, so their float64
// sums are exact and independent of summation order: the comparison can demand equality.
// Printing (status lines, the progress bar, TTY or plain lines) is demo/render.ts.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Prng } from '../../core/prng.ts';
import type { TributaryNode } from '../../engine/node.ts';
import { type Client, connect } from '../../net/client.ts';
import { type NativeServer, startNativeServer } from '../../net/native-server.ts';
import { createAuthenticator } from '../../server/authenticator.ts';
import { openNode } from '../../tributary-node.ts';
import type { Value } from '../../types/vector.ts';
import { type Link, startLink } from './demo/link.ts';
import { type DemoSample, Screen, formatCatchUp, formatCount, formatLastError, formatStatus } from './demo/render.ts';

export interface DemoOptions {
  /** Where the two nodes keep their data (`<dir>/cloud`, `<dir>/edge`); must be empty or missing. Kept. */
  readonly dataDir?: string;
  /** Keep the temporary data directory (the default removes it). */
  readonly keep: boolean;
  /** Multiplies every phase's duration (--fast is 0.3). */
  readonly durationScale: number;
  /** Rows per generator batch (one batch every GENERATOR_INTERVAL_MS). */
  readonly batchRows: number;
  /** The generator's PRNG seed. */
  readonly seed: number;
}

/** Phase lengths at --duration-scale 1, in milliseconds. */
const LIVE_MS = 4_000;
const OUTAGE_MS = 5_000;
const PAUSE_MS = 2_000;
/** Status lines are printed this often (scaled, but never more often than STATUS_TICK_MIN_MS). */
const STATUS_TICK_MS = 500;
const STATUS_TICK_MIN_MS = 200;
/** The catch-up is sampled this often; the bar redraws at each sample on a terminal, elsewhere every status tick. */
const PROGRESS_TICK_MS = 100;
/** During a catch-up with the generator still writing, this many batches in flight count as live. */
const LIVE_TAIL_BATCHES = 2;
/** How long a catch-up may take before the demo gives up and reports the view's status (not scaled). */
const CATCH_UP_TIMEOUT_MS = 60_000;
const GENERATOR_INTERVAL_MS = 100;
/** The rows/s shown is the cloud's row count growth over about this long. */
const RATE_WINDOW_MS = 1_000;
/** Share of generated rows with http_code >= 400. */
const ERROR_RATE = 0.07;

const VIEW = 'edge_to_cloud';
const CLOUD_SQL = ['CREATE STREAM web_errors (host string, path string, http_code int32, latency_ms float64)'];
const edgeSql = (relayPort: number) => [
  'CREATE STREAM local_stream (host string, path string, http_code int32, latency_ms float64)',
  `CREATE EXTERNAL STREAM stream_in_cloud SETTINGS type='timeplus', hosts='127.0.0.1:${relayPort}', stream='web_errors'`,
  `CREATE MATERIALIZED VIEW ${VIEW} INTO stream_in_cloud AS SELECT * FROM local_stream WHERE http_code>=400`,
];
const EDGE_TOTALS_SQL = 'SELECT count(), sum(latency_ms) FROM table(local_stream) WHERE http_code>=400';
const CLOUD_TOTALS_SQL = 'SELECT count(), sum(latency_ms) FROM table(web_errors)';
const TASK_SQL =
  `SELECT state, source_position, acked_position, lag_rows, retries, last_error FROM system.tasks WHERE name = '${VIEW}'`;
const EDGE_MATCHING_SQL = 'SELECT count() FROM table(local_stream) WHERE http_code>=400';
const CLOUD_COUNT_SQL = 'SELECT count() FROM table(web_errors)';

/** Runs the demo; resolves with the process exit code (0: both sides agree). */
export async function runDemo(options: DemoOptions): Promise<number> {
  const screen = new Screen({
    write: (text) => process.stdout.write(text),
    tty: process.stdout.isTTY === true,
    color: process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
    columns: process.stdout.columns,
  });
  const { root, temporary } = prepareDataDir(options.dataDir);
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  const taskLog: string[] = [];
  const parts: { cloud?: TributaryNode; edge?: TributaryNode; cloudServer?: NativeServer; edgeServer?: NativeServer; link?: Link; generator?: Generator } = {};
  try {
    const cloud = (parts.cloud = await openNode({ dataDir: join(root, 'cloud') }));
    const cloudServer = (parts.cloudServer = await serve(cloud));
    for (const sql of CLOUD_SQL) await cloud.execute(sql);
    const link = (parts.link = await startLink({ targetPort: cloudServer.port }));
    const edge = (parts.edge = await openNode({
      dataDir: join(root, 'edge'),
      taskLog: (level, message, fields) => {
        taskLog.push(`${level} ${message}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}`);
        if (taskLog.length > 20) taskLog.shift();
      },
    }));
    const edgeServer = (parts.edgeServer = await serve(edge));
    const sql = edgeSql(link.port);
    for (const statement of sql) await edge.execute(statement);

    screen.line(`tributary demo: edge to cloud through an external stream and a materialized view`);
    screen.line(`data: ${root}${temporary && !options.keep ? ' (removed at the end; --keep keeps it)' : ''}`);
    screen.line(`cloud  node ${cloud.nodeId} on 127.0.0.1:${cloudServer.port}`);
    for (const statement of CLOUD_SQL) screen.line(`         ${statement}`);
    screen.line(`link   127.0.0.1:${link.port} -> 127.0.0.1:${cloudServer.port} (a TCP relay the demo cuts and restores)`);
    screen.line(`edge   node ${edge.nodeId} on 127.0.0.1:${edgeServer.port}`);
    for (const statement of sql) screen.line(`         ${statement}`);

    const generator = (parts.generator = new Generator(await connect({ host: '127.0.0.1', port: edgeServer.port, clientName: 'tributary-demo-generator' }), options));
    screen.line(
      `sensor generator: ${formatCount(options.batchRows)} rows every ${GENERATOR_INTERVAL_MS} ms into local_stream over the native protocol ` +
        `(~${Math.round(ERROR_RATE * 100)}% with http_code >= 400, seed ${options.seed})`,
    );

    const scale = options.durationScale;
    const tick = Math.max(STATUS_TICK_MIN_MS, STATUS_TICK_MS * scale);
    const cloudRate = new RateMeter(RATE_WINDOW_MS);
    const sample = async (full = true): Promise<DemoSample> => {
      const s = await takeSample(edge, cloud, link, generator, full);
      return { ...s, rowsPerSecond: cloudRate.add(Date.now(), s.cloudRows) };
    };
    const signal = interrupt.signal;
    let shownError = '';
    const watch = async (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end && !signal.aborted) {
        await sleep(Math.min(tick, end - Date.now()), signal);
        const s = await sample();
        screen.line(formatStatus(s));
        if (s.state === 'RETRYING' && s.lastError !== '' && s.lastError !== shownError) {
          screen.line(formatLastError(s));
          shownError = s.lastError;
        }
      }
      checkInterrupted(signal);
    };
    // Caught up: lag 0; or, while the generator keeps writing, everything that was there when the
    // catch-up began is acknowledged and what is left is the live tail (at most LIVE_TAIL_BATCHES
    // generator batches in flight), which a sample may or may not catch at exactly 0.
    const catchUp = async (what: string): Promise<boolean> => {
      const started = Date.now();
      let s = await sample(false);
      const from = s.ackedPosition;
      const until = s.sourcePosition;
      let lastPrinted = 0;
      for (;;) {
        checkInterrupted(signal);
        const done = s.lagRows === 0 || (generator.running && s.ackedPosition >= until && s.lagRows <= LIVE_TAIL_BATCHES * options.batchRows);
        // The bar: how much of the backlog the catch-up began with is acknowledged.
        const fraction = until <= from ? 1 : (s.ackedPosition - from) / (until - from);
        if (done || screen.tty || Date.now() - lastPrinted >= tick) {
          screen.update(formatCatchUp(s, fraction));
          lastPrinted = Date.now();
        }
        if (done) break;
        if (s.state === 'STOPPED' || Date.now() - started > CATCH_UP_TIMEOUT_MS) {
          screen.settle();
          screen.line(screen.bad(`${what}: the view did not catch up (${s.state}, lag ${formatCount(s.lagRows)} rows after ${seconds(Date.now() - started)})`));
          const status = await sample(true);
          screen.line(formatStatus(status));
          if (status.lastError !== '') screen.line(formatLastError(status));
          for (const entry of taskLog) screen.line(`  task log: ${entry}`);
          return false;
        }
        await sleep(PROGRESS_TICK_MS, signal);
        s = await sample(false);
      }
      screen.settle();
      screen.line(
        `${what} in ${seconds(Date.now() - started)}: ${formatCount(s.ackedPosition - from)} source rows acknowledged, ` +
          `cloud ${formatCount(s.cloudRows)} rows, lag ${formatCount(s.lagRows)} rows${s.lagRows === 0 ? '' : ' (the live tail)'}`,
      );
      return true;
    };

    generator.start();

    screen.heading(`1/5 live: the edge forwards http_code >= 400 to the cloud (${seconds(LIVE_MS * scale)})`);
    await watch(LIVE_MS * scale);

    screen.heading(`2/5 link down for ${seconds(OUTAGE_MS * scale)}: the edge keeps writing and holds what the cloud has not acknowledged`);
    link.cut();
    const cutAt = await sample(false);
    await watch(OUTAGE_MS * scale);
    const beforeRestore = await sample(false);
    screen.line(
      `outage: ${formatCount(beforeRestore.edgeRows - cutAt.edgeRows)} rows written on the edge, ` +
        `backlog ${formatCount(beforeRestore.lagRows)} source rows, ${link.stats().refused} connection attempts refused, view ${beforeRestore.state}`,
    );

    screen.heading('3/5 link restored: the view reconnects and catches up');
    link.restore();
    if (!(await catchUp('caught up'))) return 1;

    screen.heading(`4/5 SYSTEM PAUSE MATERIALIZED VIEW ${VIEW} (${seconds(PAUSE_MS * scale)}), then UNPAUSE`);
    await edge.execute(`SYSTEM PAUSE MATERIALIZED VIEW ${VIEW}`);
    screen.line(`SYSTEM PAUSE MATERIALIZED VIEW ${VIEW}: ok`);
    await watch(PAUSE_MS * scale);
    await edge.execute(`SYSTEM UNPAUSE MATERIALIZED VIEW ${VIEW}`);
    screen.line(`SYSTEM UNPAUSE MATERIALIZED VIEW ${VIEW}: ok`);
    if (!(await catchUp('resumed and caught up'))) return 1;

    screen.heading('5/5 generator stopped: drain and compare both sides');
    await generator.stop();
    screen.line(
      `generator: ${formatCount(generator.rows)} rows in ${generator.batches} batches, ${formatCount(generator.matching)} with http_code >= 400` +
        (generator.failures === 0 ? '' : `, ${generator.failures} failed inserts (${generator.lastFailure})`),
    );
    if (!(await catchUp('drained'))) return 1;
    const edgeTotals = await totals(edge, EDGE_TOTALS_SQL);
    const cloudTotals = await totals(cloud, CLOUD_TOTALS_SQL);
    const final = await sample(false);
    screen.line(`edge:  ${EDGE_TOTALS_SQL}  ->  ${formatCount(edgeTotals.count)} rows, sum ${edgeTotals.sum}`);
    screen.line(`cloud: ${CLOUD_TOTALS_SQL}  ->  ${formatCount(cloudTotals.count)} rows, sum ${cloudTotals.sum}`);
    screen.line(`view: ${final.retries} retries, link relayed ${link.stats().relayed} connections and refused ${link.stats().refused}`);
    if (edgeTotals.count === cloudTotals.count && edgeTotals.sum === cloudTotals.sum) {
      screen.line(screen.good(`both sides agree ✓ (${formatCount(cloudTotals.count)} rows, none lost or duplicated across the outage)`));
      return 0;
    }
    screen.line(
      screen.bad(
        `MISMATCH ✗: the cloud has ${formatCount(cloudTotals.count)} rows (sum ${cloudTotals.sum}), the edge ${formatCount(edgeTotals.count)} (sum ${edgeTotals.sum}); ` +
          `difference ${formatCount(cloudTotals.count - edgeTotals.count)} rows`,
      ),
    );
    return 1;
  } catch (error) {
    if (interrupt.signal.aborted) {
      screen.settle();
      screen.line('interrupted');
      return 130;
    }
    throw error;
  } finally {
    screen.settle();
    process.off('SIGINT', onSigint);
    await shutdown(parts);
    if (temporary && !options.keep) rmSync(root, { recursive: true, force: true });
    else screen.line(`data kept in ${root} (cloud/ and edge/)`);
  }
}

/** The generator: web-access rows, a batch every GENERATOR_INTERVAL_MS, over the native protocol. */
class Generator {
  rows = 0;
  matching = 0;
  batches = 0;
  failures = 0;
  lastFailure = '';
  private readonly client: Client;
  private readonly prng: Prng;
  private readonly batchRows: number;
  private loopDone: Promise<void> | null = null;
  private readonly stopping = new AbortController();
  private startedAt = 0;

  constructor(client: Client, options: DemoOptions) {
    this.client = client;
    this.prng = new Prng(options.seed);
    this.batchRows = options.batchRows;
  }

  start(): void {
    this.startedAt = Date.now();
    this.loopDone = this.loop();
  }

  get running(): boolean {
    return this.loopDone !== null;
  }

  /** Seconds since start(). */
  elapsedS(): number {
    return this.startedAt === 0 ? 0 : (Date.now() - this.startedAt) / 1000;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loopDone;
    this.loopDone = null;
  }

  close(): void {
    this.client.close();
  }

  private async loop(): Promise<void> {
    const started = this.startedAt;
    for (let n = 0; !this.stopping.signal.aborted; n++) {
      const rows = this.batch();
      try {
        await this.client.insert('local_stream', rows);
        this.rows += rows.length;
        this.matching += rows.filter((row) => (row.http_code as number) >= 400).length;
        this.batches++;
      } catch (error) {
        this.failures++;
        this.lastFailure = (error as Error).message;
      }
      const next = started + (n + 1) * GENERATOR_INTERVAL_MS;
      await sleep(Math.max(0, next - Date.now()), this.stopping.signal);
    }
  }

  private batch(): Record<string, Value>[] {
    const p = this.prng;
    return Array.from({ length: this.batchRows }, () => {
      const error = p.next() < ERROR_RATE;
      const http_code = error ? ERROR_CODES[p.int(0, ERROR_CODES.length - 1)] : OK_CODES[p.int(0, OK_CODES.length - 1)];
      // Multiples of 1/4 ms: exact in float64, so sums do not depend on the order of addition.
      const latency_ms = (error ? p.int(40, 20_000) : p.int(4, 2_000)) / 4;
      return { host: `web-${p.int(1, 8)}`, path: PATHS[p.int(0, PATHS.length - 1)], http_code, latency_ms };
    });
  }
}

/** Rate of a growing counter over a sliding window of samples. */
class RateMeter {
  private readonly windowMs: number;
  private readonly samples: { atMs: number; value: number }[] = [];

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /** Records a sample; returns the counter's growth per second over the window (0 until two samples). */
  add(atMs: number, value: number): number {
    this.samples.push({ atMs, value });
    while (this.samples.length > 2 && atMs - this.samples[1].atMs >= this.windowMs) this.samples.shift();
    const first = this.samples[0];
    return atMs - first.atMs <= 0 ? 0 : ((value - first.value) * 1000) / (atMs - first.atMs);
  }
}

const OK_CODES = [200, 200, 200, 200, 201, 204, 301, 304];
const ERROR_CODES = [400, 401, 403, 404, 404, 404, 429, 500, 502, 503];
const PATHS = ['/', '/login', '/search', '/cart', '/checkout', '/api/orders', '/api/items', '/static/app.js'];

async function serve(node: TributaryNode): Promise<NativeServer> {
  const authenticate = createAuthenticator({ catalog: node.storage.catalog, usersFile: null });
  return startNativeServer({ node, host: '127.0.0.1', port: 0, authenticate, nodeId: node.nodeId });
}

/** Both sides' numbers; `full` adds the edge's matching-row count (a scan: not for every progress tick). */
async function takeSample(edge: TributaryNode, cloud: TributaryNode, link: Link, generator: Generator, full: boolean): Promise<Omit<DemoSample, 'rowsPerSecond'>> {
  const [task, matching, cloudRows] = await Promise.all([
    edge.query(TASK_SQL),
    full ? edge.query(EDGE_MATCHING_SQL) : Promise.resolve({ rows: [[generator.matching]] }),
    cloud.query(CLOUD_COUNT_SQL),
  ]);
  const row = task.rows[0];
  if (row === undefined) throw new Error(`system.tasks on the edge has no row for ${VIEW}`);
  return {
    elapsedS: generator.elapsedS(),
    state: String(row[0]),
    sourcePosition: Number(row[1]),
    edgeRows: Number(row[1]),
    ackedPosition: Number(row[2]),
    lagRows: Number(row[3]),
    retries: Number(row[4]),
    lastError: String(row[5] ?? ''),
    matchingRows: Number(matching.rows[0][0]),
    cloudRows: Number(cloudRows.rows[0][0]),
    linkUp: link.up,
  };
}

async function totals(node: TributaryNode, sql: string): Promise<{ count: number; sum: number }> {
  const { rows } = await node.query(sql);
  return { count: Number(rows[0][0]), sum: Number(rows[0][1] ?? 0) };
}

/** Stops everything the demo started, in order: the writer, the edge, the link, the cloud. */
async function shutdown(parts: { cloud?: TributaryNode; edge?: TributaryNode; cloudServer?: NativeServer; edgeServer?: NativeServer; link?: Link; generator?: Generator }): Promise<void> {
  const quietly = async (step: (() => Promise<void> | void) | undefined) => {
    try {
      await step?.();
    } catch {
      // Best effort: the demo is ending; the first error was already reported.
    }
  };
  await quietly(parts.generator && (() => parts.generator!.stop()));
  await quietly(parts.generator && (() => parts.generator!.close()));
  await quietly(parts.edgeServer && (() => parts.edgeServer!.close()));
  await quietly(parts.edge && (() => parts.edge!.close()));
  await quietly(parts.link && (() => parts.link!.close()));
  await quietly(parts.cloudServer && (() => parts.cloudServer!.close()));
  await quietly(parts.cloud && (() => parts.cloud!.close()));
}

/** The root data directory: the one given (must be empty or missing; kept), or a new temporary one. */
function prepareDataDir(dataDir: string | undefined): { root: string; temporary: boolean } {
  if (dataDir === undefined) return { root: mkdtempSync(join(tmpdir(), 'tributary-demo-')), temporary: true };
  const root = resolve(dataDir);
  mkdirSync(root, { recursive: true });
  if (readdirSync(root).length > 0) throw new DemoUsageError(`--data-dir ${root} is not empty: the demo starts two fresh nodes; give a new or empty directory`);
  return { root, temporary: false };
}

/** A usage problem the command reports with exit code 2. */
export class DemoUsageError extends Error {}

class Interrupted extends Error {}

function checkInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new Interrupted('interrupted');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
