// A pipe at run time: one lane per source stream (a device of an IoTDB database whose series match
// the pattern), each reading its stream's log from its position, keeping the matching series and
// the rows inside the pipe's time bounds, running them through the processor, and delivering them
// in order to the same database and stream on the receiver (pipe-sinks.ts).
//
// History and realtime: rows appended before the pipe was created are history, the rest realtime.
// Each lane's history boundary is the stream's next sn at CREATE (0 for streams created later), a
// batch boundary; sns below it are filtered with the history bounds, the rest with the realtime
// bounds. A lane reads its log in sn order, so history goes first and realtime follows with no
// gap and no duplicate at the hand-over. New matching streams (and new columns) are picked up
// while the pipe runs (DISCOVERY_INTERVAL_MS).
//
// States: RUNNING; STOPPED by the user (checkpoint state PAUSED) or by an unrecoverable error
// (STOPPED, with the error shown as ExceptionMessage); transient errors (receiver down, timeouts)
// retry forever with capped backoff and show as a warning while the pipe stays RUNNING.
//
// Exactly-once: every batch carries its origin (this node, `pipe-<id>`, lane = stream id, source sn
// range); the receiver stores it with the rows and drops replays. Positions (last acknowledged sn
// per lane) are checkpointed in `<dataDir>/pipes/<id>.json` with, for stateful processors, the
// processor's state at that position, so a restart continues exactly where the acknowledged output
// ends. Stateless pipes merge consecutive batches (up to PIPE_GROUP_ROWS_MAX rows or the sink's
// batch.size-bytes) after resuming from the receiver's high-water mark; stateful ones send one
// output per stored batch, whose boundaries never change.
//
// Loops: a batch whose origin is the receiver itself is not sent back (A → B → A is harmless), and
// a sink that is this node (A → A) stops the pipe.
import { DbError } from '../../core/errors.ts';
import type { Clock } from '../../core/clock.ts';
import { takeCol } from '../../engine/exec-batch.ts';
import { type ExecBatch, concatRows } from '../../engine/exec-batch.ts';
import { isIotdbDatabaseName } from '../../engine/iotdb/paths.ts';
import { execFromRecord } from '../../engine/operators/scan.ts';
import { StringInterner } from '../../engine/string-interner.ts';
import type { StreamDef } from '../../storage/catalog/catalog-types.ts';
import { TIME_COLUMN } from '../../storage/catalog/names.ts';
import type { LogRecord } from '../../storage/log/stream-log.ts';
import type { Storage } from '../../storage/storage.ts';
import type { Column } from '../../types/batch.ts';
import { RETRY_DELAY_MAX_MS, retryDelayMs, sleep } from '../backoff.ts';
import { RateMeter } from '../rate-meter.ts';
import { Sink } from '../sinks.ts';
import type { TaskRunState, TaskStore } from '../task-store.ts';
import { isTransient } from '../view-task.ts';
import { compilePattern, type SeriesPattern } from './pattern.ts';
import { type PipeLaneTarget, type SharedPipeSink, formatEndpoint } from './pipe-sinks.ts';
import type { PipeSettings } from './pipe-settings.ts';
import type { PipeConfig, PipeEndpoint, PipeProcessor } from './pipe-types.ts';
import { createProcessor } from './processors/index.ts';

/** How often a running pipe looks for new matching streams and new columns. */
export const DISCOVERY_INTERVAL_MS = 250;
/** Acknowledged positions are written at most this often while running (and on stop and shutdown). */
export const PIPE_CHECKPOINT_INTERVAL_MS = 200;
/** A stateless lane merges consecutive batches up to this many rows per transfer. */
export const PIPE_GROUP_ROWS_MAX = 65_536;
/** A run that lasts this long without an error counts as recovered (the warning clears). */
const RUN_SETTLE_MS = 2_000;

export interface PipeCheckpoint {
  /** RUNNING; PAUSED = STOPPED by the user; STOPPED = stopped by an unrecoverable error. */
  readonly state: TaskRunState;
  readonly error: string | null;
  /** Stream id → the last source sn whose output the receiver acknowledged. */
  readonly lanes: Readonly<Record<string, number>>;
  /** Stream id → the stream's next sn when the pipe was created (sns below it are history). */
  readonly boundaries: Readonly<Record<string, number>>;
  /** Stream id → the processor's state at the lane's acknowledged position (stateful processors). */
  readonly processor: Readonly<Record<string, unknown>>;
}

