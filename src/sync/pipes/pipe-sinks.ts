// Pipe sinks: where a pipe's batches go, and the instances pipes share.
//
// A SharedPipeSink is one sink instance: its connections (native protocol clients, at most
// `pipe_sink_max_client_number` per receiver), its rate limiter and its counters. Pipes whose sink
// sections hold the same key/value set (PipeSinkConfig.sharingKey) get the same instance
// (PipeSinkRegistry), as in IoTDB; SHOW PIPES WHERE SINK USED BY lists them.
//
// Plugins:
//   iotdb-thrift-async-sink (= iotdb-thrift-sink)  PIPE_INSERT (protocol 2): the receiver creates the
//       schema it lacks (its enable_auto_create_schema) and checks its ip_white_list; up to
//       SINK_INFLIGHT_BATCHES_MAX batches per lane in flight, lanes spread over the connections.
//   iotdb-thrift-sync-sink   the same transfer, one batch at a time per lane on one connection.
//   iotdb-legacy-pipe-sink   protocol 1 (what Tributary receivers before pipes speak): plain INSERT,
//       the schema created first with IoTDB DDL (CREATE DATABASE / CREATE TIMESERIES) when missing.
//   do-nothing-sink          acknowledges every batch at once.
//
// Lanes and receivers: each lane (a source stream) uses one connection for a whole run, so its
// batches reach the receiver in order (exactly-once needs that: see sinks.ts). With several
// receivers (`node-urls`) a lane's receiver is picked round-robin by lane, and moves to the next
// one after a failed run (fail-over); exactly-once holds per receiver.
import { DbError } from '../../core/errors.ts';
import { type ExecBatch, batchFromExec } from '../../engine/exec-batch.ts';
import { formatPath, iotdbTypeOfColumn, seriesNodes } from '../../engine/iotdb/paths.ts';
import { Client } from '../../net/client.ts';
import { PIPE_CLIENT_NAME } from '../../net/index.ts';
import { formatString } from '../../sql/index.ts';
import type { Batch, Column, Origin } from '../../types/batch.ts';
import { baseType } from '../../engine/column.ts';
import type { ShardOutcome, SinkTarget } from '../sinks.ts';
import { SINK_INFLIGHT_BATCHES_MAX } from '../sinks.ts';
import type { PipeEndpoint, PipeSinkConfig } from './pipe-types.ts';
import type { PipeSettings } from './pipe-settings.ts';
import { RateLimiter } from './rate-limiter.ts';

/** How long a CREATE PIPE waits for the receiver when it checks for a loop (an unreachable one is not checked). */
export const PIPE_LOOP_CHECK_TIMEOUT_MS = 2_000;

export interface SharedSinkOptions {
  readonly nodeId: string;
  readonly settings: PipeSettings;
  /** The node-wide limiter (pipe_all_sinks_rate_limit_bytes_per_second), or null. */
  readonly globalLimiter: RateLimiter | null;
  readonly onWarning?: (message: string) => void;
}

/** What a lane delivers to, for one run (one receiver, one connection). */
export interface PipeLaneTarget extends SinkTarget {
  /** Batches this lane may have awaiting acknowledgement. */
  readonly inflightMax: number;
  /** Connects (if needed) and returns the receiver's node id ('' for do-nothing). */
  receiverNodeId(): Promise<string>;
}

export class SharedPipeSink {
  readonly config: PipeSinkConfig;
  /** Names of the pipes using this instance. */
  readonly users = new Set<string>();
  private readonly options: SharedSinkOptions;
  private readonly clients = new Map<string, Client>();
  private readonly limiter: RateLimiter | null;
  /** Schemas the legacy sink made sure of on each receiver (`endpoint\0db\0stream\0columns`). */
  private readonly legacyReady = new Set<string>();
  transferredBytes = 0;
  transferredBatches = 0;

  constructor(config: PipeSinkConfig, options: SharedSinkOptions) {
    this.config = config;
    this.options = options;
    this.limiter = config.rateLimitBytesPerSecond > 0 ? new RateLimiter(config.rateLimitBytesPerSecond) : null;
  }

  get isNoop(): boolean {
    return this.config.plugin === 'do-nothing-sink';
  }

  /** The receiver a lane uses in its `attempt`-th run. */
  endpointFor(lane: number, attempt: number): PipeEndpoint {
    const endpoints = this.config.endpoints;
    return endpoints[(lane + attempt) % endpoints.length]!;
  }

