// The native protocol client: what the CLI, the remote-stream connector and applications use to
// talk to a Tributary server. One Client holds at most one connection and runs requests on it
// concurrently, each under its own request id (frames and conversation: protocol/frame.ts).
//
// Reconnect-safe: when the connection drops, every request in flight fails with CONNECTION_CLOSED
// (retry hint `backoff`) and the next call dials again and repeats the handshake. The connection's
// session state (USE db) does not survive a reconnect: the database given to connect() does.
//
// Flow control: results arrive only as fast as the caller consumes them. A query is granted a
// window of `creditFrames` DATA frames / `creditBytes` bytes; queryStream() grants more as the
// consumer pulls, so a consumer that stops pulling stops the server's scan. Leaving a queryStream
// loop early (break, return, throw) sends CANCEL.
//
// Ordering: the frames of successive inserts (insert(), pipeInsert()) on one connection go out in
// call order, one request after the other (ClientConnection.sendTail), so a sync lane that pipelines
// its batches on one connection has them appended in order at the receiver.
import { DbError } from '../core/errors.ts';
import { systemClock } from '../core/clock.ts';
import { formatIdentifier } from '../sql/index.ts';
import { type Batch, type Column, type Origin, batchFromRows, rowArraysOf } from '../types/batch.ts';
import { decodeBatch, encodeBatch } from '../types/batch-codec.ts';
import { type DataType, parseDataType } from '../types/data-type.ts';
import { type Value, zeroValue } from '../types/vector.ts';
import { type Compressor, compressBatch } from './protocol/compression.ts';
import type { HelloOkMessage, Message } from './protocol/frame.ts';
import {
  CLIENT_CREDIT_BYTES_DEFAULT,
  CLIENT_CREDIT_FRAMES_DEFAULT,
  CLIENT_INSERT_BATCH_ROWS,
  CONNECTION_WRITE_BUFFER_BYTES_MAX,
  PIPE_PROTOCOL_VERSION,
  PROTOCOL_VERSION_MAX,
  PROTOCOL_VERSION_MIN,
} from './protocol/protocol-limits.ts';
import { type FrameConnection, dial } from './transport.ts';
import { errorFromFrame } from './wire-errors.ts';

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly password?: string;
  /** TLS; the server's certificate is verified against `ca` (or the system roots). */
  readonly secure?: boolean;
  readonly ca?: string | Buffer;
  /**
   * false disables certificate verification: an explicit opt-out, for tests and self-signed
   * setups. It is logged once per client through `onWarning`.
   */
  readonly rejectUnauthorized?: boolean;
  /** Receives warnings (one line each); default: written to stderr. */
  readonly onWarning?: (message: string) => void;
  readonly database?: string;
  readonly clientName?: string;
  /** This node's id when the client is a Tributary node (sync); '' otherwise. */
  readonly nodeId?: string;
  /** Protocol versions to offer (default: all this build speaks). */
  readonly versions?: { readonly min: number; readonly max: number };
  /** Read-ahead window of a query, in DATA frames and bytes. */
  readonly creditFrames?: number;
  readonly creditBytes?: number;
}

export interface QueryOptions {
  readonly params?: Readonly<Record<string, Value>>;
  /** Protocol-level query settings (e.g. max_result_rows); SQL SETTINGS go in the SQL text. */
  readonly settings?: Readonly<Record<string, string | number>>;
  readonly signal?: AbortSignal;
}

export interface QueryResult {
  readonly schema: readonly Column[];
  readonly rows: Value[][];
}

export interface InsertOptions {
  /** Default: the connection's database. */
  readonly database?: string;
  /** The origin of the data (exactly-once dedupe between nodes); needs a single batch. */
  readonly origin?: Origin;
}

export interface InsertResult {
  readonly rows: number;
  /** The sn of the first row written and one past the last (equal when nothing was written). */
  readonly firstSn: number;
  readonly endSn: number;
}

