// A materialized view at run time: a task that reads its source (a local stream's log, or every
// shard of an external stream), runs the view's query one input batch at a time (PushPipeline),
// and delivers each input's output to the target (Sink) with the input's origin.
//
// Life cycle: RUNNING (reading, or waiting to retry) → PAUSED (SYSTEM PAUSE: everything in flight
// is acknowledged, the checkpoint written) → RUNNING (UNPAUSE/RESUME, from the checkpoint); an
// unrecoverable error (authentication, missing stream, schema mismatch, a value the target cannot
// hold) → STOPPED with the error in its status. Transient errors (connection lost, remote busy,
// timeouts, disk full) retry forever with capped exponential backoff and jitter; the source keeps
// the data meanwhile (its log is the store-and-forward buffer; the task holds its retention).
//
// Positions: per lane (the local stream: lane 0; an external stream: lane = shard index), the last
// source sn whose output the target acknowledged. A restart reads from there (stateless views) or
// from the view's start (views that aggregate: their windows are rebuilt from the same inputs and
// emit the same rows at the same positions; the target drops what it already holds).
import { DbError, ERRORS } from '../core/errors.ts';
import { type ExecBatch, concatRows } from '../engine/exec-batch.ts';
import { type ExternalSourcePlan, readShard, remoteSelectSql } from '../engine/plan/external-source.ts';
import type { Column } from '../types/batch.ts';
import type { PlanEnv, SourceRequest } from '../engine/plan/select-planner.ts';
import { execFromRecord } from '../engine/operators/scan.ts';
import { interleave } from '../engine/operators/interleave.ts';
import { StringInterner } from '../engine/string-interner.ts';
import type { RemoteStreams } from '../engine/external/remote-streams.ts';
import type { Clock } from '../core/clock.ts';
import type { QueryStatement } from '../sql/index.ts';
import type { Storage } from '../storage/storage.ts';
import { T } from '../types/data-type.ts';
import { RETRY_DELAY_MAX_MS, retryDelayMs, sleep } from './backoff.ts';
import { PushPipeline } from './push-pipeline.ts';
import { RateMeter } from './rate-meter.ts';
import { Sink, type SinkTarget } from './sinks.ts';
import type { TaskCheckpoint, TaskRunState, TaskStore } from './task-store.ts';

/** How often acknowledged positions are written to the task file while running. */
export const CHECKPOINT_INTERVAL_MS = 200;
/** A backlog this large when a run starts is delivered on a catch-up lane beside the live one. */
export const CATCH_UP_SPLIT_ROWS = 50_000;
/**
 * A catch-up lane's deliveries are smaller, with few in flight (SINK_CATCH_UP_INFLIGHT_BATCHES_MAX),
 * so live rows wait behind little of the backlog on either node, and the two nodes' CPUs (on one
 * 2-core machine, with the writer) keep room for them. Measured (bench:sync, 600k-row backlog,
 * medians of 3, after the launch settings and direct reads): 8,192 rows × 2 in flight: catch-up
 * 2.45M rows/s, live p50/p99 during it 7.9/41.6 ms; 4,096 × 2: 1.71M, 6.7/23.6 ms; 8,192 × 1:
 * 1.92M, 5.4/27.9 ms; 4,096 × 1: 1.38-1.47M, 4.2/12.8-19.2 ms (4 sets); 2,048 × 1: 1.18M, 3.1/13.2 ms.
 * Those single catch-ups held ~40 live batches each, so their p99 was their maximum. Pooled over 9
 * catch-ups per set (3 runs × 3) and with the launcher's single-threaded GC on 2 CPUs
 * (launch-settings.ts), 4,096 × 1 gives 1.63-1.66M rows/s and live p99 12.1-12.7 ms (2 sets).
 */
export const CATCH_UP_GROUP_ROWS_MAX = 4_096;
/** At most this many catch-up lanes at once (each outage that leaves a backlog may add one). */
export const CATCH_UP_LANES_MAX = 8;
/** A run that lasts this long without an error counts as recovered (state RUNNING again). */
const RUN_SETTLE_MS = 2_000;
/** A view over a local stream merges consecutive source batches up to this many rows per delivery. */
export const SYNC_GROUP_ROWS_MAX = 65_536;

