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

/** How long an insert or a DESCRIBE may wait for its answer before the link counts as down. */
export const REMOTE_REQUEST_TIMEOUT_MS = 15_000;

export interface TributaryRemotesOptions {
  /** This node's id, sent in the handshake (the remote logs which node connects). */
  readonly nodeId: string;
  /** Where the opt-out of certificate verification is logged. */
  readonly onWarning?: (message: string) => void;
}

export class TributaryRemotes implements RemoteStreams {
  private readonly clients = new Map<string, Client>();
  private readonly options: TributaryRemotesOptions;
  private closed = false;

  constructor(options: TributaryRemotesOptions) {
    this.options = options;
  }

  async describe(config: ExternalStreamConfig, signal?: AbortSignal): Promise<readonly Column[]> {
    const where = `shard 0 (${formatShard(config.hosts[0])})`;
    try {
      const client = this.client(config, 0);
      const sql = `DESCRIBE ${formatIdentifier(config.db)}.${formatIdentifier(config.stream)}`;
      const result = await withTimeout(client.query(sql, { signal }), `DESCRIBE on ${where}`, () => this.drop(config, 0));
      return result.rows.map((row) => ({ name: String(row[0]), type: parseDataType(String(row[1])) }));
    } catch (error) {
      throw nameShard(error, where);
    }
  }

  query(config: ExternalStreamConfig, shard: number, sql: string, signal: AbortSignal): RemoteQuery {
    const stream = this.client(config, shard).queryStream(sql, { signal });
    return {
      schema: stream.schema,
      cancel: () => stream.cancel(),
      [Symbol.asyncIterator]: () => stream,
    };
  }

  async insert(config: ExternalStreamConfig, shard: number, batch: Batch, origin: Origin | null): Promise<RemoteInsertResult> {
    const where = `shard ${shard} (${formatShard(config.hosts[shard])})`;
    try {
      const client = this.client(config, shard);
      const options = origin === null ? { database: config.db } : { database: config.db, origin };
      const result = await withTimeout(client.insert(config.stream, batch, options), `insert on ${where}`, () => this.drop(config, shard));
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

  private key(config: ExternalStreamConfig, shard: number): string {
    const s = config.hosts[shard];
    return JSON.stringify([s.host, s.port, config.user, config.password, config.db, config.secure, config.caFile, config.skipSslCertCheck]);
  }

  private client(stored: ExternalStreamConfig, shard: number): Client {
    if (this.closed) throw new DbError('CONNECTION_CLOSED', 'the node is closing');
    if (shard < 0 || shard >= stored.hosts.length) throw new DbError('INTERNAL', `shard ${shard} of ${stored.hosts.length}`);
    const config = refreshExternalStreamConfig(stored, stored.stream);
    const key = this.key(config, shard);
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
  private drop(config: ExternalStreamConfig, shard: number): void {
    const key = this.key(refreshExternalStreamConfig(config, config.stream), shard);
    const client = this.clients.get(key);
    if (client === undefined) return;
    this.clients.delete(key);
    client.close();
  }
}

async function withTimeout<T>(promise: Promise<T>, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new DbError('REMOTE_UNAVAILABLE', `${what}: no answer within REMOTE_REQUEST_TIMEOUT_MS (${REMOTE_REQUEST_TIMEOUT_MS} ms)`));
    }, REMOTE_REQUEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