/** A pipe transfer (pipeInsert): what the receiver needs besides the batch. */
export interface PipeInsertOptions {
  /** The origin of the batch (exactly-once dedupe at the receiver). */
  readonly origin?: Origin;
  /** The sender's pipe name (the receiver's registry key, with the sender's node id). */
  readonly pipe: string;
  /** Ask the receiver to create the database, stream and columns it lacks (if its enable_auto_create_schema allows). */
  readonly autoCreate: boolean;
  /** Compress the batch (DATA_COMPRESSED); default none. See availableCompressors(). */
  readonly compressor?: Compressor | null;
  /** Extra options for the receiver's registry, e.g. `{ state: 'STOP' }`. */
  readonly report?: Readonly<Record<string, string>>;
}

export interface PipeInsertResult {
  readonly rows: number;
  /** The receiver already held the origin's range: acknowledged, nothing written. */
  readonly duplicate: boolean;
}

export interface ServerInfo {
  /** The protocol version negotiated at the handshake (PIPE_PROTOCOL_VERSION and up carry pipe transfers). */
  readonly version: number;
  readonly serverNodeId: string;
  readonly serverVersion: string;
  readonly database: string;
}

export type InsertData = readonly Readonly<Record<string, Value>>[] | Batch | readonly Batch[];

/** Opens a connection (so a bad address or password fails here) and returns the client. */
export async function connect(options: ConnectOptions): Promise<Client> {
  const client = new Client(options);
  await client.connection();
  return client;
}

/** Receives the frames of one request. */
interface RequestHandler {
  onMessage(message: Message): void;
  onClose(error: DbError): void;
}

/** One open, handshaken connection and its running requests. */
class ClientConnection {
  readonly transport: FrameConnection;
  readonly info: ServerInfo;
  private readonly requests = new Map<number, RequestHandler>();
  private nextId = 1;
  closed = false;

  constructor(transport: FrameConnection, info: ServerInfo) {
    this.transport = transport;
    this.info = info;
  }

  open(handler: RequestHandler): number {
    if (this.closed) throw new DbError('CONNECTION_CLOSED', 'the connection closed before the request was sent');
    const id = this.nextId;
    this.nextId = this.nextId === 0xffff_ffff ? 1 : this.nextId + 1;
    this.requests.set(id, handler);
    return id;
  }

  done(id: number): void {
    this.requests.delete(id);
  }

  send(message: Message): void {
    this.transport.send(message);
  }

  /** The frames of the last insert still being sent (inserts send one after another). */
  sendTail: Promise<void> = Promise.resolve();

  async writable(): Promise<void> {
    while (!this.closed && this.transport.bufferedBytes > CONNECTION_WRITE_BUFFER_BYTES_MAX) await this.transport.drained();
  }

  onMessage(message: Message): void {
    if (message.type === 'ERROR' && message.requestId === 0) {
      // A connection-level error: the server closes next; every request learns why.
      this.failAll(errorFromFrame(message));
      return;
    }
    this.requests.get(message.requestId)?.onMessage(message);
  }

  failAll(error: DbError): void {
    const handlers = [...this.requests.values()];
    this.requests.clear();
    for (const handler of handlers) handler.onClose(error);
  }

  onClose(error: DbError | null): void {
    this.closed = true;
    const detail = error === null ? 'the server closed the connection' : error.message;
    this.failAll(error !== null && error.code !== 'CONNECTION_CLOSED' ? error : new DbError('CONNECTION_CLOSED', detail));
  }
}

export class Client {
  private readonly options: ConnectOptions;
  private current: ClientConnection | null = null;
  private dialing: Promise<ClientConnection> | null = null;
  private closed = false;
  private readonly schemas = new Map<string, readonly (Column & { readonly defaultExpression: string })[]>();

  constructor(options: ConnectOptions) {
    this.options = options;
    if (options.secure === true && options.rejectUnauthorized === false) {
      const warn = options.onWarning ?? ((message: string) => process.stderr.write(`${message}\n`));
      warn(`warning: TLS certificate verification is disabled for ${options.host}:${options.port} (rejectUnauthorized: false); the server's identity is not checked`);
    }
  }

  /** What the server said in its HELLO_OK, once connected. */
  get serverInfo(): ServerInfo | null {
    return this.current?.info ?? null;
  }