export interface ViewTaskOptions {
  readonly id: number;
  readonly name: string;
  readonly database: string;
  readonly query: QueryStatement;
  readonly stateful: boolean;
  /** The local source stream, or null when the source is an external stream. */
  readonly localSource: { readonly database: string; readonly name: string } | null;
  readonly nodeId: string;
  readonly storage: Storage;
  readonly remotes: RemoteStreams | undefined;
  readonly clock: Clock;
  readonly store: TaskStore;
  /** Builds the sink's target (looked up afresh on every run, so a recreated target is found). */
  readonly target: () => SinkTarget;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

interface Input {
  readonly lane: number;
  readonly firstSn: number;
  readonly lastSn: number;
  readonly batch: ExecBatch;
}

export interface ViewTaskStatus {
  readonly state: TaskRunState | 'RETRYING';
  readonly sourcePosition: number;
  readonly ackedPosition: number;
  readonly lagRows: number;
  readonly lagSeconds: number;
  readonly rowsPerSecond: number;
  readonly deliveredRows: number;
  readonly retries: number;
  readonly lastError: string | null;
  readonly droppedRows: number;
}

export class ViewTask {
  readonly options: ViewTaskOptions;
  private state: TaskRunState;
  private error: string | null;
  private lanes: Map<number, number>;
  private readonly start: Readonly<Record<string, number>>;
  /** Catch-up lanes of a local source: lane → the last sn of its range (lane 0 goes on after it). */
  private readonly catchUps: Map<number, number>;
  private controller: AbortController | null = null;
  private running: Promise<void> | null = null;
  private retrying = false;
  private retries = 0;
  private lastError: string | null = null;
  private deliveredRows = 0;
  private droppedRows = 0;
  private seenSn = new Map<number, number>();
  private lastSave = 0;
  private saving: Promise<void> | null = null;
  /** Acknowledged rows per second (status). */
  private readonly rate: RateMeter;

  constructor(options: ViewTaskOptions, checkpoint: TaskCheckpoint) {
    this.options = options;
    this.rate = new RateMeter(options.clock);
    this.state = checkpoint.state;
    this.error = checkpoint.error;
    this.lanes = new Map(Object.entries(checkpoint.lanes).map(([k, v]) => [Number(k), v]));
    this.start = checkpoint.start;
    this.catchUps = new Map(Object.entries(checkpoint.catchUps ?? {}).map(([k, v]) => [Number(k), v]));
  }

  get consumerId(): string {
    return `view-${this.options.id}`;
  }

  get runState(): TaskRunState {
    return this.state;
  }

  /** Starts running when the stored state is RUNNING. */
  resumeIfRunning(): void {
    if (this.state === 'RUNNING') this.launch();
  }

  async pause(): Promise<void> {
    if (this.state === 'STOPPED') throw new DbError('TASK_STOPPED', `view ${this.options.database}.${this.options.name} stopped on an error: ${this.error ?? ''}; DROP and recreate it, or UNPAUSE to retry`);
    this.state = 'PAUSED';
    await this.halt();
    await this.save();
    this.options.log('info', 'view paused', { view: this.qualifiedName(), lanes: Object.fromEntries(this.lanes) });
  }

  async unpause(): Promise<void> {
    if (this.state === 'RUNNING' && this.running !== null) return;
    this.state = 'RUNNING';
    this.error = null;
    await this.save();
    this.launch();
    this.options.log('info', 'view resumed', { view: this.qualifiedName() });
  }

  /** Stops running (node shutdown or DROP), writing the acknowledged positions. */
  async close(): Promise<void> {
    await this.halt();
    await this.save();
  }