export interface PipeTaskOptions {
  readonly id: number;
  readonly name: string;
  readonly config: PipeConfig;
  readonly nodeId: string;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly store: TaskStore<PipeCheckpoint>;
  readonly sink: SharedPipeSink;
  readonly settings: PipeSettings;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface PipeTaskStatus {
  /** RUNNING or STOPPED (by the user or an error). */
  readonly state: 'RUNNING' | 'STOPPED';
  /** The unrecoverable error that stopped the pipe, or null. */
  readonly error: string | null;
  /** The transient error being retried, or null. */
  readonly warning: string | null;
  /** Consecutive failed runs (reset by a run that delivers or settles). */
  readonly failuresInARow: number;
  readonly remainingRows: number;
  /** Remaining rows ÷ the recent rate; 0 when caught up, -1 when unknown (no recent progress). */
  readonly estimatedRemainingSeconds: number;
  readonly rowsPerSecond: number;
  readonly deliveredRows: number;
  readonly droppedRows: number;
  readonly lateRows: number;
  readonly retries: number;
  /** The receiver's node id, once connected. */
  readonly receiverNodeId: string | null;
}

interface LaneState {
  readonly stream: StreamDef;
  /** Sent but not yet acknowledged: (last sn, processor state after it). */
  readonly snapshots: { lastSn: number; state: unknown }[];
  processor: PipeProcessor | null;
}

const isStateful = (config: PipeConfig) => config.processor.plugin === 'down-sampling-processor';

export class PipeTask {
  readonly options: PipeTaskOptions;
  private readonly pattern: SeriesPattern;
  private state: TaskRunState;
  private error: string | null;
  private readonly lanes: Map<number, number>;
  private readonly boundaries: Map<number, number>;
  private readonly processorStates: Map<number, unknown>;
  private readonly laneStates = new Map<number, LaneState>();
  private controller: AbortController | null = null;
  private running: Promise<void> | null = null;
  private warning: string | null = null;
  private failuresInARow = 0;
  private retries = 0;
  private deliveredRows = 0;
  private droppedRows = 0;
  private lateRowsDone = 0;
  private receiverNodeId: string | null = null;
  /** Per lane, failed runs so far: its receiver is endpoints[(lane + attempts) % count]. */
  private readonly laneAttempts = new Map<number, number>();
  private lastSave = 0;
  private saving: Promise<void> | null = null;
  /** Acknowledged rows per second (status). */
  private readonly rate: RateMeter;

  constructor(options: PipeTaskOptions, checkpoint: PipeCheckpoint) {
    this.options = options;
    this.rate = new RateMeter(options.clock);
    this.pattern = compilePattern(options.config.source.pattern);
    this.state = checkpoint.state;
    this.error = checkpoint.error;
    this.lanes = new Map(Object.entries(checkpoint.lanes).map(([k, v]) => [Number(k), v]));
    this.boundaries = new Map(Object.entries(checkpoint.boundaries).map(([k, v]) => [Number(k), v]));
    this.processorStates = new Map(Object.entries(checkpoint.processor).map(([k, v]) => [Number(k), v]));
  }

  get consumerId(): string {
    return `pipe-${this.options.id}`;
  }

  /** The streams this pipe reads now (IoTDB databases, some column matching the pattern). */
  sourceStreams(): StreamDef[] {
    const storage = this.options.storage;
    return storage.catalog
      .listStreams()
      .filter((s) => isIotdbDatabaseName(s.database) && this.pattern.mayMatchStream(s.database, s.name) && storage.findLog(s.database, s.name) !== undefined);
  }

  /** Records each existing source stream's history boundary and holds its data (at CREATE). */
  static async initialCheckpoint(storage: Storage, config: PipeConfig, consumerId: string, state: TaskRunState): Promise<PipeCheckpoint> {
    const pattern = compilePattern(config.source.pattern);
    const boundaries: Record<string, number> = {};
    for (const stream of storage.catalog.listStreams()) {
      if (!isIotdbDatabaseName(stream.database) || !pattern.mayMatchStream(stream.database, stream.name)) continue;
      // A stream whose log is still opening has no rows yet: all of it is realtime (boundary 0).
      const log = storage.findLog(stream.database, stream.name);
      if (log === undefined) continue;
      boundaries[String(stream.id)] = log.nextSn;
      await log.registerConsumer(consumerId, config.source.historyEnabled ? log.firstSn : log.nextSn);
    }
    return { state, error: null, lanes: {}, boundaries, processor: {} };
  }