  /** @internal The open connection, dialing (again) when there is none. */
  async connection(): Promise<ClientConnection> {
    if (this.closed) throw new DbError('CONNECTION_CLOSED', 'the client is closed');
    if (this.current !== null && !this.current.closed) return this.current;
    this.dialing ??= this.dial().finally(() => (this.dialing = null));
    return this.dialing;
  }

  private async dial(): Promise<ClientConnection> {
    const options = this.options;
    const transport = await dial(options);
    const versionMin = options.versions?.min ?? PROTOCOL_VERSION_MIN;
    const versionMax = options.versions?.max ?? PROTOCOL_VERSION_MAX;
    const hello = await new Promise<HelloOkMessage>((resolve, reject) => {
      let connection: ClientConnection | null = null;
      transport.start({
        onMessage: (message) => {
          if (connection !== null) connection.onMessage(message);
          else if (message.type === 'HELLO_OK') {
            connection = new ClientConnection(transport, { version: message.version, serverNodeId: message.serverNodeId, serverVersion: message.serverVersion, database: message.database });
            this.current = connection;
            resolve(message);
          } else if (message.type === 'ERROR') reject(errorFromFrame(message));
          else reject(new DbError('PROTOCOL_ERROR', `the server answered HELLO with ${message.type}`));
        },
        onClose: (error) => {
          if (connection !== null) connection.onClose(error);
          else reject(error ?? new DbError('CONNECTION_CLOSED', `${options.host}:${options.port} closed the connection during the handshake`));
        },
      });
      transport.send({
        type: 'HELLO',
        requestId: 0,
        versionMin,
        versionMax,
        user: options.user ?? 'default',
        password: options.password ?? '',
        database: options.database ?? '',
        clientName: options.clientName ?? 'tributary-client',
        nodeId: options.nodeId ?? '',
      });
    }).catch((error: unknown) => {
      transport.destroy();
      throw error;
    });
    if (hello.version < versionMin || hello.version > versionMax) {
      transport.destroy();
      throw new DbError('PROTOCOL_VERSION', `the server chose version ${hello.version}, outside this client's [${versionMin}, ${versionMax}]`);
    }
    if (this.closed) transport.close();
    const connection = this.current;
    if (connection === null) throw new DbError('INTERNAL', 'handshake completed without a connection');
    return connection;
  }

  /** Runs a bounded query and collects its rows. A streaming query is refused (use queryStream). */
  async query(sql: string, options: QueryOptions = {}): Promise<QueryResult> {
    const result = await this.collect(sql, options, 'query');
    return { schema: result.schema, rows: result.rows };
  }

  /** Runs a statement (DDL, INSERT … VALUES, USE); resolves with the rows it wrote. */
  async execute(sql: string, options: QueryOptions = {}): Promise<{ writtenRows: number }> {
    const result = await this.collect(sql, options, 'execute');
    return { writtenRows: result.writtenRows };
  }

  /** Runs a query whose results arrive as batches, pulled by the consumer (bounded or streaming). */
  queryStream(sql: string, options: QueryOptions = {}): QueryStream {
    return new QueryStream(this, sql, options, this.creditWindow());
  }

  /** Appends rows (objects, converted with the stream's schema) or batches; resolves once durable. */
  async insert(stream: string, data: InsertData, options: InsertOptions = {}): Promise<InsertResult> {
    const batches = await this.insertBatches(stream, data, options.database);
    if (options.origin !== undefined && batches.length > 1) {
      throw new DbError('INVALID_ARGUMENT', `an origin covers one batch; this insert has ${batches.length}`);
    }
    const encoded = batches.map((batch) => encodeBatch(batch, { baseSn: 0, appendTimeMs: systemClock.nowMs(), origin: options.origin ?? null }));
    const connection = await this.connection();
    const rows = batches.reduce((sum, b) => sum + b.rowCount, 0);
    const acknowledged = sendInsert(connection, { type: 'INSERT', requestId: 0, stream, database: options.database ?? '' }, rows, (id) =>
      encoded.map((batch): Message => ({ type: 'DATA', requestId: id, batch })),
    );
    return acknowledged.catch((error: unknown) => {
      // The stream may have been recreated with other columns: describe it afresh next time.
      if (error instanceof DbError && error.code === 'SCHEMA_MISMATCH') this.schemas.delete(`${options.database ?? ''}\u0000${stream}`);
      throw error;
    });
  }