  status(): ViewTaskStatus {
    const source = this.sourceEnd();
    let lagRows: number;
    if (this.localSource() !== null) {
      // Lane 0 owes everything after its position; each catch-up lane the rest of its range.
      lagRows = Math.max(0, source - 1 - (this.lanes.get(0) ?? this.start['0'] ?? -1));
      for (const [lane, to] of this.catchUps) lagRows += Math.max(0, to - (this.lanes.get(lane) ?? to));
    } else {
      const acked = [...this.lanes.values()].reduce((a, b) => a + b + 1, 0);
      lagRows = Math.max(0, source - acked);
    }
    const acked = source - lagRows;
    const perSecond = this.rate.perSecond();
    return {
      state: this.state === 'RUNNING' && this.retrying ? 'RETRYING' : this.state,
      sourcePosition: source,
      ackedPosition: acked,
      lagRows,
      lagSeconds: lagRows === 0 ? 0 : perSecond > 0 ? lagRows / perSecond : -1,
      rowsPerSecond: perSecond,
      deliveredRows: this.deliveredRows,
      retries: this.retries,
      lastError: this.error ?? this.lastError,
      droppedRows: this.droppedRows,
    };
  }

  private qualifiedName(): string {
    return `${this.options.database}.${this.options.name}`;
  }

  /** Rows the source holds for this task: the local log's next sn, or the highest remote sn seen. */
  private sourceEnd(): number {
    let total = 0;
    const local = this.localSource();
    if (local !== null) return local.nextSn;
    for (const [lane, sn] of this.seenSn) total += Math.max(sn, this.lanes.get(lane) ?? -1) + 1;
    return total;
  }

  private localSource(): { nextSn: number } | null {
    const source = this.options.localSource;
    if (source === null) return null;
    try {
      return this.options.storage.log(source.database, source.name);
    } catch {
      return null;
    }
  }


  private launch(): void {
    if (this.running !== null) return;
    const controller = new AbortController();
    this.controller = controller;
    this.running = this.loop(controller.signal).finally(() => {
      this.running = null;
      this.controller = null;
    });
  }

  private async halt(): Promise<void> {
    this.controller?.abort(new DbError('QUERY_CANCELLED', 'task halted'));
    await this.running;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted && this.state === 'RUNNING') {
      try {
        await this.runOnce(signal, () => (attempt = 0));
        if (signal.aborted) break;
      } catch (error) {
        if (signal.aborted) break;
        const dbError = error instanceof DbError ? error : null;
        const message = (error as Error).message;
        this.lastError = message;
        if (dbError !== null && !isTransient(dbError)) {
          this.state = 'STOPPED';
          this.error = message;
          this.options.log('error', 'view stopped on an unrecoverable error', { view: this.qualifiedName(), code: dbError.code, error: message });
          await this.save().catch(() => undefined);
          return;
        }
        this.retries++;
        const delay = retryDelayMs(attempt++);
        this.options.log(attempt === 1 || delay >= RETRY_DELAY_MAX_MS / 2 ? 'warn' : 'info', 'view will retry', {
          view: this.qualifiedName(),
          error: message,
          retries: this.retries,
          delayMs: delay,
        });
        this.retrying = true;
        await this.save().catch(() => undefined);
        await sleep(delay, signal);
      }
    }
  }

  /** The task works again after retries: RUNNING, and the last error is history. */
  private recovered(): void {
    this.retrying = false;
    this.lastError = null;
  }

