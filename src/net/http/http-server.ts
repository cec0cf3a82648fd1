// The HTTP API (default port 3218), compatible with ClickHouse's so that @clickhouse/client,
// curl and ClickHouse tools work unchanged. Routes:
//   GET|POST /?query=…   one statement (query parameter, body, or both: see http-statement.ts);
//                        GET may only read (SELECT, SHOW, DESCRIBE), as ClickHouse's GET is readonly
//   GET /                `Ok.` (ClickHouse's liveness answer), as does /ping
//   GET /metrics         Prometheus text, rendered by the metrics given at start
// Authentication is the same hook as the native server's (server-connection.ts): it resolves with
// the user or throws AUTH_FAILED, which answers 401.
// Every answer carries X-ClickHouse-Query-Id; results carry X-ClickHouse-Format and
// X-ClickHouse-Summary. Errors are described in http-errors.ts.
//
// Results: a bounded query's rows are complete before the status line goes out, so its errors get
// a proper status; up to HTTP_WHOLE_RESULT_CHARS_MAX they go out whole, with Content-Length. A
// live query answers 200 at once (chunked) and sends a chunk per batch as rows arrive, waiting for
// the client to drain (back-pressure); when the client disconnects the query is cancelled; an error
// after the status line is sent in band (X-ClickHouse-Exception-Tag).
// An INSERT is answered after its rows are durable (the engine's append returns then). Its body is
// read into a reused buffer (body-pool.ts) and its rows parsed from the bytes, never decoded whole.
//
// Shutdown (close): stop accepting, cancel running queries (their responses end cleanly), let
// inserts finish for up to HTTP_SHUTDOWN_GRACE_MS, then close every connection.
import { randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DbError } from '../../core/errors.ts';
import type { ExecuteResult, TributaryNode } from '../../engine/node.ts';
import { releaseInsertData } from '../../engine/format/insert-data.ts';
import { type OutputFormat, createOutputFormat, resolveOutputFormat } from '../../engine/format/output-formats.ts';
import type { Batch } from '../../types/batch.ts';
import { type Authenticate, loopbackDefaultAuthenticate } from '../server-connection.ts';
import { BodyPool } from './body-pool.ts';
import { type ErrorReply, dbErrorReply, errorReply, errorText, inBandErrorText } from './http-errors.ts';
import { HTTP_BODY_BYTES_MAX, HTTP_BODY_DISCARD_BYTES_MAX, HTTP_SHUTDOWN_GRACE_MS, HTTP_WHOLE_RESULT_CHARS_MAX } from './http-limits.ts';
import { BodyTooLargeError, type Credentials, type RequestSettings, readBody, requestSettings } from './http-request.ts';
import { type PreparedStatement, prepareStatement } from './http-statement.ts';

export type { Authenticate };

/** Accepts user `default` with an empty password from loopback, as a fresh ClickHouse does, and nobody else. */
export const defaultAuthenticate: Authenticate = loopbackDefaultAuthenticate;

/** What the server reports to the node's metrics (src/server/metrics.ts implements it). */
export interface HttpMetrics {
  connectionOpened(protocol: 'http'): void;
  connectionClosed(protocol: 'http'): void;
  queryStarted(protocol: 'http'): void;
  queryFailed(protocol: 'http', wireCode: number, name: string): void;
  /** The Prometheus text exposition of every metric. */
  render(): string;
}

/** The part of a pino logger this module uses. */
export interface HttpLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface HttpServerOptions {
  readonly node: TributaryNode;
  readonly host: string;
  /** 0 picks a free port; the bound one is in HttpServer.port. */
  readonly port: number;
  readonly authenticate?: Authenticate;
  readonly metrics?: HttpMetrics;
  readonly logger?: HttpLogger;
  /** Defaults to HTTP_BODY_BYTES_MAX; tests lower it. */
  readonly bodyBytesMax?: number;
}

export interface HttpServer {
  readonly host: string;
  readonly port: number;
  /** Queries running now (live queries included). */
  runningQueries(): number;
  close(graceMs?: number): Promise<void>;
}

