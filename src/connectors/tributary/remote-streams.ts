// RemoteStreams over the native protocol: how this node reaches another Tributary (or Timeplus-style)
// node for external streams and materialized views. One client (one TCP/TLS connection, dialled on
// demand and again after a drop) per distinct (shard, user, password, database, TLS settings).
//
// Invariants: every error names the shard (`host:port`); an insert resolves only on the remote's
// acknowledgement, which it sends once the batch is durable (or its origin is a known replay); a
// request that sees no answer within REMOTE_REQUEST_TIMEOUT_MS fails with REMOTE_UNAVAILABLE and the
// connection is dropped (a black-holed link must not hang a task forever).
import { readFileSync } from 'node:fs';
import { DbError } from '../../core/errors.ts';
import { type ExternalStreamConfig, formatShard, refreshExternalStreamConfig } from '../../engine/external/external-stream-config.ts';
import type { RemoteInsertResult, RemoteQuery, RemoteStreams } from '../../engine/external/remote-streams.ts';
import { nameShard } from '../../engine/plan/external-source.ts';
import { Client } from '../../net/client.ts';
import { formatIdentifier } from '../../sql/index.ts';
import type { Batch, Column, Origin } from '../../types/batch.ts';
import { parseDataType } from '../../types/data-type.ts';

/** Default: how long an insert, a DESCRIBE or a ping may wait for its answer before the link counts as down. */
export const REMOTE_REQUEST_TIMEOUT_MS = 15_000;
/** Default: a live remote query with no batch for this long gets its link pinged. */
export const REMOTE_IDLE_PING_MS = 10_000;

export interface TributaryRemotesOptions {
  /** This node's id, sent in the handshake (the remote logs which node connects). */
  readonly nodeId: string;
  /** Where the opt-out of certificate verification is logged. */
  readonly onWarning?: (message: string) => void;
  /** Default REMOTE_REQUEST_TIMEOUT_MS (server config `remote_timeout_ms`). */
  readonly requestTimeoutMs?: number;
  /** Default REMOTE_IDLE_PING_MS (server config `remote_idle_ping_ms`). */
  readonly idlePingMs?: number;
}

export class TributaryRemotes implements RemoteStreams {
  private readonly clients = new Map<string, Client>();
  private readonly options: TributaryRemotesOptions;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly idlePingMs: number;

  constructor(options: TributaryRemotesOptions) {
    this.options = options;
    this.timeoutMs = options.requestTimeoutMs ?? REMOTE_REQUEST_TIMEOUT_MS;
    this.idlePingMs = options.idlePingMs ?? REMOTE_IDLE_PING_MS;
  }

  async describe(config: ExternalStreamConfig, signal?: AbortSignal): Promise<readonly Column[]> {
    const where = `shard 0 (${formatShard(config.hosts[0])})`;
    try {
      const client = this.client(config, 0);
      const sql = `DESCRIBE ${formatIdentifier(config.db)}.${formatIdentifier(config.stream)}`;
      const result = await withTimeout(client.query(sql, { signal }), `DESCRIBE on ${where}`, this.timeoutMs, () => this.drop(config, 0));
      return result.rows.map((row) => ({ name: String(row[0]), type: parseDataType(String(row[1])) }));
    } catch (error) {
      throw nameShard(error, where);
    }
  }