  /**
   * A pipe transfer (PIPE_INSERT, protocol 2): one batch, or none (`batch` null: a report that only
   * updates the receiver's registry of pipes, e.g. `report: { state: 'STOP' }`). Needs a connection
   * made with clientName PIPE_CLIENT_NAME from an address in the receiver's ip_white_list. Resolves
   * once the batch is durable at the receiver; a receiver speaking protocol 1 gets PROTOCOL_VERSION.
   */
  async pipeInsert(database: string, stream: string, batch: Batch | null, options: PipeInsertOptions): Promise<PipeInsertResult> {
    const origin = options.origin ?? null;
    const compressor = options.compressor ?? null;
    // Started before the first await, so this call's place among the connection's inserts is its call order.
    const payload = batch === null ? null : encodePipeBatch(batch, origin, compressor);
    payload?.catch(() => undefined);
    const connection = await this.connection();
    if (connection.info.version < PIPE_PROTOCOL_VERSION) {
      throw new DbError(
        'PROTOCOL_VERSION',
        `the receiver ${this.options.host}:${this.options.port} speaks protocol ${connection.info.version}, and pipe transfers need ${PIPE_PROTOCOL_VERSION}: use the legacy sink (iotdb-legacy-pipe-sink) for it`,
      );
    }
    const pipeOptions = new Map<string, string>(Object.entries(options.report ?? {}));
    pipeOptions.set('pipe', options.pipe);
    pipeOptions.set('auto_create', options.autoCreate ? 'true' : 'false');
    const rows = batch?.rowCount ?? 0;
    const result = await sendInsert(connection, { type: 'PIPE_INSERT', requestId: 0, database, stream, options: pipeOptions }, rows, async (id) => {
      const frame = await payload;
      return frame === null || frame === undefined ? [] : [{ ...frame, requestId: id }];
    });
    return { rows: result.rows, duplicate: origin !== null && rows > 0 && result.rows === 0 };
  }

  async ping(): Promise<void> {
    const connection = await this.connection();
    await new Promise<void>((resolve, reject) => {
      const id = connection.open({
        onMessage: (message) => {
          if (message.type !== 'PONG') return;
          connection.done(id);
          resolve();
        },
        onClose: reject,
      });
      connection.send({ type: 'PING', requestId: id });
    });
  }

  /** Closes the connection; requests in flight fail with CONNECTION_CLOSED. Later calls fail too. */
  close(): void {
    this.closed = true;
    const connection = this.current;
    this.current = null;
    if (connection !== null) {
      connection.failAll(new DbError('CONNECTION_CLOSED', 'the client was closed'));
      connection.transport.close();
    }
  }

  /** @internal */
  creditWindow(): { frames: number; bytes: number } {
    return { frames: this.options.creditFrames ?? CLIENT_CREDIT_FRAMES_DEFAULT, bytes: this.options.creditBytes ?? CLIENT_CREDIT_BYTES_DEFAULT };
  }

  private async collect(sql: string, options: QueryOptions, mode: 'query' | 'execute'): Promise<{ schema: readonly Column[]; rows: Value[][]; writtenRows: number }> {
    const connection = await this.connection();
    const window = this.creditWindow();
    return new Promise((resolve, reject) => {
      let schema: readonly Column[] = [];
      const rows: Value[][] = [];
      const finish = (error: DbError | null, writtenRows = 0) => {
        connection.done(id);
        options.signal?.removeEventListener('abort', onAbort);
        if (error === null) resolve({ schema, rows, writtenRows });
        else reject(error);
      };
      const onAbort = () => {
        connection.send({ type: 'CANCEL', requestId: id });
        finish(new DbError('QUERY_CANCELLED', 'cancelled by the caller'));
      };
      const id = connection.open({
        onMessage: (message) => {
          switch (message.type) {
            case 'SCHEMA':
              schema = message.columns;
              if (message.streaming) {
                connection.send({ type: 'CANCEL', requestId: id });
                finish(new DbError('INVALID_ARGUMENT', `${mode}() needs a bounded query; this one streams (use queryStream(), table(stream) or LIMIT)`));
              }
              return;
            case 'DATA': {
              if (mode === 'query') rows.push(...rowArraysOf(decodeBatch(message.batch).batch));
              connection.send({ type: 'CREDIT', requestId: id, frames: 1, bytes: message.batch.length });
              return;
            }
            case 'END':
              finish(null, schema.length === 0 ? message.rows : 0);
              return;
            case 'ERROR':
              finish(errorFromFrame(message));
              return;
            default:
              return;
          }
        },
        onClose: (error) => finish(error),
      });
      if (options.signal?.aborted === true) {
        connection.done(id);
        reject(new DbError('QUERY_CANCELLED', 'cancelled by the caller before it started'));
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        connection.send(queryFrame(id, sql, options));
      } catch (error) {
        finish(error instanceof DbError ? error : new DbError('INVALID_ARGUMENT', String(error)));
        return;
      }
      connection.send({ type: 'CREDIT', requestId: id, frames: window.frames, bytes: window.bytes });
    });
  }