interface RunningRequest {
  readonly controller: AbortController;
  /** Queries are cancelled on shutdown; inserts and DDL are left to finish. */
  cancellable: boolean;
  readonly finished: Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const handler = new RequestHandler(options);
  const server = createServer((request, response) => handler.serve(request, response));
  server.on('connection', (socket: Socket) => {
    options.metrics?.connectionOpened('http');
    socket.once('close', () => options.metrics?.connectionClosed('http'));
  });
  server.on('clientError', (error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    options.logger?.debug({ err: error.message }, 'http client error');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    host: options.host,
    port: address.port,
    runningQueries: () => handler.runningQueries(),
    close: (graceMs = HTTP_SHUTDOWN_GRACE_MS) => closeServer(server, handler, graceMs),
  };
}

async function closeServer(server: Server, handler: RequestHandler, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  handler.cancelQueries();
  server.closeIdleConnections();
  await handler.drain(graceMs);
  server.closeAllConnections();
  await closed;
}

class RequestHandler {
  private readonly options: HttpServerOptions;
  private readonly authenticate: Authenticate;
  private readonly running = new Set<RunningRequest>();
  private readonly bodies = new BodyPool();

  constructor(options: HttpServerOptions) {
    this.options = options;
    this.authenticate = options.authenticate ?? defaultAuthenticate;
  }

  runningQueries(): number {
    let count = 0;
    for (const request of this.running) if (request.cancellable) count++;
    return count;
  }

  cancelQueries(): void {
    for (const request of this.running) {
      if (request.cancellable) request.controller.abort(new DbError('QUERY_CANCELLED', 'server shutting down'));
    }
  }