  /** The target for one lane's run: `database`.`stream` on the receiver picked for (lane, attempt). */
  laneTarget(pipe: string, lane: number, attempt: number, database: string, stream: string, columns: readonly Column[]): PipeLaneTarget {
    const describe = `pipe ${pipe} sink ${this.config.plugin}`;
    const columnDefs = columns.map((c) => ({ name: c.name, type: c.type }));
    if (this.isNoop) {
      return {
        describe,
        columns: columnDefs,
        inflightMax: SINK_INFLIGHT_BATCHES_MAX,
        receiverNodeId: async () => '',
        deliver: async () => [{ shard: 0, duplicate: false }],
        highWaterMark: async () => undefined,
      };
    }
    const endpoint = this.endpointFor(lane, attempt);
    const where = `${describe} → ${formatEndpoint(endpoint)}`;
    const sync = this.config.plugin !== 'iotdb-thrift-async-sink';
    const slots = sync ? 1 : Math.max(1, this.options.settings.sinkMaxClientNumber);
    const client = this.client(endpoint, lane % slots);
    const legacy = this.config.plugin === 'iotdb-legacy-pipe-sink';
    return {
      describe: where,
      columns: columnDefs,
      inflightMax: sync ? 1 : SINK_INFLIGHT_BATCHES_MAX,
      receiverNodeId: async () => {
        await this.timed(client.connection(), where, endpoint, lane % slots);
        return client.serverInfo?.serverNodeId ?? '';
      },
      deliver: async (batch, origin) => {
        const stored = batchFromExec(batch);
        const bytes = estimateBytes(stored);
        if (this.options.globalLimiter !== null) await this.options.globalLimiter.take(bytes);
        if (this.limiter !== null) await this.limiter.take(bytes);
        const result = legacy
          ? await this.timed(this.legacyInsert(client, endpoint, database, stream, stored, origin), where, endpoint, lane % slots)
          : await this.timed(
              client.pipeInsert(database, stream, stored, { origin, pipe, autoCreate: true, compressor: this.config.compressor }),
              where,
              endpoint,
              lane % slots,
            );
        this.transferredBytes += bytes;
        this.transferredBatches++;
        return [{ shard: 0, duplicate: result.duplicate }] satisfies ShardOutcome[];
      },
      highWaterMark: async () => undefined,
    };
  }

  /**
   * The receiver's high-water marks for every lane of task `taskId` from this node, keyed
   * `database\0stream\0lane`; undefined when the receiver cannot tell (no access to system.origins,
   * or an older receiver).
   */
  async highWaterMarks(endpoint: PipeEndpoint, taskId: string): Promise<Map<string, number> | undefined> {
    if (this.isNoop) return undefined;
    const client = this.client(endpoint, 0);
    const where = `pipe sink → ${formatEndpoint(endpoint)}`;
    const sql = `SELECT database, stream, lane, last_sn FROM system.origins WHERE node_id = ${formatString(this.options.nodeId)} AND task_id = ${formatString(taskId)}`;
    try {
      const result = await this.timed(client.query(sql), where, endpoint, 0);
      const marks = new Map<string, number>();
      for (const row of result.rows) marks.set(`${String(row[0])}\u0000${String(row[1])}\u0000${Number(row[2])}`, Number(row[3]));
      return marks;
    } catch (error) {
      if (error instanceof DbError && (error.code === 'ACCESS_DENIED' || error.code === 'STREAM_NOT_FOUND' || error.code === 'DATABASE_NOT_FOUND' || error.code === 'SYNTAX_ERROR')) return undefined;
      throw error;
    }
  }

  /** Tells every receiver a pipe's state (best effort: a receiver that is down learns it with the next batch). */
  async report(pipe: string, state: 'RUNNING' | 'STOP' | 'DROP'): Promise<void> {
    if (this.isNoop || this.config.plugin === 'iotdb-legacy-pipe-sink') return;
    await Promise.all(
      this.config.endpoints.map(async (endpoint) => {
        const client = this.client(endpoint, 0);
        try {
          await this.timed(client.pipeInsert('', '', null, { pipe, autoCreate: false, report: { state } }), `pipe ${pipe} report`, endpoint, 0, PIPE_LOOP_CHECK_TIMEOUT_MS);
        } catch {
          // Unreachable now: nothing to do.
        }
      }),
    );
  }