  private async insertBatches(stream: string, data: InsertData, database: string | undefined): Promise<Batch[]> {
    if (isBatch(data)) return [data];
    if (data.length === 0) return [];
    if (data.every(isBatch)) return [...(data as readonly Batch[])];
    const rows = data as readonly Readonly<Record<string, Value>>[];
    const columns = await this.describe(stream, database);
    const nowMs = systemClock.nowMs();
    const filled = rows.map((row) => fillMissing(row, columns, nowMs, stream));
    const batches: Batch[] = [];
    const schema = columns.map((c) => ({ name: c.name, type: c.type }));
    for (let start = 0; start < filled.length; start += CLIENT_INSERT_BATCH_ROWS) {
      batches.push(batchFromRows(schema, filled.slice(start, start + CLIENT_INSERT_BATCH_ROWS)));
    }
    return batches;
  }

  /** The stream's columns (name, type, default) from the server's DESCRIBE, cached per client. */
  private async describe(stream: string, database: string | undefined): Promise<readonly (Column & { readonly defaultExpression: string })[]> {
    const key = `${database ?? ''}\u0000${stream}`;
    const cached = this.schemas.get(key);
    if (cached !== undefined) return cached;
    const name = database === undefined ? formatIdentifier(stream) : `${formatIdentifier(database)}.${formatIdentifier(stream)}`;
    const result = await this.query(`DESCRIBE ${name}`);
    const columns = result.rows.map((row) => ({ name: String(row[0]), type: parseDataType(String(row[1])), defaultExpression: String(row[2] ?? '') }));
    this.schemas.set(key, columns);
    return columns;
  }
}

/** An async iterator over a query's result batches; iterate it once. */
export class QueryStream implements AsyncIterable<Batch>, AsyncIterator<Batch> {
  /** The result's columns, once the server has sent them. */
  readonly schema: Promise<readonly Column[]>;
  private readonly queue: Batch[] = [];
  private waiter: { resolve: (result: IteratorResult<Batch>) => void; reject: (error: DbError) => void } | null = null;
  private ended = false;
  private failure: DbError | null = null;
  private connection: ClientConnection | null = null;
  private id = 0;
  private owedFrames = 0;
  private owedBytes = 0;
  private readonly window: { frames: number; bytes: number };
  private resolveSchema!: (columns: readonly Column[]) => void;
  private rejectSchema!: (error: DbError) => void;

  constructor(client: Client, sql: string, options: QueryOptions, window: { frames: number; bytes: number }) {
    this.window = window;
    this.schema = new Promise((resolve, reject) => {
      this.resolveSchema = resolve;
      this.rejectSchema = reject;
    });
    this.schema.catch(() => undefined); // surfaced through next() as well
    options.signal?.addEventListener('abort', () => this.cancelWith(new DbError('QUERY_CANCELLED', 'cancelled by the caller')), { once: true });
    void client.connection().then(
      (connection) => this.start(connection, sql, options),
      (error: unknown) => this.fail(error as DbError),
    );
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this;
  }