  get runState(): TaskRunState {
    return this.state;
  }

  resumeIfRunning(): void {
    if (this.state === 'RUNNING') this.launch();
  }

  /** START PIPE: runs again (after a user stop or an error), from the acknowledged positions. */
  async start(): Promise<void> {
    if (this.state === 'RUNNING' && this.running !== null) return;
    this.state = 'RUNNING';
    this.error = null;
    this.warning = null;
    this.failuresInARow = 0;
    await this.save();
    this.launch();
    this.options.log('info', 'pipe started', { pipe: this.options.name });
  }

  /** STOP PIPE: everything in flight is acknowledged (or abandoned), the positions written. */
  async stop(): Promise<void> {
    this.state = 'PAUSED';
    await this.halt();
    this.warning = null;
    await this.save();
    this.options.log('info', 'pipe stopped', { pipe: this.options.name });
  }

  /** Node shutdown: stops running and writes the positions, keeping the state. */
  async close(): Promise<void> {
    await this.halt();
    await this.save();
  }

  /** DROP PIPE: stops and releases every source stream's retention hold. */
  async drop(): Promise<void> {
    await this.halt();
    await this.options.store.remove(this.options.id);
    for (const stream of this.options.storage.catalog.listStreams()) {
      try {
        await this.options.storage.log(stream.database, stream.name).unregisterConsumer(this.consumerId);
      } catch {
        // Gone or closing: nothing is held.
      }
    }
  }

  status(): PipeTaskStatus {
    let remaining = 0;
    for (const stream of this.sourceStreams()) {
      let nextSn: number;
      try {
        nextSn = this.options.storage.log(stream.database, stream.name).nextSn;
      } catch {
        continue;
      }
      const after = this.lanes.get(stream.id) ?? this.startAfter(stream.id);
      remaining += Math.max(0, nextSn - 1 - after);
    }
    const rate = this.rate.perSecond();
    let late = this.lateRowsDone;
    for (const lane of this.laneStates.values()) late += lane.processor?.lateRows ?? 0;
    return {
      state: this.state === 'RUNNING' ? 'RUNNING' : 'STOPPED',
      error: this.state === 'STOPPED' ? this.error : null,
      warning: this.state === 'RUNNING' ? this.warning : null,
      failuresInARow: this.failuresInARow,
      remainingRows: remaining,
      estimatedRemainingSeconds: remaining === 0 ? 0 : rate > 0 ? remaining / rate : -1,
      rowsPerSecond: rate,
      deliveredRows: this.deliveredRows,
      droppedRows: this.droppedRows,
      lateRows: late,
      retries: this.retries,
      receiverNodeId: this.receiverNodeId,
    };
  }

  /** Where a lane with no acknowledged position starts: before its first row, or at its realtime part. */
  private startAfter(streamId: number): number {
    return this.options.config.source.historyEnabled ? -1 : (this.boundaries.get(streamId) ?? 0) - 1;
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
    this.controller?.abort(new DbError('QUERY_CANCELLED', 'pipe halted'));
    await this.running;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted && this.state === 'RUNNING') {
      try {
        await this.runOnce(signal, attempt, () => {
          attempt = 0;
          this.failuresInARow = 0;
          this.warning = null;
        });
        if (signal.aborted) break;
      } catch (error) {
        if (signal.aborted) break;
        const dbError = error instanceof DbError ? error : new DbError('INTERNAL', (error as Error).message, {}, { cause: error });
        const message = dbError.message;
        if (!isTransient(dbError)) {
          this.state = 'STOPPED';
          this.error = message;
          this.warning = null;
          this.options.log('error', 'pipe stopped on an unrecoverable error', { pipe: this.options.name, code: dbError.code, error: message });
          await this.save().catch(() => undefined);
          return;
        }
        this.retries++;
        this.failuresInARow++;
        this.warning = message;
        const delay = retryDelayMs(attempt++);
        this.options.log(attempt === 1 || delay >= RETRY_DELAY_MAX_MS / 2 ? 'warn' : 'info', 'pipe will retry', {
          pipe: this.options.name,
          error: message,
          retries: this.retries,
          delayMs: delay,
        });
        await this.save().catch(() => undefined);
        await sleep(delay, signal);
      }
    }
  }