  query(config: ExternalStreamConfig, shard: number, sql: string, signal: AbortSignal): RemoteQuery {
    const client = this.client(config, shard);
    const stream = client.queryStream(sql, { signal });
    const where = `shard ${shard} (${formatShard(config.hosts[shard])})`;
    // Liveness: a live query may rightly see no rows for hours, but its link must answer a ping.
    // After REMOTE_IDLE_PING_MS without a batch, a ping that gets no pong within
    // REMOTE_REQUEST_TIMEOUT_MS fails the query (REMOTE_UNAVAILABLE) and drops the connection.
    let lastBatchMs = Date.now();
    let failure: DbError | null = null;
    let waiting: ((error: DbError) => void) | null = null;
    let probing = false;
    const watchdog = setInterval(() => {
      if (probing || Date.now() - lastBatchMs < this.idlePingMs) return;
      probing = true;
      withTimeout(client.ping(), `ping of ${where}`, this.timeoutMs, () => this.drop(config, shard))
        .then(
          () => (lastBatchMs = Date.now()),
          (error: unknown) => {
            failure = error instanceof DbError ? error : new DbError('REMOTE_UNAVAILABLE', `${where}: ${(error as Error).message}`);
            stream.cancel();
            waiting?.(failure);
          },
        )
        .finally(() => (probing = false));
    }, this.idlePingMs / 2);
    watchdog.unref();
    const iterator: AsyncIterator<Batch> = {
      next: async () => {
        if (failure !== null) throw failure;
        const dead = new Promise<never>((_, reject) => (waiting = reject));
        dead.catch(() => undefined);
        try {
          const result = await Promise.race([stream.next(), dead]);
          lastBatchMs = Date.now();
          if (result.done === true) clearInterval(watchdog);
          return result;
        } catch (error) {
          clearInterval(watchdog);
          throw error;
        } finally {
          waiting = null;
        }
      },
      return: async () => {
        clearInterval(watchdog);
        return stream.return();
      },
    };
    return {
      schema: stream.schema,
      cancel: () => {
        clearInterval(watchdog);
        stream.cancel();
      },
      [Symbol.asyncIterator]: () => iterator,
    };
  }

  async insert(config: ExternalStreamConfig, shard: number, batch: Batch, origin: Origin | null, channel = 0): Promise<RemoteInsertResult> {
    const where = `shard ${shard} (${formatShard(config.hosts[shard])})`;
    try {
      const client = this.client(config, shard, channel);
      const options = origin === null ? { database: config.db } : { database: config.db, origin };
      const result = await withTimeout(client.insert(config.stream, batch, options), `insert on ${where}`, this.timeoutMs, () => this.drop(config, shard, channel));
      return { rows: result.rows, duplicate: origin !== null && batch.rowCount > 0 && result.rows === 0 };
    } catch (error) {
      throw nameShard(error, where);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const client of this.clients.values()) client.close();
    this.clients.clear();
  }

  private key(config: ExternalStreamConfig, shard: number, channel: number): string {
    const s = config.hosts[shard];
    return JSON.stringify([s.host, s.port, config.user, config.password, config.db, config.secure, config.caFile, config.skipSslCertCheck, channel]);
  }

  private client(stored: ExternalStreamConfig, shard: number, channel = 0): Client {
    if (this.closed) throw new DbError('CONNECTION_CLOSED', 'the node is closing');
    if (shard < 0 || shard >= stored.hosts.length) throw new DbError('INTERNAL', `shard ${shard} of ${stored.hosts.length}`);
    const config = refreshExternalStreamConfig(stored, stored.stream);
    const key = this.key(config, shard, channel);
    let client = this.clients.get(key);
    if (client === undefined) {
      const { host, port } = config.hosts[shard];
      client = new Client({
        host,
        port,
        user: config.user,
        password: config.password,
        database: config.db,
        secure: config.secure,
        ca: config.caFile === null ? undefined : readFileSync(config.caFile),
        rejectUnauthorized: config.skipSslCertCheck ? false : undefined,
        onWarning: this.options.onWarning,
        clientName: 'tributary-remote',
        nodeId: this.options.nodeId,
      });
      this.clients.set(key, client);
    }
    return client;
  }

  /** Drops a shard's connection (after a timeout): the next request dials afresh. */
  private drop(config: ExternalStreamConfig, shard: number, channel = 0): void {
    const key = this.key(refreshExternalStreamConfig(config, config.stream), shard, channel);
    const client = this.clients.get(key);
    if (client === undefined) return;
    this.clients.delete(key);
    client.close();
  }
}

async function withTimeout<T>(promise: Promise<T>, what: string, timeoutMs: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new DbError('REMOTE_UNAVAILABLE', `${what}: no answer within ${timeoutMs} ms (remote_timeout_ms)`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
