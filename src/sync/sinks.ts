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
// Limits: SINK_INFLIGHT_BATCHES_MAX batches may await acknowledgement at once; send() waits for room.
import { DbError } from '../core/errors.ts';
import { type ExecBatch, batchFromExec } from '../engine/exec-batch.ts';
import { compileSharding, mix, splitByShard } from '../engine/external/sharding.ts';
import type { ExternalStreamConfig } from '../engine/external/external-stream-config.ts';
import type { RemoteStreams } from '../engine/external/remote-streams.ts';
import type { EvalContext } from '../engine/functions/function.ts';
import { conformBatch } from '../engine/statements/conform.ts';
import type { ColumnDef } from '../storage/catalog/catalog-types.ts';
import type { Storage } from '../storage/storage.ts';
import type { Origin } from '../types/batch.ts';

export const SINK_INFLIGHT_BATCHES_MAX = 32;

export interface SinkTarget {
  readonly describe: string;
  readonly columns: readonly ColumnDef[];
  /** Delivers one conformed batch; resolves once it is durable at the target. */
  deliver(batch: ExecBatch, origin: Origin): Promise<void>;
}

interface Entry {
  readonly lane: number;
  readonly lastSn: number;
  readonly rows: number;
  settled: boolean;
  failed: DbError | null;
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

  /** `onFailure` is called once, with the first delivery failure (the task stops reading then). */
  constructor(target: SinkTarget, onAck: (lane: number, lastSn: number, rows: number) => void, context: () => EvalContext, onFailure: (error: DbError) => void) {
    this.target = target;
    this.onAck = onAck;
    this.context = context;
    this.onFailure = onFailure;
  }

  /** Queues one output (null: nothing to write) for the source range ending at origin.lastSn. */
  async send(origin: Origin, output: ExecBatch | null): Promise<void> {
    if (this.failure !== null) throw this.failure;
    while (this.inflight >= SINK_INFLIGHT_BATCHES_MAX) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      if (this.failure !== null) throw this.failure;
    }
    const entry: Entry = { lane: origin.lane, lastSn: origin.lastSn, rows: output?.rowCount ?? 0, settled: false, failed: null };
    this.queue.push(entry);
    if (output === null || output.rowCount === 0) {
      entry.settled = true;
      this.advance();
      return;
    }
    const conformed = conformBatch(output, this.target.columns, this.context(), this.target.describe);
    this.inflight++;
    this.target.deliver(conformed, origin).then(
      () => {
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
      await storage.append(database, name, batchFromExec(batch, schema), { origin });
    },
  };
}

export function remoteTarget(remotes: RemoteStreams, config: ExternalStreamConfig, columns: readonly ColumnDef[], describe: string): SinkTarget {
  const schema = columns.map((c) => ({ name: c.name, type: c.type }));
  const shards = config.hosts.length;
  const sharding = compileSharding(config, columns);
  return {
    describe,
    columns,
    deliver: async (batch, origin) => {
      if (shards === 1) {
        await remotes.insert(config, 0, batchFromExec(batch, schema), origin);
        return;
      }
      if (sharding === null) {
        await remotes.insert(config, mix(origin.firstSn, origin.lane) % shards, batchFromExec(batch, schema), origin);
        return;
      }
      const parts = splitByShard(batch, sharding, shards);
      await Promise.all(parts.map((part, shard) => (part === null ? undefined : remotes.insert(config, shard, batchFromExec(part, schema), origin))));
    },
  };
}
