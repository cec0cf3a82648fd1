// Where a task's output goes: a local stream or an external stream (a remote Tributary node, one
// or more shards). A sink delivers batches in the order sent and reports each acknowledgement in
// that order, so the task's checkpoint only ever advances over a prefix of delivered batches.
//
// Every batch carries its origin (node id, task id, lane, source sn range); local and remote
// Tributary streams drop a batch whose origin they already hold, so re-sending after a crash or a
// lost acknowledgement never duplicates rows. A batch the query filtered down to nothing (null)
// is "delivered" at once but still acknowledged in order, so the position moves past it.
//
// Shard choice (external targets, engine/external/sharding.ts): with `sharding_expr`, rows are split
// by hash, every part keeping the batch's origin (each shard dedupes on its own); without it, each
// batch goes to one shard picked by a hash of its origin, so a replay goes to the shard that
// already has it.
//
// Limits: SINK_INFLIGHT_BATCHES_MAX batches may await acknowledgement at once (a catch-up lane's sink:
// SINK_CATCH_UP_INFLIGHT_BATCHES_MAX, on its own connection, so it never queues far ahead of live
// rows at the target); send() waits for room.
import { DbError } from '../core/errors.ts';
import { type ExecBatch, batchFromExec } from '../engine/exec-batch.ts';
import { compileSharding, mix, splitByShard } from '../engine/external/sharding.ts';
import type { ExternalStreamConfig } from '../engine/external/external-stream-config.ts';
import type { RemoteStreams } from '../engine/external/remote-streams.ts';
import type { EvalContext } from '../engine/functions/function.ts';
import { conformBatch } from '../engine/statements/conform.ts';
import type { ColumnDef } from '../storage/catalog/catalog-types.ts';
import type { Storage } from '../storage/storage.ts';
import { formatString } from '../sql/index.ts';
import type { Origin } from '../types/batch.ts';

export const SINK_INFLIGHT_BATCHES_MAX = 32;
/** One: the next catch-up batch leaves when the target has made the last durable (measurements at CATCH_UP_GROUP_ROWS_MAX). */
export const SINK_CATCH_UP_INFLIGHT_BATCHES_MAX = 1;

export interface SinkTarget {
  readonly describe: string;
  readonly columns: readonly ColumnDef[];
  /**
   * Delivers one conformed batch; resolves once it is durable at the target, with, per shard that
   * got rows, whether the target already held this origin (a replay it dropped).
   */
  deliver(batch: ExecBatch, origin: Origin, channel: number): Promise<readonly ShardOutcome[]>;
  /**
   * Single-shard targets: the highest source sn the target holds for (node, task, lane), -1 for
   * none; undefined when the target cannot tell (several shards, or no access to system.origins).
   */
  highWaterMark(nodeId: string, taskId: string, lane: number, signal: AbortSignal): Promise<number | undefined>;
}

export interface ShardOutcome {
  readonly shard: number;
  readonly duplicate: boolean;
}

interface Entry {
  readonly lane: number;
  readonly firstSn: number;
  readonly lastSn: number;
  readonly rows: number;
  settled: boolean;
  failed: DbError | null;
  outcomes: readonly ShardOutcome[];
}

/** An ordered delivery window over a target. */
export class Sink {
  readonly target: SinkTarget;
  private readonly queue: Entry[] = [];
  private inflight = 0;
  private roomWaiters: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  failure: DbError | null = null;
  private readonly onAck: (lane: number, lastSn: number, rows: number) => void;
  private readonly context: () => EvalContext;
  private readonly onFailure: (error: DbError) => void;
  /** (lane, shard) pairs that stored a batch in this run: a replay after that means lost order. */
  private readonly stored = new Set<string>();

  private readonly inflightMax: number;
  private readonly channel: number;

  /**
   * `onFailure` is called once, with the first delivery failure (the task stops reading then).
   * `catchUp`: a catch-up lane's sink (fewer batches in flight, its own connection).
   * `inflightMax`: batches awaiting acknowledgement at once (default by `catchUp`; a pipe's sync sink: 1).
   */
  constructor(
    target: SinkTarget,
    onAck: (lane: number, lastSn: number, rows: number) => void,
    context: () => EvalContext,
    onFailure: (error: DbError) => void,
    catchUp = false,
    inflightMax?: number,
  ) {
    this.inflightMax = inflightMax ?? (catchUp ? SINK_CATCH_UP_INFLIGHT_BATCHES_MAX : SINK_INFLIGHT_BATCHES_MAX);
    this.channel = catchUp ? 1 : 0;
    this.target = target;
    this.onAck = onAck;
    this.context = context;
    this.onFailure = onFailure;
  }