  private async runOnce(signal: AbortSignal, onProgress: () => void): Promise<void> {
    // Where live rows begin for this run: taken before anything awaits (planning, the target's
    // marks), so rows appended while the run starts go to the live lane, not behind the backlog.
    const liveFrom = this.localSource()?.nextSn;
    const inner = new AbortController();
    const abort = () => inner.abort(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    const env: PlanEnv = {
      storage: this.options.storage,
      database: this.options.database,
      context: { nowMs: this.options.clock.nowMs() },
      params: new Map(),
      clock: this.options.clock,
      authorize: () => undefined,
      remotes: this.options.remotes,
    };
    const pipelines: PushPipeline[] = [];
    let settle: NodeJS.Timeout | undefined;
    try {
      const first = await PushPipeline.start(this.options.query, env, inner.signal);
      pipelines.push(first);
      const request = first.request;
      const target = this.options.target();
      // Stateless views over a local stream merge consecutive source batches and split a large
      // backlog into a catch-up lane. Both change batch boundaries from a previous run's, so they
      // need the target's high-water marks: resuming after them, no batch straddles what it holds.
      let coalesce = false;
      if (!this.options.stateful && request.kind === 'stream') {
        coalesce = true;
        for (const lane of [0, ...this.catchUps.keys()]) {
          const mark = await target.highWaterMark(this.options.nodeId, this.consumerId, lane, inner.signal);
          if (mark === undefined) {
            coalesce = false;
            break;
          }
          if (mark > (this.lanes.get(lane) ?? -1)) this.lanes.set(lane, mark);
        }
        for (const [lane, to] of [...this.catchUps]) if ((this.lanes.get(lane) ?? -1) >= to) this.finishCatchUp(lane);
      }
      if (coalesce && this.retrying) this.recovered(); // the target answered: the link is back
      if (coalesce && request.kind === 'stream') await this.maybeSplit(request, liveFrom);
      // A run that lasts RUN_SETTLE_MS without an error has recovered even if no data flowed.
      settle = setTimeout(() => {
        if (!inner.signal.aborted && this.retrying) this.recovered();
      }, RUN_SETTLE_MS);
      const runs: Promise<void>[] = [];
      const run = (pipeline: PushPipeline, inputs: AsyncGenerator<Input>, catchUp = false) =>
        this.runLane(pipeline, target, inputs, inner, signal, onProgress, catchUp).catch((error: unknown) => {
          inner.abort(error);
          throw error;
        });
      if (request.kind === 'external_stream') runs.push(run(first, this.remoteInputs(request, inner.signal)));
      else {
        runs.push(run(first, this.localInputs(request, inner.signal, coalesce, 0, this.resumeAfter(0), undefined)));
        for (const [lane, to] of this.catchUps) {
          const pipeline = await PushPipeline.start(this.options.query, env, inner.signal);
          pipelines.push(pipeline);
          const lanePlan = pipeline.request as typeof request;
          runs.push(run(pipeline, this.localInputs(lanePlan, inner.signal, true, lane, this.lanes.get(lane), to), true).then(() => {
            if ((this.lanes.get(lane) ?? -1) >= to) this.finishCatchUp(lane);
          }));
        }
      }
      const results = await Promise.allSettled(runs);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    } finally {
      clearTimeout(settle);
      signal.removeEventListener('abort', abort);
      inner.abort(new DbError('QUERY_CANCELLED', 'task run ended'));
      await Promise.all(pipelines.map((p) => p.close()));
    }
  }

  /** Feeds one lane's inputs through its pipeline into its own sink, in order. */
  private async runLane(
    pipeline: PushPipeline,
    target: SinkTarget,
    inputs: AsyncGenerator<Input>,
    inner: AbortController,
    signal: AbortSignal,
    onProgress: () => void,
    catchUp: boolean,
  ): Promise<void> {
    const request = pipeline.request;
    const sink = new Sink(
      target,
      (lane, lastSn, rows) => {
        this.lanes.set(lane, lastSn);
        this.deliveredRows += rows;
        this.rate.count(rows);
        onProgress();
        if (this.retrying) this.recovered();
        if (!this.options.stateful && request.kind === 'stream') this.commitLocal(request);
        this.maybeSave();
      },
      () => ({ nowMs: this.options.clock.nowMs() }),
      (failure) => inner.abort(failure),
      catchUp,
    );
    const outSchema = pipeline.plan.schema;
    for await (const input of inputs) {
      if (sink.failure !== null) throw sink.failure;
      const outputs = await pipeline.process(input.batch);
      const output = outputs.length === 0 ? null : outputs.length === 1 ? outputs[0] : concatRows(outSchema, outputs);
      await sink.send({ nodeId: this.options.nodeId, taskId: this.consumerId, lane: input.lane, firstSn: input.firstSn, lastSn: input.lastSn }, output);
    }
    if (sink.failure !== null) throw sink.failure;
    if (!signal.aborted) await sink.drain();
    else await sink.drain().catch(() => undefined);
  }

  /**
   * A backlog of CATCH_UP_SPLIT_ROWS or more behind lane 0 moves to a new catch-up lane, and lane 0
   * goes on from the tail as it was when the run began (`liveFrom`): live rows are delivered at once
   * instead of waiting behind the backlog.
   * The split is written to the task file before anything is sent on either lane.
   */
  private async maybeSplit(request: Extract<SourceRequest, { kind: 'stream' }>, liveFrom: number | undefined): Promise<void> {
    const after = this.resumeAfter(0);
    if (after === undefined) return;
    const end = Math.min(this.options.storage.log(request.stream.database, request.stream.name).nextSn, liveFrom ?? Infinity) - 1;
    if (end - after < CATCH_UP_SPLIT_ROWS || this.catchUps.size >= CATCH_UP_LANES_MAX) return;
    let lane = 1;
    while (this.catchUps.has(lane)) lane++;
    this.catchUps.set(lane, end);
    this.lanes.set(lane, after);
    this.lanes.set(0, end);
    await this.save();
    this.options.log('info', 'view splits its backlog into a catch-up lane', { view: this.qualifiedName(), lane, fromSn: after + 1, toSn: end });
  }

  private finishCatchUp(lane: number): void {
    this.catchUps.delete(lane);
    this.lanes.delete(lane);
    this.lastSave = 0;
    this.maybeSave();
  }

  /** Where a lane resumes: after its acknowledged position (stateless) or after its start. */
  private resumeAfter(lane: number): number | undefined {
    if (!this.options.stateful) {
      const acked = this.lanes.get(lane);
      if (acked !== undefined) return acked;
    }
    return this.start[String(lane)];
  }

  /** Lane `lane` of a local source: after sn `after` (else the query's seek), up to `to` if given. */
  private async *localInputs(
    request: Extract<SourceRequest, { kind: 'stream' }>,
    signal: AbortSignal,
    coalesce: boolean,
    lane: number,
    after: number | undefined,
    to: number | undefined,
  ): AsyncGenerator<Input> {
    const { database, name } = request.stream;
    const log = this.options.storage.log(database, name);
    if (to !== undefined && after !== undefined && after >= to) return;
    const reads = log.read({
      fromSn: after !== undefined ? after + 1 : request.seek.fromSn,
      fromTimeMs: after !== undefined || request.seek.fromSn !== undefined ? undefined : request.seek.fromTimeMs,
      follow: true,
      signal,
      onGap: (fromSn, toSn) => {
        this.droppedRows += toSn - fromSn;
        this.options.log('warn', 'view source rows were dropped by retention before the view read them', { view: this.qualifiedName(), fromSn, toSn });
      },
    });
    const interner = new StringInterner();
    const group: ExecBatch[] = [];
    let groupRows = 0;
    let groupFirst = 0;
    try {
      for await (const record of reads) {
        const batch = execFromRecord(record, request.schema, interner, `${database}.${name}`);
        const firstSn = record.header.baseSn + record.startRow;
        const lastSn = record.header.baseSn + record.header.rowCount - 1;
        const last = to !== undefined && lastSn >= to;
        if (!coalesce) {
          yield { lane, firstSn, lastSn, batch };
          if (last) return;
          continue;
        }
        if (group.length === 0) groupFirst = firstSn;
        group.push(batch);
        groupRows += batch.rowCount;
        // Flush when the group is big enough, at the lane's end, or when nothing more is waiting
        // (live data goes at once).
        if (groupRows >= (to === undefined ? SYNC_GROUP_ROWS_MAX : CATCH_UP_GROUP_ROWS_MAX) || last || (to === undefined && log.nextSn - 1 <= lastSn)) {
          const merged = group.length === 1 ? group[0] : concatRows(request.schema, group);
          group.length = 0;
          groupRows = 0;
          yield { lane, firstSn: groupFirst, lastSn, batch: merged };
        }
        if (last) return;
      }
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    }
  }

  private async *remoteInputs(request: Extract<SourceRequest, { kind: 'external_stream' }>, signal: AbortSignal): AsyncGenerator<Input> {
    const remotes = this.options.remotes;
    if (remotes === undefined) throw new DbError('NOT_SUPPORTED', 'this node has no remote connector');
    const plan = request.plan;
    const snIndex = plan.remoteColumns.findIndex((c) => c.name === '_tp_sn');
    const remoteColumns = snIndex >= 0 ? plan.remoteColumns : [...plan.remoteColumns, { name: '_tp_sn', type: T.int64 }];
    const sn = snIndex >= 0 ? snIndex : remoteColumns.length - 1;
    const withShard = plan.schema.length > plan.remoteColumns.length;
    const readSchema = withShard ? [...remoteColumns, plan.schema[plan.schema.length - 1]] : remoteColumns;
    const interner = new StringInterner();
    const shards = plan.config.hosts.map((_, shard) => {
      const after = this.resumeAfter(shard);
      const sql = remoteSqlFor(plan, remoteColumns, after, request.seekTo);
      return readShard(remotes, { ...plan, schema: readSchema, remoteColumns }, shard, sql, signal, interner);
    });
    const keep = plan.schema.map((c) => readSchema.findIndex((r) => r.name === c.name));
    for await (const { index, value: batch } of interleave(shards)) {
      const sns = batch.cols[sn].values as ArrayLike<number | bigint>;
      const firstSn = Number(sns[0]);
      const lastSn = Number(sns[batch.rowCount - 1]);
      this.seenSn.set(index, Math.max(this.seenSn.get(index) ?? -1, lastSn));
      const input: ExecBatch = snIndex >= 0 && !withShard ? batch : { schema: plan.schema, cols: keep.map((i) => batch.cols[i]), rowCount: batch.rowCount };
      yield { lane: index, firstSn, lastSn, batch: input };
    }
  }

  /** Moves the source's retention hold to the oldest position any lane still needs. */
  private commitLocal(request: Extract<SourceRequest, { kind: 'stream' }>): void {
    let oldest = Infinity;
    for (const acked of this.lanes.values()) oldest = Math.min(oldest, acked + 1);
    if (!Number.isFinite(oldest)) return;
    try {
      this.options.storage.log(request.stream.database, request.stream.name).commitConsumer(this.consumerId, oldest);
    } catch {
      // The source was dropped: the next read fails with a clear error.
    }
  }

  private maybeSave(): void {
    const now = this.options.clock.nowMs();
    if (this.saving !== null || now - this.lastSave < CHECKPOINT_INTERVAL_MS) return;
    this.lastSave = now;
    this.saving = this.save()
      .catch((error: unknown) => this.options.log('warn', 'view checkpoint write failed', { view: this.qualifiedName(), error: (error as Error).message }))
      .finally(() => (this.saving = null));
  }

  checkpoint(): TaskCheckpoint {
    return {
      state: this.state,
      error: this.error,
      lanes: Object.fromEntries([...this.lanes].map(([k, v]) => [String(k), v])),
      start: this.start,
      catchUps: Object.fromEntries([...this.catchUps].map(([k, v]) => [String(k), v])),
    };
  }

  async save(): Promise<void> {
    await this.options.store.save(this.options.id, this.checkpoint());
  }
}

function remoteSqlFor(plan: ExternalSourcePlan, columns: readonly Column[], after: number | undefined, seekTo: string | number | boolean | null): string {
  return remoteSelectSql(plan.config, columns, plan.pushdown, { bounded: false, afterSn: after, seekTo: after === undefined ? seekTo : null });
}

/** Errors worth retrying: the peer, the link or the disk may recover. */
export function isTransient(error: DbError): boolean {
  if (ERRORS[error.code].retry === 'backoff') return true;
  // A remote that shuts down cancels our queries and closes its logs: it will be back.
  return error.details.remote === true && (error.code === 'QUERY_CANCELLED' || error.code === 'LOG_CLOSED' || error.code === 'INTERNAL');
}
