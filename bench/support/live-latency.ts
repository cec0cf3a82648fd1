// End-to-end latency of live rows through a sync path: a LiveWriter inserts small batches at a fixed
// rate into a stream of one node, each batch stamped with its send time as `_tp_time`; a
// LatencyProbe runs a streaming query on the node the rows end up on and, for every row that
// arrives, takes arrival time − send time. Both run in the bench process, so they read one clock.
//
// `_tp_time` holds whole milliseconds, so the writer keeps the precise send time of every batch in a
// map keyed by its stamp (stamps are made unique: a batch sent in the same millisecond as the last
// one is stamped one ms later) and the probe looks it up: latencies are not rounded to the ms.
// The writer follows a schedule (batch k is due at start + k·interval) and sends at once when it
// is behind, so a slow insert does not lower the rate; it keeps at most MAX_INFLIGHT inserts in
// flight (a node that stops acknowledging stops the writer after that many).
import type { Client, QueryStream } from '../../src/net/client.ts';
import { quantile, round, sleep } from './bench-args.ts';
import { peerBatch } from './peer-rows.ts';

const MAX_INFLIGHT = 2_000;

const epochNow = () => performance.timeOrigin + performance.now();

export class LiveWriter {
  /** stamp (the batch's _tp_time, ms) → precise send time (epoch ms, fractional). */
  readonly sentAt = new Map<number, number>();
  rowsSent = 0;
  rowsAcked = 0;
  /** Insert acknowledgement latency of each batch (ms): the source node's durable insert. */
  readonly ackMs: number[] = [];
  /** Send time (epoch ms) of each batch in ackMs, same order. */
  readonly ackSentAt: number[] = [];
  /** How far behind its schedule the writer ever was (ms). */
  maxBehindMs = 0;
  private inflight = 0;
  private nextRow: number;
  private lastStamp = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  private error: Error | null = null;
  private startedAt = 0;

  private readonly client: Client;
  private readonly stream: string;
  private readonly rowsPerSecond: number;
  private readonly batchRows: number;

  constructor(client: Client, stream: string, rowsPerSecond: number, batchRows: number, firstRow: number) {
    this.client = client;
    this.stream = stream;
    this.rowsPerSecond = rowsPerSecond;
    this.batchRows = batchRows;
    this.nextRow = firstRow;
  }

  start(): void {
    this.running = true;
    this.startedAt = epochNow();
    this.loop = this.run();
  }

  get startedAtMs(): number {
    return this.startedAt;
  }

  private async run(): Promise<void> {
    const interval = (this.batchRows * 1000) / this.rowsPerSecond;
    const t0 = performance.now();
    for (let k = 0; this.running; k++) {
      const wait = t0 + k * interval - performance.now();
      if (wait > 0) await sleep(wait);
      else this.maxBehindMs = Math.max(this.maxBehindMs, -wait);
      while (this.running && this.inflight >= MAX_INFLIGHT) await sleep(1);
      if (!this.running || this.error !== null) break;
      const sentAt = epochNow();
      const stamp = Math.max(Math.floor(sentAt), this.lastStamp + 1);
      this.lastStamp = stamp;
      const batch = peerBatch(this.nextRow, this.batchRows);
      (batch.vectors[0] as { data: Float64Array }).data.fill(stamp);
      this.nextRow += this.batchRows;
      this.sentAt.set(stamp, sentAt);
      this.rowsSent += this.batchRows;
      this.inflight++;
      const a = performance.now();
      this.client.insert(this.stream, batch).then(
        (result) => {
          this.ackMs.push(performance.now() - a);
          this.ackSentAt.push(sentAt);
          this.rowsAcked += result.rows;
          this.inflight--;
        },
        (error: unknown) => {
          this.error ??= error as Error;
          this.inflight--;
        },
      );
    }
  }

  /** Stops sending and waits for every insert in flight; throws the first insert error. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    while (this.inflight > 0) await sleep(1);
    if (this.error !== null) throw this.error;
  }

  /** Insert acknowledgement p50/p99 (ms) of batches sent so far. */
  ackStats(): { p50ms: number; p99ms: number } {
    const sorted = Float64Array.from(this.ackMs).sort();
    return { p50ms: round(quantile(sorted, 0.5), 2), p99ms: round(quantile(sorted, 0.99), 2) };
  }
}