  next(): Promise<IteratorResult<Batch>> {
    const batch = this.queue.shift();
    if (batch !== undefined) {
      this.repay(batch);
      return Promise.resolve({ done: false, value: batch });
    }
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Leaving a for-await loop early lands here: the query is cancelled on the server. */
  async return(): Promise<IteratorResult<Batch>> {
    this.cancel();
    return { done: true, value: undefined };
  }

  /** Stops the query; a pending next() ends with done. */
  cancel(): void {
    if (this.ended || this.failure !== null) return;
    if (this.connection !== null && !this.connection.closed) this.connection.send({ type: 'CANCEL', requestId: this.id });
    this.finishRequest();
    this.ended = true;
    this.queue.length = 0;
    this.waiter?.resolve({ done: true, value: undefined });
    this.waiter = null;
    this.rejectSchema(new DbError('QUERY_CANCELLED', 'the stream was cancelled'));
  }

  private cancelWith(error: DbError): void {
    if (this.ended || this.failure !== null) return;
    if (this.connection !== null && !this.connection.closed) this.connection.send({ type: 'CANCEL', requestId: this.id });
    this.fail(error);
  }

  private start(connection: ClientConnection, sql: string, options: QueryOptions): void {
    if (this.ended || this.failure !== null) return;
    this.connection = connection;
    this.id = connection.open({ onMessage: (message) => this.onMessage(message), onClose: (error) => this.fail(error) });
    try {
      connection.send(queryFrame(this.id, sql, options));
    } catch (error) {
      this.fail(error instanceof DbError ? error : new DbError('INVALID_ARGUMENT', String(error)));
      return;
    }
    connection.send({ type: 'CREDIT', requestId: this.id, frames: this.window.frames, bytes: this.window.bytes });
  }

  private onMessage(message: Message): void {
    switch (message.type) {
      case 'SCHEMA':
        this.resolveSchema(message.columns);
        return;
      case 'DATA': {
        let batch: Batch;
        try {
          batch = decodeBatch(message.batch).batch;
        } catch (error) {
          this.cancelWith(error as DbError);
          return;
        }
        this.sizes.set(batch, message.batch.length);
        if (this.waiter !== null) {
          this.repay(batch);
          this.waiter.resolve({ done: false, value: batch });
          this.waiter = null;
        } else this.queue.push(batch);
        return;
      }
      case 'END':
        this.resolveSchema([]);
        this.finishRequest();
        this.ended = true;
        this.waiter?.resolve({ done: true, value: undefined });
        this.waiter = null;
        return;
      case 'ERROR':
        this.fail(errorFromFrame(message));
        return;
      default:
        return;
    }
  }

  private readonly sizes = new WeakMap<Batch, number>();

  /** Credit goes back as the consumer takes batches: half a window at a time, so CREDIT frames stay few. */
  private repay(batch: Batch): void {
    this.owedFrames += 1;
    this.owedBytes += this.sizes.get(batch) ?? 0;
    const connection = this.connection;
    if (connection === null || connection.closed || this.ended) return;
    if (this.owedFrames >= Math.max(1, Math.floor(this.window.frames / 2)) || this.owedBytes >= this.window.bytes / 2) {
      connection.send({ type: 'CREDIT', requestId: this.id, frames: this.owedFrames, bytes: Math.max(1, this.owedBytes) });
      this.owedFrames = 0;
      this.owedBytes = 0;
    }
  }

  private fail(error: DbError): void {
    if (this.ended || this.failure !== null) return;
    this.failure = error;
    this.finishRequest();
    this.rejectSchema(error);
    this.queue.length = 0;
    this.waiter?.reject(error);
    this.waiter = null;
  }

  private finishRequest(): void {
    if (this.connection !== null && this.id !== 0) this.connection.done(this.id);
  }
}

/**
 * Sends one insert request (INSERT or PIPE_INSERT, then its data frames, then END) and resolves with
 * its INSERT_OK. Inserts on one connection put their frames on the wire in call order, one insert
 * after the other (their acknowledgements still overlap): the server appends in arrival order, and
 * a sender that pipelines one lane's batches relies on that order for exactly-once (a later batch
 * overtaking an earlier one would make the earlier look like a replay). `head.requestId` is replaced.
 */
function sendInsert(
  connection: ClientConnection,
  head: Extract<Message, { type: 'INSERT' | 'PIPE_INSERT' }>,
  rows: number,
  dataFrames: (id: number) => readonly Message[] | Promise<readonly Message[]>,
): Promise<InsertResult> {
  let failed: DbError | null = null;
  return new Promise<InsertResult>((resolve, reject) => {
    const id = connection.open({
      onMessage: (message) => {
        if (message.type === 'INSERT_OK') resolve({ rows: message.rows, firstSn: message.firstSn, endSn: message.endSn });
        else if (message.type === 'ERROR') reject((failed = errorFromFrame(message)));
        else return;
        connection.done(id);
      },
      onClose: (error) => reject((failed = error)),
    });
    const previous = connection.sendTail;
    const sent = (async () => {
      await previous;
      let frames: readonly Message[];
      try {
        frames = await dataFrames(id);
      } catch (error) {
        // Nothing of this request is on the wire yet: it fails alone.
        connection.done(id);
        reject((failed = error instanceof DbError ? error : new DbError('INTERNAL', String(error), {}, { cause: error })));
        return;
      }
      if (failed !== null || connection.closed) return;
      connection.send({ ...head, requestId: id });
      for (const frame of frames) {
        await connection.writable();
        if (failed !== null || connection.closed) return;
        connection.send(frame);
      }
      connection.send({ type: 'END', requestId: id, rows });
    })().catch(() => undefined);
    connection.sendTail = sent;
  });
}

/** One batch as the data frame of a pipe transfer: DATA, or DATA_COMPRESSED with `compressor`. */
async function encodePipeBatch(batch: Batch, origin: Origin | null, compressor: Compressor | null): Promise<Message> {
  const encoded = encodeBatch(batch, { baseSn: 0, appendTimeMs: systemClock.nowMs(), origin });
  if (compressor === null) return { type: 'DATA', requestId: 0, batch: encoded };
  const compressed = await compressBatch(compressor, encoded);
  return { type: 'DATA_COMPRESSED', requestId: 0, compressor, uncompressedBytes: encoded.length, compressed };
}

function isBatch(value: unknown): value is Batch {
  return typeof value === 'object' && value !== null && 'vectors' in value && 'columns' in value && 'rowCount' in value;
}

function queryFrame(id: number, sql: string, options: QueryOptions): Message {
  const settings = new Map(Object.entries(options.settings ?? {}).map(([key, value]) => [key, String(value)]));
  const params = new Map<string, Value>(Object.entries(options.params ?? {}));
  return { type: 'QUERY', requestId: id, sql, settings, params };
}

/**
 * A row with every column of the stream: `_tp_time` defaults to now (as its DEFAULT now64(3) would),
 * a nullable column to NULL, any other column without a DEFAULT to its type's zero. A column whose
 * DEFAULT is an expression the client cannot evaluate must be given.
 */
function fillMissing(
  row: Readonly<Record<string, Value>>,
  columns: readonly (Column & { readonly defaultExpression: string })[],
  nowMs: number,
  stream: string,
): Record<string, Value> {
  const known = new Set(columns.map((c) => c.name));
  for (const key of Object.keys(row)) {
    if (!known.has(key)) throw new DbError('INVALID_VALUE', `stream ${stream} has no column '${key}'`);
  }
  const out: Record<string, Value> = {};
  for (const column of columns) {
    if (Object.hasOwn(row, column.name) && row[column.name] !== undefined) {
      Object.defineProperty(out, column.name, { value: row[column.name], enumerable: true, writable: true });
      continue;
    }
    let value: Value;
    if (column.name === '_tp_time' && /^now64\(3?\)$|^now\(\)$/i.test(column.defaultExpression.replace(/\s/g, ''))) value = nowMs;
    else if (column.type.kind === 'nullable') value = null;
    else if (column.defaultExpression === '') value = zeroValue(column.type);
    else throw new DbError('INVALID_VALUE', `column '${column.name}' of ${stream} has DEFAULT ${column.defaultExpression}, which the client cannot evaluate: give a value`);
    Object.defineProperty(out, column.name, { value, enumerable: true, writable: true });
  }
  return out;
}