  async drain(graceMs: number): Promise<void> {
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all([...this.running].map((r) => r.finished)), timeout]);
    clearTimeout(timer);
  }

  serve(request: IncomingMessage, response: ServerResponse): void {
    response.on('error', () => undefined); // a vanished client is seen through 'close'
    const controller = new AbortController();
    let finish = () => {};
    const entry: RunningRequest = { controller, cancellable: false, finished: new Promise<void>((resolve) => (finish = resolve)) };
    this.running.add(entry);
    response.once('close', () => {
      if (!response.writableFinished) controller.abort(new DbError('QUERY_CANCELLED', 'the client disconnected'));
    });
    const queryId = randomUUID();
    this.route(request, response, entry, queryId)
      .catch((error: unknown) => this.fail(response, error, queryId))
      .finally(() => {
        this.running.delete(entry);
        finish();
      });
  }

  private async route(request: IncomingMessage, response: ServerResponse, entry: RunningRequest, defaultQueryId: string): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping' || url.pathname === '/replicas_status') {
      request.resume();
      return replyText(response, 200, 'Ok.\n');
    }
    if (url.pathname === '/metrics' && this.options.metrics !== undefined) {
      request.resume();
      response.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
      return replyText(response, 200, this.options.metrics.render());
    }
    if (url.pathname !== '/') {
      request.resume();
      throw dbErrorReply(new DbError('OBJECT_NOT_FOUND', `no HTTP handler for ${url.pathname} (try /, /ping, /metrics)`));
    }
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST' && method !== 'HEAD') {
      request.resume();
      throw dbErrorReply(new DbError('INVALID_ARGUMENT', `HTTP method ${method} (use GET or POST)`), 405);
    }
    const settings = requestSettings(request, url);
    const queryId = settings.queryId ?? defaultQueryId;
    response.setHeader('X-ClickHouse-Query-Id', queryId);
    if (method !== 'POST' && settings.query === null) {
      request.resume();
      return replyText(response, 200, 'Ok.\n');
    }
    const user = await this.checkCredentials(request, settings.credentials);
    this.options.metrics?.queryStarted('http');
    await this.runQuery(request, response, entry, settings, queryId, method, user);
  }

  /** Resolves with the authenticated user. */
  private async checkCredentials(request: IncomingMessage, credentials: Credentials): Promise<string> {
    try {
      return (await this.authenticate(credentials.user, credentials.password, request.socket.remoteAddress ?? '')).user;
    } catch (error) {
      request.resume();
      throw error;
    }
  }

  private async runQuery(
    request: IncomingMessage,
    response: ServerResponse,
    entry: RunningRequest,
    settings: RequestSettings,
    queryId: string,
    method: string,
    user: string,
  ): Promise<void> {
    const startedNs = process.hrtime.bigint();
    let body: Buffer = EMPTY_BODY;
    if (method === 'POST') body = await readBody(request, this.options.bodyBytesMax ?? HTTP_BODY_BYTES_MAX, HTTP_BODY_DISCARD_BYTES_MAX, this.bodies);
    else request.resume();
    let prepared: PreparedStatement | null = null;
    try {
      if ((settings.query ?? '').trim() === '' && isBlank(body)) throw dbErrorReply(new DbError('SYNTAX_ERROR', 'empty query'));
      // The body stays bytes: the rows of an INSERT … FORMAT are read from them, never decoded whole.
      prepared = prepareStatement(settings.query, body);
      await this.runStatement(response, entry, settings, queryId, method, user, prepared, startedNs, body.length);
    } finally {
      // Nothing keeps the body past its request: its buffer serves the next one.
      if (prepared !== null && prepared.statement.kind === 'Insert' && prepared.statement.body.kind === 'InsertFormat') releaseInsertData(prepared.statement.body);
      this.bodies.release(body);
    }
  }

  private async runStatement(
    response: ServerResponse,
    entry: RunningRequest,
    settings: RequestSettings,
    queryId: string,
    method: string,
    user: string,
    prepared: PreparedStatement,
    startedNs: bigint,
    bodyBytes: number,
  ): Promise<void> {
    const statement = prepared.statement;
    const reads = statement.kind === 'Select' || statement.kind === 'Union' || statement.kind.startsWith('Show') || statement.kind === 'Describe';
    if (method !== 'POST' && !reads) {
      throw dbErrorReply(new DbError('INVALID_ARGUMENT', `a GET request may only read; send ${statement.kind} statements with POST`));
    }
    const formatName = prepared.format ?? settings.defaultFormat ?? 'TabSeparated';
    if (resolveOutputFormat(formatName) === null) createOutputFormat(formatName, []); // throws, naming the formats
    const database = settings.database ?? 'default';
    if (this.options.node.storage.catalog.findDatabase(database) === undefined) throw new DbError('DATABASE_NOT_FOUND', database);
    entry.cancellable = reads;
    const session = this.options.node.session({ user });
    const result = await session.executeStatement(statement, { database, params: settings.params, signal: entry.controller.signal });
    const context: ResultContext = { response, queryId, startedNs, method, quote64: settings.quote64BitIntegers, signal: entry.controller.signal };
    if (result.kind === 'ok') return this.sendOk(context, result.writtenRows, bodyBytes);
    const format = createOutputFormat(formatName, result.schema, { quote64BitIntegers: settings.quote64BitIntegers });
    if (result.kind === 'rows') return this.sendRows(context, format, result.batches, result.rowCount);
    return this.sendStream(context, format, result);
  }

  private sendOk(context: ResultContext, writtenRows: number, writtenBytes: number): void {
    const response = context.response;
    response.setHeader('X-ClickHouse-Summary', summary(context, { writtenRows, writtenBytes: writtenRows > 0 ? writtenBytes : 0 }));
    replyText(response, 200, '');
    this.options.logger?.debug({ query_id: context.queryId, written_rows: writtenRows }, 'http statement done');
  }

  private async sendRows(context: ResultContext, format: OutputFormat, batches: readonly Batch[], rowCount: number): Promise<void> {
    const response = context.response;
    response.statusCode = 200;
    response.setHeader('Content-Type', format.contentType);
    response.setHeader('X-ClickHouse-Format', format.name);
    response.setHeader('X-ClickHouse-Timezone', 'UTC');
    response.setHeader('X-ClickHouse-Summary', summary(context, { resultRows: rowCount, readRows: rowCount }));
    if (context.method === 'HEAD') {
      sendHeadersOnly(response, format);
      return;
    }
    // A small result goes out whole with Content-Length: headers and rows in one write, and no chunk
    // framing for the client to parse.
    const parts: string[] = [format.header()];
    let chars = parts[0].length;
    let next = 0;
    while (next < batches.length && chars <= HTTP_WHOLE_RESULT_CHARS_MAX) {
      const text = format.rows(batches[next++]);
      parts.push(text);
      chars += text.length;
    }
    if (next === batches.length && chars <= HTTP_WHOLE_RESULT_CHARS_MAX) {
      parts.push(format.footer(outputStats(context, rowCount)));
      const body = parts.join('');
      response.setHeader('Content-Length', Buffer.byteLength(body));
      response.end(body);
      return;
    }
    // A larger one is streamed (chunked), waiting for a slow client to drain.
    for (const text of parts) await write(response, text);
    while (next < batches.length) {
      if (response.destroyed) return;
      await write(response, format.rows(batches[next++]));
    }
    response.end(format.footer(outputStats(context, rowCount)));
  }

  private async sendStream(context: ResultContext, format: OutputFormat, result: Extract<ExecuteResult, { kind: 'stream' }>): Promise<void> {
    const response = context.response;
    if (context.method === 'HEAD') {
      result.cancel(); // a HEAD answer has no body, so a live query would only run for nobody
      sendHeadersOnly(response, format);
      return;
    }
    const cancel = () => result.cancel();
    context.signal.addEventListener('abort', cancel, { once: true });
    const tag = exceptionTag();
    response.statusCode = 200;
    response.setHeader('Content-Type', format.contentType);
    response.setHeader('X-ClickHouse-Format', format.name);
    response.setHeader('X-ClickHouse-Timezone', 'UTC');
    response.setHeader('X-ClickHouse-Exception-Tag', tag);
    response.setHeader('X-ClickHouse-Summary', summary(context, {}));
    response.flushHeaders(); // the client's query() resolves now, before the first row exists
    let rows = 0;
    try {
      await write(response, format.header());
      for await (const batch of result.batches) {
        if (response.destroyed) break;
        rows += batch.rowCount;
        await write(response, format.rows(batch));
      }
      if (!response.destroyed) response.end(format.footer(outputStats(context, rows)));
    } catch (error) {
      const reply = errorReply(error);
      this.options.metrics?.queryFailed('http', reply.wireCode, reply.name);
      this.logFailure(reply, context.queryId, error);
      if (!response.destroyed) response.end(inBandErrorText(reply, tag));
    } finally {
      context.signal.removeEventListener('abort', cancel);
      result.cancel();
    }
  }

  private fail(response: ServerResponse, error: unknown, queryId: string): void {
    const reply = errorReply(error);
    this.options.metrics?.queryFailed('http', reply.wireCode, reply.name);
    this.logFailure(reply, queryId, error);
    if (response.destroyed) return;
    if (response.headersSent) {
      response.end();
      return;
    }
    if (error instanceof BodyTooLargeError && error.closeConnection) response.setHeader('Connection', 'close');
    response.setHeader('X-ClickHouse-Exception-Code', String(reply.wireCode));
    response.setHeader('Content-Type', 'text/plain; charset=UTF-8');
    replyText(response, reply.status, errorText(reply));
  }

  private logFailure(reply: ErrorReply, queryId: string, error: unknown): void {
    const fields = { query_id: queryId, code: reply.wireCode, name: reply.name, status: reply.status, err: reply.message };
    if (reply.internal) this.options.logger?.error({ ...fields, stack: error instanceof Error ? error.stack : undefined }, 'http request failed');
    else this.options.logger?.debug(fields, 'http request failed');
  }
}