export interface LatencyStats {
  readonly rows: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly maxms: number;
}

export class LatencyProbe {
  private readonly sendTimes: number[] = [];
  private readonly latencies: number[] = [];
  /** Per run of rows: the target's append time (_tp_index_time, when the probe selects it) − send time. */
  private readonly durableLatencies: number[] = [];
  private readonly counts: number[] = [];
  rowsReceived = 0;
  /** Rows whose stamp the writer never sent (should stay 0). */
  unknownRows = 0;
  private stream: QueryStream | null = null;
  private done: Promise<void> | null = null;
  private failure: Error | null = null;

  private readonly client: Client;
  private readonly sql: string;
  private readonly writer: LiveWriter;

  constructor(client: Client, sql: string, writer: LiveWriter) {
    this.client = client;
    this.sql = sql;
    this.writer = writer;
  }

  /** Starts the streaming query and resolves once the server has answered with its schema. */
  async start(): Promise<void> {
    const stream = this.client.queryStream(this.sql);
    this.stream = stream;
    this.done = (async () => {
      try {
        for await (const batch of stream) {
          const arrival = epochNow();
          const time = (batch.vectors[0] as { data: ArrayLike<number> }).data;
          const indexTime = batch.vectors.length > 1 ? (batch.vectors[1] as { data: ArrayLike<number> }).data : null;
          let runStart = 0;
          let run = 0;
          let stamp = Number.NaN;
          const flush = () => {
            if (run === 0) return;
            const sent = this.writer.sentAt.get(stamp);
            if (sent === undefined) this.unknownRows += run;
            else {
              this.sendTimes.push(sent);
              this.latencies.push(arrival - sent);
              this.durableLatencies.push(indexTime === null ? Number.NaN : Number(indexTime[runStart]) - sent);
              this.counts.push(run);
            }
          };
          for (let i = 0; i < batch.rowCount; i++) {
            const t = Number(time[i]);
            if (t !== stamp) {
              flush();
              stamp = t;
              run = 0;
              runStart = i;
            }
            run++;
          }
          flush();
          this.rowsReceived += batch.rowCount;
        }
      } catch (error) {
        this.failure = error as Error;
      }
    })();
    await stream.schema;
  }

  /** Cancels the query; throws if it had failed. */
  async stop(): Promise<void> {
    this.stream?.cancel();
    await this.done;
    if (this.failure !== null) throw this.failure;
  }

  get failed(): Error | null {
    return this.failure;
  }

  /**
   * Latency of the rows sent in [fromMs, toMs) (epoch ms) that have arrived: until the probe's
   * streaming query received them, or (`durable`) until the target appended them durably
   * (_tp_index_time, whole ms; needs the probe to select it second).
   */
  window(fromMs: number, toMs: number, durable = false): LatencyStats {
    return this.windows([[fromMs, toMs]], durable);
  }

  /** The rows sent in any of the [from, to) ranges, pooled. */
  windows(ranges: readonly (readonly [number, number])[], durable = false): LatencyStats {
    const values: number[] = [];
    const source = durable ? this.durableLatencies : this.latencies;
    for (let i = 0; i < this.sendTimes.length; i++) {
      if (!ranges.some(([from, to]) => this.sendTimes[i] >= from && this.sendTimes[i] < to)) continue;
      for (let k = 0; k < this.counts[i]; k++) values.push(source[i]);
    }
    const sorted = Float64Array.from(values).sort();
    return { rows: sorted.length, p50ms: round(quantile(sorted, 0.5), 2), p99ms: round(quantile(sorted, 0.99), 2), maxms: round(sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1], 2) };
  }

  /** Rows the writer sent in [fromMs, toMs) (from its map; every batch has batchRows rows). */
  static sentIn(writer: LiveWriter, batchRows: number, fromMs: number, toMs: number): number {
    let rows = 0;
    for (const sent of writer.sentAt.values()) if (sent >= fromMs && sent < toMs) rows += batchRows;
    return rows;
  }
}