  private async runOnce(signal: AbortSignal, attempt: number, onProgress: () => void): Promise<void> {
    const inner = new AbortController();
    const abort = () => inner.abort(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    const settle = setTimeout(() => {
      if (!inner.signal.aborted) onProgress();
    }, RUN_SETTLE_MS);
    const running = new Map<number, Promise<void>>();
    const marks = new Map<string, Promise<Map<string, number> | undefined>>();
    let failure: unknown = null;
    const fail = (error: unknown) => {
      if (failure === null) failure = error;
      inner.abort(error);
    };
    try {
      // Learn who the receiver is before any lane runs: a loop into this node stops the pipe, and
      // system.pipes shows the receiver's node id (CREATE PIPE on that node checks it for A → B → A).
      if (!this.options.sink.isNoop) await this.probeReceivers(attempt);
      while (!inner.signal.aborted) {
        for (const stream of this.sourceStreams()) {
          if (running.has(stream.id)) continue;
          const lane = this.runLane(stream, this.laneAttempts.get(stream.id) ?? 0, inner.signal, marks, onProgress)
            .catch((error: unknown) => {
              if (inner.signal.aborted) return;
              // The lane's next run tries the next receiver (node-urls fail-over).
              if (error instanceof DbError && isTransient(error)) this.laneAttempts.set(stream.id, (this.laneAttempts.get(stream.id) ?? 0) + 1);
              fail(error);
            })
            .finally(() => running.delete(stream.id));
          running.set(stream.id, lane);
        }
        await sleep(DISCOVERY_INTERVAL_MS, inner.signal);
      }
      await Promise.all(running.values());
      if (failure !== null) throw failure;
    } finally {
      clearTimeout(settle);
      signal.removeEventListener('abort', abort);
      inner.abort(new DbError('QUERY_CANCELLED', 'pipe run ended'));
      await Promise.all(running.values());
      for (const lane of this.laneStates.values()) this.lateRowsDone += lane.processor?.lateRows ?? 0;
      this.laneStates.clear();
    }
  }

  /**
   * One lane until the run ends, or until its stream's columns change (it returns then and the
   * next discovery restarts it with the new columns).
   */
  private async runLane(
    stream: StreamDef,
    attempt: number,
    signal: AbortSignal,
    marks: Map<string, Promise<Map<string, number> | undefined>>,
    onProgress: () => void,
  ): Promise<void> {
    const { storage, config } = this.options;
    const { database, name } = stream;
    const current = storage.catalog.findStream(database, name);
    if (current === undefined || current.id !== stream.id) return;
    const columns = current.columns.filter((c) => c.name !== TIME_COLUMN && this.pattern.matchesSeries(database, name, c.name));
    const columnCount = current.columns.length;
    const changed = () => storage.catalog.findStream(database, name)?.columns.length !== columnCount;
    if (columns.length === 0) {
      // Nothing of this stream matches (yet): wait for new columns.
      while (!signal.aborted && !changed()) await sleep(DISCOVERY_INTERVAL_MS, signal);
      return;
    }
    const time = current.columns.find((c) => c.name === TIME_COLUMN);
    if (time === undefined) return;
    const readSchema: Column[] = [{ name: TIME_COLUMN, type: time.type }, ...columns.map((c) => ({ name: c.name, type: c.type }))];
    const source = config.source;
    const boundary = this.boundaries.get(stream.id) ?? 0;
    const log = storage.log(database, name);
    if (!source.realtimeEnabled && (this.lanes.get(stream.id) ?? this.startAfter(stream.id)) >= boundary - 1) {
      // History only, and it is all delivered.
      while (!signal.aborted) await sleep(60_000, signal);
      return;
    }

    const stateful = isStateful(config);
    const processor = createProcessor(config.processor, readSchema, stateful ? (this.processorStates.get(stream.id) ?? null) : null, `${database}.${name}`);
    const laneState: LaneState = { stream: current, snapshots: [], processor };
    this.laneStates.set(stream.id, laneState);

    const sink = this.options.sink;
    const target: PipeLaneTarget = sink.laneTarget(this.options.name, stream.id, attempt, database, name, processor.schema);
    this.checkReceiver(await target.receiverNodeId(), sink.endpointFor(stream.id, attempt));

    let after = this.lanes.get(stream.id) ?? this.startAfter(stream.id);
    // Merging batches changes their boundaries from a previous run's: resume after what the
    // receiver holds, so no batch straddles it. Unknown marks: one transfer per stored batch.
    let coalesce = false;
    if (!stateful && config.sink.batchEnabled && !sink.isNoop) {
      const endpoint = sink.endpointFor(stream.id, attempt);
      const key = formatEndpoint(endpoint);
      let pending = marks.get(key);
      if (pending === undefined) {
        pending = sink.highWaterMarks(endpoint, this.consumerId);
        marks.set(key, pending);
      }
      const receiverMarks = await pending;
      if (receiverMarks !== undefined) {
        coalesce = true;
        const mark = receiverMarks.get(`${database}\u0000${name}\u0000${stream.id}`);
        if (mark !== undefined && mark > after) {
          after = mark;
          this.lanes.set(stream.id, mark);
        }
      }
    } else if (sink.isNoop && !stateful && config.sink.batchEnabled) coalesce = true;

    await log.registerConsumer(this.consumerId, after + 1);
    // The lane stops reading at once when a delivery fails (the read may be waiting for rows).
    const laneController = new AbortController();
    const abortLane = () => laneController.abort(signal.reason);
    if (signal.aborted) abortLane();
    else signal.addEventListener('abort', abortLane, { once: true });
    const window = new Sink(
      target,
      (_, lastSn, rows) => {
        this.lanes.set(stream.id, lastSn);
        if (stateful) {
          let state: unknown = this.processorStates.get(stream.id) ?? null;
          while (laneState.snapshots.length > 0 && laneState.snapshots[0]!.lastSn <= lastSn) state = laneState.snapshots.shift()!.state;
          this.processorStates.set(stream.id, state);
        }
        this.deliveredRows += rows;
        this.rate.count(rows);
        onProgress();
        try {
          log.commitConsumer(this.consumerId, lastSn + 1);
        } catch {
          // The stream was dropped: the lane ends with the read.
        }
        this.maybeSave();
      },
      () => ({ nowMs: this.options.clock.nowMs() }),
      (failure) => laneController.abort(failure),
      false,
      target.inflightMax,
    );

    const interner = new StringInterner();
    const origin = (firstSn: number, lastSn: number) => ({ nodeId: this.options.nodeId, taskId: this.consumerId, lane: stream.id, firstSn, lastSn });
    const groupBytesMax = config.sink.batchSizeBytes;
    const group: ExecBatch[] = [];
    let groupFirst = -1;
    let groupLast = -1;
    let groupRows = 0;
    let groupBytes = 0;
    const flush = async () => {
      if (groupFirst < 0) return;
      const output = group.length === 0 ? null : group.length === 1 ? group[0]! : concatRows(processor.schema, group);
      await window.send(origin(groupFirst, groupLast), output);
      group.length = 0;
      groupFirst = groupLast = -1;
      groupRows = groupBytes = 0;
    };

    const reads = log.read({
      fromSn: after + 1,
      follow: true,
      signal: laneController.signal,
      onGap: (fromSn, toSn) => {
        this.droppedRows += toSn - fromSn;
        this.options.log('warn', 'pipe source rows were dropped by retention before the pipe read them', { pipe: this.options.name, stream: `${database}.${name}`, fromSn, toSn });
      },
    });
    try {
      for await (const record of reads) {
        if (window.failure !== null) throw window.failure;
        if (changed()) break;
        const firstSn = record.header.baseSn + record.startRow;
        const lastSn = record.header.baseSn + record.header.rowCount - 1;
        if (!source.realtimeEnabled && firstSn >= boundary) break;
        const input = this.selectRows(record, firstSn < boundary, readSchema, interner, `${database}.${name}`);
        const output = input === null ? null : processor.process(input);
        if (!coalesce) {
          if (stateful) laneState.snapshots.push({ lastSn, state: structuredClone(processor.snapshot()) });
          await window.send(origin(firstSn, lastSn), output);
          continue;
        }
        if (groupFirst < 0) groupFirst = firstSn;
        groupLast = lastSn;
        if (output !== null && output.rowCount > 0) {
          group.push(output);
          groupRows += output.rowCount;
        }
        groupBytes += record.bytes.byteLength;
        // Send when the group is full, or when nothing more is waiting (live rows go at once).
        if (groupRows >= PIPE_GROUP_ROWS_MAX || groupBytes >= groupBytesMax || log.nextSn - 1 <= lastSn) await flush();
      }
      await flush();
    } catch (error) {
      if (window.failure !== null) throw window.failure;
      if (!signal.aborted) throw error;
    } finally {
      signal.removeEventListener('abort', abortLane);
    }
    if (window.failure !== null) throw window.failure;
    if (!signal.aborted) await window.drain();
    else await window.drain().catch(() => undefined);
    this.lateRowsDone += processor.lateRows;
    this.laneStates.delete(stream.id);
  }

  /**
   * Connects to the receivers, from the `attempt`-th on, until one answers (its node id is then
   * known); fails with the last error when none does.
   */
  private async probeReceivers(attempt: number): Promise<void> {
    const sink = this.options.sink;
    const count = sink.config.endpoints.length;
    let last: unknown = null;
    for (let i = 0; i < count; i++) {
      try {
        const receiver = await sink.laneTarget(this.options.name, 0, attempt + i, '', '', []).receiverNodeId();
        this.checkReceiver(receiver, sink.endpointFor(0, attempt + i));
        return;
      } catch (error) {
        if (error instanceof DbError && !isTransient(error)) throw error;
        last = error;
      }
    }
    throw last;
  }

  /** Records the receiver's node id; one that is this node is a loop (A → A): unrecoverable. */
  private checkReceiver(receiver: string, endpoint: PipeEndpoint): void {
    if (receiver === '') return;
    if (receiver === this.options.nodeId) {
      throw new DbError('INVALID_ARGUMENT', `pipe ${this.options.name}: its receiver ${formatEndpoint(endpoint)} is this node itself; a pipe cannot sync a node into itself`);
    }
    this.receiverNodeId = receiver;
  }

  /**
   * The record's rows inside the bounds of its part (history or realtime), with the lane's
   * columns; null when none. A batch whose time range lies inside (or outside) the bounds is
   * taken (or skipped) whole, from its header.
   */
  private selectRows(record: LogRecord, history: boolean, schema: readonly Column[], interner: StringInterner, where: string): ExecBatch | null {
    const source = this.options.config.source;
    if (history && !source.historyEnabled) return null;
    // Batches another node's task wrote here are not sent back to that node (loops).
    const origin = record.header.origin;
    if (origin !== null && origin !== undefined && this.receiverNodeId !== null && origin.nodeId === this.receiverNodeId) return null;
    const start = history ? source.historyStartMs : source.realtimeStartMs;
    const end = history ? source.historyEndMs : source.realtimeEndMs;
    const { minTimeMs, maxTimeMs } = record.header;
    if (maxTimeMs < start || minTimeMs > end) return null;
    const batch = execFromRecord(record, schema, interner, where);
    if (minTimeMs >= start && maxTimeMs <= end) return batch;
    const times = batch.cols[0]!.values as Float64Array;
    const keep = new Uint32Array(batch.rowCount);
    let kept = 0;
    for (let row = 0; row < batch.rowCount; row++) {
      const t = times[row]!;
      if (t >= start && t <= end) keep[kept++] = row;
    }
    if (kept === 0) return null;
    const indices = keep.subarray(0, kept);
    return { schema: batch.schema, cols: batch.cols.map((col) => takeCol(col, indices)), rowCount: kept };
  }


  private maybeSave(): void {
    const now = this.options.clock.nowMs();
    if (this.saving !== null || now - this.lastSave < PIPE_CHECKPOINT_INTERVAL_MS) return;
    this.lastSave = now;
    this.saving = this.save()
      .catch((error: unknown) => this.options.log('warn', 'pipe checkpoint write failed', { pipe: this.options.name, error: (error as Error).message }))
      .finally(() => (this.saving = null));
  }

  checkpoint(): PipeCheckpoint {
    const record = <V>(map: Map<number, V>) => Object.fromEntries([...map].map(([k, v]) => [String(k), v]));
    return { state: this.state, error: this.error, lanes: record(this.lanes), boundaries: record(this.boundaries), processor: record(this.processorStates) };
  }

  async save(): Promise<void> {
    await this.options.store.save(this.options.id, this.checkpoint());
  }
}