const EMPTY_BODY = Buffer.alloc(0);

/** Whether the body is only whitespace (as String.prototype.trim sees it, for ASCII). */
function isBlank(body: Buffer): boolean {
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== 32 && (c < 9 || c > 13)) return c >= 0x80 ? body.toString('utf8').trim() === '' : false;
  }
  return true;
}

interface ResultContext {
  readonly response: ServerResponse;
  readonly queryId: string;
  readonly startedNs: bigint;
  readonly method: string;
  readonly quote64: boolean;
  readonly signal: AbortSignal;
}

function sendHeadersOnly(response: ServerResponse, format: OutputFormat): void {
  response.statusCode = 200;
  response.setHeader('Content-Type', format.contentType);
  response.setHeader('X-ClickHouse-Format', format.name);
  response.end();
}

function replyText(response: ServerResponse, status: number, text: string): void {
  response.statusCode = status;
  if (!response.hasHeader('Content-Type')) response.setHeader('Content-Type', 'text/plain; charset=UTF-8');
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(text);
}

/** Writes a chunk and waits while the client is slower than the query (or until it goes away). */
async function write(response: ServerResponse, text: string): Promise<void> {
  if (text === '' || response.destroyed) return;
  if (response.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/** X-ClickHouse-Summary: ClickHouse's JSON object of counters, values as strings. */
function summary(
  context: ResultContext,
  counts: { readRows?: number; writtenRows?: number; writtenBytes?: number; resultRows?: number },
): string {
  return JSON.stringify({
    read_rows: String(counts.readRows ?? 0),
    read_bytes: '0',
    written_rows: String(counts.writtenRows ?? 0),
    written_bytes: String(counts.writtenBytes ?? 0),
    total_rows_to_read: '0',
    result_rows: String(counts.resultRows ?? 0),
    result_bytes: '0',
    elapsed_ns: String(process.hrtime.bigint() - context.startedNs),
  });
}

function outputStats(context: ResultContext, rows: number) {
  const elapsedSeconds = Number(process.hrtime.bigint() - context.startedNs) / 1e9;
  return { rows, elapsedSeconds, rowsRead: rows, bytesRead: 0 };
}

/** A random tag for in-band errors: letters only, so it can never be mistaken for row data's framing. */
function exceptionTag(): string {
  return [...randomBytes(16)].map((b) => String.fromCharCode(97 + (b % 26))).join('');
}