  /** Queues one output (null: nothing to write) for the source range ending at origin.lastSn. */
  async send(origin: Origin, output: ExecBatch | null): Promise<void> {
    if (this.failure !== null) throw this.failure;
    while (this.inflight >= this.inflightMax) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      if (this.failure !== null) throw this.failure;
    }
    const entry: Entry = { lane: origin.lane, firstSn: origin.firstSn, lastSn: origin.lastSn, rows: output?.rowCount ?? 0, settled: false, failed: null, outcomes: [] };
    this.queue.push(entry);
    if (output === null || output.rowCount === 0) {
      entry.settled = true;
      this.advance();
      return;
    }
    const conformed = conformBatch(output, this.target.columns, this.context(), this.target.describe);
    this.inflight++;
    this.target.deliver(conformed, origin, this.channel).then(
      (outcomes) => {
        entry.outcomes = outcomes;
        entry.settled = true;
        this.inflight--;
        this.advance();
      },
      (error: unknown) => {
        entry.settled = true;
        entry.failed = error instanceof DbError ? error : new DbError('REMOTE_ERROR', `${this.target.describe}: ${(error as Error).message}`, {}, { cause: error });
        this.inflight--;
        this.advance();
      },
    );
  }

  /** Resolves when every queued batch is acknowledged; rejects with the first failure. */
  async drain(): Promise<void> {
    while (this.queue.length > 0 && this.failure === null) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    if (this.failure !== null) throw this.failure;
  }

  /**
   * Within one run a lane's batches reach each shard in order, so once a shard stored one, every
   * later batch is new there. A later batch acknowledged as a replay means the order was lost on the
   * way and the target dropped rows it never had: fail loudly instead of skipping them (sends are
   * ordered, so this never fires; it guards the guarantee).
   */
  private checkOrder(entry: Entry): DbError | null {
    for (const outcome of entry.outcomes) {
      const key = `${entry.lane}:${outcome.shard}`;
      if (!outcome.duplicate) this.stored.add(key);
      else if (this.stored.has(key)) {
        return new DbError(
          'INTERNAL',
          `${this.target.describe}: shard ${outcome.shard} acknowledged source range [${entry.firstSn}, ${entry.lastSn}] of lane ${entry.lane} as already held, after storing a later batch of this run: delivery order was lost; the view stops rather than skip rows`,
        );
      }
    }
    return null;
  }

  private advance(): void {
    while (this.queue.length > 0 && this.queue[0].settled) {
      const head = this.queue[0];
      if (head.failed !== null) {
        if (this.failure === null) {
          this.failure = head.failed;
          this.onFailure(head.failed);
        }
        break;
      }
      const violation = this.checkOrder(head);
      if (violation !== null) {
        this.failure = violation;
        this.onFailure(violation);
        break;
      }
      this.queue.shift();
      this.onAck(head.lane, head.lastSn, head.rows);
    }
    const waiters = this.roomWaiters.splice(0);
    for (const wake of waiters) wake();
    if (this.queue.length === 0 || this.failure !== null) for (const wake of this.drainWaiters.splice(0)) wake();
  }
}


export function localTarget(storage: Storage, database: string, name: string): SinkTarget {
  const stream = storage.catalog.getStream(database, name);
  const schema = stream.columns.map((c) => ({ name: c.name, type: c.type }));
  return {
    describe: `stream ${database}.${name}`,
    columns: stream.columns,
    deliver: async (batch, origin) => {
      const result = await storage.append(database, name, batchFromExec(batch, schema), { origin });
      return [{ shard: 0, duplicate: result.duplicate === true }];
    },
    highWaterMark: async (nodeId, taskId, lane) => storage.log(database, name).originHighWaterMark(nodeId, taskId, lane) ?? -1,
  };
}

export function remoteTarget(remotes: RemoteStreams, config: ExternalStreamConfig, columns: readonly ColumnDef[], describe: string): SinkTarget {
  const schema = columns.map((c) => ({ name: c.name, type: c.type }));
  const shards = config.hosts.length;
  const sharding = compileSharding(config, columns);
  return {
    describe,
    columns,
    deliver: async (batch, origin, channel) => {
      if (sharding === null) {
        const shard = shards === 1 ? 0 : mix(origin.firstSn, origin.lane) % shards;
        const result = await remotes.insert(config, shard, batchFromExec(batch, schema), origin, channel);
        return [{ shard, duplicate: result.duplicate }];
      }
      const parts = splitByShard(batch, sharding, shards);
      const outcomes = await Promise.all(
        parts.map(async (part, shard) => (part === null ? null : { shard, duplicate: (await remotes.insert(config, shard, batchFromExec(part, schema), origin, channel)).duplicate })),
      );
      return outcomes.filter((o): o is ShardOutcome => o !== null);
    },
    highWaterMark: async (nodeId, taskId, lane, signal) => {
      if (shards !== 1) return undefined;
      const sql =
        `SELECT last_sn FROM system.origins WHERE database = ${formatString(config.db)} AND stream = ${formatString(config.stream)} ` +
        `AND node_id = ${formatString(nodeId)} AND task_id = ${formatString(taskId)} AND lane = ${lane}`;
      try {
        let mark = -1;
        for await (const batch of remotes.query(config, 0, sql, signal)) {
          const values = batch.vectors[0];
          if (values.kind === 'fixed' && values.rowCount > 0) mark = Math.max(mark, Number(values.data[0]));
        }
        return mark;
      } catch (error) {
        // An older peer or a user without access: resume from our own checkpoint (no coalescing).
        if (error instanceof DbError && (error.code === 'ACCESS_DENIED' || error.code === 'STREAM_NOT_FOUND' || error.code === 'DATABASE_NOT_FOUND')) return undefined;
        throw error;
      }
    },
  };
}