  /** The node id of the first receiver, or null when it does not answer within PIPE_LOOP_CHECK_TIMEOUT_MS. */
  async probeReceiver(): Promise<{ nodeId: string; client: Client } | null> {
    if (this.isNoop) return null;
    const endpoint = this.config.endpoints[0]!;
    const client = this.client(endpoint, 0);
    try {
      await this.timed(client.connection(), 'probe', endpoint, 0, PIPE_LOOP_CHECK_TIMEOUT_MS);
      return { nodeId: client.serverInfo?.serverNodeId ?? '', client };
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    for (const client of clients) client.close();
  }

  private client(endpoint: PipeEndpoint, slot: number): Client {
    const key = `${endpoint.host}:${endpoint.port}#${slot}`;
    let client = this.clients.get(key);
    if (client === undefined) {
      const legacy = this.config.plugin === 'iotdb-legacy-pipe-sink';
      client = new Client({
        host: endpoint.host,
        port: endpoint.port,
        user: this.config.user,
        password: this.config.password,
        clientName: PIPE_CLIENT_NAME,
        nodeId: this.options.nodeId,
        versions: legacy ? { min: 1, max: 1 } : undefined,
        onWarning: this.options.onWarning,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  private dropClient(endpoint: PipeEndpoint, slot: number): void {
    const key = `${endpoint.host}:${endpoint.port}#${slot}`;
    const client = this.clients.get(key);
    if (client === undefined) return;
    this.clients.delete(key);
    client.close();
  }

  /** `promise`, failing with REMOTE_UNAVAILABLE after pipe_sink_timeout_ms (the connection is dropped then). */
  private async timed<T>(promise: Promise<T>, where: string, endpoint: PipeEndpoint, slot: number, timeoutMs = this.options.settings.sinkTimeoutMs): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.dropClient(endpoint, slot);
        reject(new DbError('REMOTE_UNAVAILABLE', `${where}: no answer within ${timeoutMs} ms (pipe_sink_timeout_ms)`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([promise, timeout]);
    } catch (error) {
      throw nameEndpoint(error, where);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Protocol 1: plain INSERT; on a missing database, stream or column, IoTDB DDL first, then once more. */
  private async legacyInsert(client: Client, endpoint: PipeEndpoint, database: string, stream: string, batch: Batch, origin: Origin): Promise<{ duplicate: boolean }> {
    const key = `${formatEndpoint(endpoint)}\u0000${database}\u0000${stream}\u0000${batch.columns.map((c) => c.name).join(',')}`;
    if (!this.legacyReady.has(key)) {
      await ensureLegacySchema(client, database, stream, batch.columns);
      this.legacyReady.add(key);
    }
    try {
      const result = await client.insert(stream, batch, { database, origin });
      return { duplicate: batch.rowCount > 0 && result.rows === 0 };
    } catch (error) {
      if (error instanceof DbError && (error.code === 'STREAM_NOT_FOUND' || error.code === 'DATABASE_NOT_FOUND')) this.legacyReady.delete(key);
      throw error;
    }
  }
}

/** Creates on a protocol-1 receiver, with IoTDB statements, the database, device and series a batch needs. */
async function ensureLegacySchema(client: Client, database: string, stream: string, columns: readonly Column[]): Promise<void> {
  try {
    await client.execute(`CREATE DATABASE ${database}`);
  } catch (error) {
    if (!(error instanceof DbError) || (error.code !== 'DATABASE_EXISTS' && error.code !== 'OBJECT_EXISTS')) throw error;
  }
  for (const column of columns) {
    if (column.name === '_tp_time') continue;
    const type = iotdbTypeOfColumn(baseType(column.type));
    if (type === null) throw new DbError('SCHEMA_MISMATCH', `column ${column.name} of ${database}.${stream} has no IoTDB type`);
    const path = formatPath(seriesNodes(database, stream, column.name));
    try {
      await client.execute(`CREATE TIMESERIES ${path} WITH DATATYPE=${type}`);
    } catch (error) {
      if (!(error instanceof DbError) || !/EXISTS/.test(error.code)) throw error;
    }
  }
}

function estimateBytes(batch: Batch): number {
  let bytes = 64;
  for (const vector of batch.vectors) bytes += vector.kind === 'fixed' ? vector.data.byteLength : vectorBytes(vector);
  return bytes;
}

function vectorBytes(vector: Batch['vectors'][number]): number {
  const v = vector as unknown as { bytes?: Uint8Array; offsets?: Uint32Array };
  return (v.bytes?.byteLength ?? 0) + (v.offsets?.byteLength ?? 0) + 8 * vector.rowCount;
}

export function formatEndpoint(endpoint: PipeEndpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`;
}

function nameEndpoint(error: unknown, where: string): DbError {
  if (error instanceof DbError) {
    if (error.message.includes(where)) return error;
    return new DbError(error.code, `${where}: ${error.message}`, error.details, { cause: error });
  }
  return new DbError('REMOTE_ERROR', `${where}: ${(error as Error).message}`, {}, { cause: error });
}

/** The shared sink instances of a node, by sharing key. */
export class PipeSinkRegistry {
  private readonly sinks = new Map<string, SharedPipeSink>();
  private readonly options: SharedSinkOptions;

  constructor(options: SharedSinkOptions) {
    this.options = options;
  }

  /** The instance for `config` (created on first use), with `pipe` recorded as a user. */
  acquire(config: PipeSinkConfig, pipe: string): SharedPipeSink {
    let sink = this.sinks.get(config.sharingKey);
    if (sink === undefined) {
      sink = new SharedPipeSink(config, this.options);
      this.sinks.set(config.sharingKey, sink);
    }
    sink.users.add(pipe);
    return sink;
  }

  /** Forgets `pipe`; the instance closes when no pipe uses it. */
  async release(config: PipeSinkConfig, pipe: string): Promise<void> {
    const sink = this.sinks.get(config.sharingKey);
    if (sink === undefined) return;
    sink.users.delete(pipe);
    if (sink.users.size === 0) {
      this.sinks.delete(config.sharingKey);
      await sink.close();
    }
  }

  /** The pipes sharing `pipe`'s sink instance (itself included). */
  usersOf(config: PipeSinkConfig): readonly string[] {
    return [...(this.sinks.get(config.sharingKey)?.users ?? [])];
  }

  async close(): Promise<void> {
    const sinks = [...this.sinks.values()];
    this.sinks.clear();
    await Promise.all(sinks.map((sink) => sink.close()));
  }
}
