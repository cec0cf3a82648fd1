// One client connection on the native server: the handshake, then concurrent requests (queries
// and inserts), each under its request id. native-server.ts owns the listener and the set of these.
//
// States: handshake → authenticating → ready → closed. Any frame other than HELLO first, or any
// frame while the HELLO is being checked, is PROTOCOL_ERROR and closes the connection.
//
// Memory bounds per connection (all named in protocol-limits.ts and overridable per server):
//   - before the handshake completes a frame may not exceed HANDSHAKE_FRAME_BYTES_MAX;
//   - a query sends DATA only while the client has granted credit (CREDIT frames), and only while
//     the socket's write queue is under CONNECTION_WRITE_BUFFER_BYTES_MAX, so a client that stops
//     reading stops the query's reading of its stream: nothing piles up in the server;
//   - received INSERT data not yet durable is bounded by CONNECTION_INFLIGHT_BYTES_MAX: past it the
//     connection stops reading its socket until appends complete;
//   - a peer that does not read its replies (a PING flood) stops being read too.
// Frames for a request id that is not running (it ended, failed or was cancelled while the frame
// was on its way) are dropped: CANCEL, CREDIT and the rest of an insert's DATA race with the end.
//
// Pipe transfers (protocol version 2): a connection whose HELLO client name is PIPE_CLIENT_NAME is a
// pipe sender; its address must be in the node's ip_white_list (PIPE_SENDER_REFUSED at the
// handshake, before authentication). Only such a connection may send PIPE_INSERT; its batches go
// through node.pipeReceiver (schema creation, conforming, the registry of incoming pipes) and are
// appended with their origin exactly as INSERT's are, sharing INSERT's ordering and in-flight bounds.
// Frames newer than the negotiated version are PROTOCOL_ERROR and close the connection.
import { LOOPBACK_NETWORKS } from '../core/networks.ts';
import { DbError } from '../core/errors.ts';
import type { ExecuteResult, Session, TributaryNode } from '../engine/node.ts';
import type { PipeSender } from '../engine/iotdb/pipe-receiver.ts';
import type { AppendResult } from '../storage/log/stream-log.ts';
import type { Batch } from '../types/batch.ts';
import { decodeBatch, encodeBatch } from '../types/batch-codec.ts';
import type { Value } from '../types/vector.ts';
import { inflateBatch } from './protocol/compression.ts';
import {
  type CreditMessage,
  type DataCompressedMessage,
  type HelloMessage,
  type InsertMessage,
  type Message,
  type PipeInsertMessage,
  type QueryMessage,
  PIPE_CLIENT_NAME,
  frameVersionMin,
  isPipeClientName,
} from './protocol/frame.ts';
import { FRAME_HEADER_BYTES } from './protocol/protocol-limits.ts';
import type { FrameConnection } from './transport.ts';
import { asDbError, errorFrame } from './wire-errors.ts';

/** Rows a PROGRESS frame is sent after, at most (and once before END). */
const PROGRESS_EVERY_FRAMES = 16;

export interface ConnectionLimits {
  readonly frameBytesMax: number;
  readonly controlFrameBytesMax: number;
  readonly handshakeFrameBytesMax: number;
  readonly inflightBytesMax: number;
  readonly writeBufferBytesMax: number;
  readonly requestsPerConnectionMax: number;
  readonly handshakeTimeoutMs: number;
}

export type Authenticate = (user: string, password: string, remoteAddress: string) => Promise<{ user: string }>;

/**
 * The hook when a server is given none: user `default` with an empty password, from a loopback
 * address only (127.0.0.0/8, ::1), and nobody else. `tributary server` passes its own hook
 * (src/server/authenticator.ts: users_file, SQL users, networks).
 */
export async function loopbackDefaultAuthenticate(user: string, password: string, remoteAddress: string): Promise<{ user: string }> {
  if (user === 'default' && password === '' && isLoopbackAddress(remoteAddress)) return { user };
  throw new DbError('AUTH_FAILED', 'wrong user name or password');
}

/** 127.0.0.0/8, ::1, and IPv4 loopback written as IPv4-mapped IPv6 (::ffff:127.0.0.1). */
export function isLoopbackAddress(address: string): boolean {
  return LOOPBACK_NETWORKS.allows(address);
}

/** What a connection needs from its server: shared services and counters. */
export interface ConnectionContext {
  readonly node: TributaryNode;
  readonly limits: ConnectionLimits;
  readonly authenticate: Authenticate;
  readonly versionMin: number;
  readonly versionMax: number;
  readonly nodeId: string;
  readonly serverVersion: string;
  readonly counters: ServerCounters;
  onClosed(connection: ServerConnection): void;
}

/** Counters the server exposes through stats() (tests read them to check the bounds above). */
export interface ServerCounters {
  dataFramesSent: number;
  framesDropped: number;
  outboundBufferedBytesPeak: number;
  inflightBytes: number;
  inflightBytesPeak: number;
  queriesStarted: number;
  queriesRunning: number;
}

type State = 'handshake' | 'authenticating' | 'ready' | 'closed';

interface Request {
  cancel(reason: DbError): void;
  onCredit?(message: CreditMessage): void;
  onData?(batch: Uint8Array): void;
  onCompressed?(message: DataCompressedMessage): void;
  onEnd?(): void;
}

/** Where an insert request's batches go: INSERT appends to one stream, PIPE_INSERT through the pipe receiver. */
interface InsertSink {
  /**
   * Checks one encoded batch (whole, checked by its header) and readies its append: the function it
   * resolves with appends the batch, taking its place in the stream when called, and resolves once
   * the batch is durable.
   */
  prepare(bytes: Uint8Array): Promise<() => Promise<AppendResult>>;
  /** Runs at END when no batch came (a PIPE_INSERT report); absent for INSERT. */
  empty?(): Promise<void>;
  /** Whether DATA_COMPRESSED frames are allowed (PIPE_INSERT only). */
  readonly compressed: boolean;
}

export class ServerConnection {
  state: State = 'handshake';
  user = '';
  private readonly transport: FrameConnection;
  private readonly context: ConnectionContext;
  private readonly requests = new Map<number, Request>();
  private readonly handshakeTimer = new AbortController();
  private session: Session | null = null;
  /** The negotiated protocol version (0 before the handshake). */
  private version = 0;
  /** Set at the handshake for pipe sender connections (PIPE_CLIENT_NAME). */
  private pipeSender: PipeSender | null = null;
  private inflightBytes = 0;
  private inflightPaused = false;
  /**
   * The batches of every insert on this connection are prepared one after another and their appends
   * issued in arrival order (an append takes its place in the log when called; durability is awaited
   * concurrently). Preparing may await (inflating, creating a pipe's schema): without this turn, a
   * later batch of the same lane could be appended first and make the earlier one look like a replay.
   */
  private appendTurn: Promise<void> = Promise.resolve();
  private writePaused = false;
  private idleWaiters: (() => void)[] = [];

  constructor(transport: FrameConnection, context: ConnectionContext) {
    this.transport = transport;
    this.context = context;
    transport.setDecoderLimits({
      frameBytesMax: context.limits.handshakeFrameBytesMax,
      controlFrameBytesMax: context.limits.handshakeFrameBytesMax,
      limitName: 'HANDSHAKE_FRAME_BYTES_MAX',
    });
    transport.start({ onMessage: (message) => this.onMessage(message), onClose: (error) => this.onClose(error) });
    context.node.clock.sleep(context.limits.handshakeTimeoutMs, this.handshakeTimer.signal).then(
      () => {
        if (this.state === 'handshake' || this.state === 'authenticating') {
          this.fail(new DbError('PROTOCOL_ERROR', `no handshake within ${context.limits.handshakeTimeoutMs} ms (HANDSHAKE_TIMEOUT_MS)`));
        }
      },
      () => undefined,
    );
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress;
  }

  get requestCount(): number {
    return this.requests.size;
  }

  /** Sends a connection-level ERROR and closes. */
  fail(error: DbError): void {
    if (this.state === 'closed') return;
    this.transport.send(errorFrame(0, error));
    this.transport.close();
  }

  /** Graceful shutdown: cancels every request, waits for their last replies, then ends the connection. */
  async shutdown(reason: DbError): Promise<void> {
    for (const request of [...this.requests.values()]) request.cancel(reason);
    while (this.requests.size > 0 && this.state !== 'closed') await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.transport.close();
  }

  private removeRequest(id: number): void {
    this.requests.delete(id);
    if (this.requests.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  destroy(): void {
    this.transport.destroy();
  }

  private send(message: Message): void {
    this.transport.send(message);
    const buffered = this.transport.bufferedBytes;
    const counters = this.context.counters;
    if (buffered > counters.outboundBufferedBytesPeak) counters.outboundBufferedBytesPeak = buffered;
    // A peer that does not read its replies stops being read: its requests cannot pile up replies.
    if (buffered > this.context.limits.writeBufferBytesMax && !this.writePaused) {
      this.writePaused = true;
      this.transport.pauseReading();
      void this.transport.drained().then(() => {
        this.writePaused = false;
        this.transport.resumeReading();
      });
    }
  }

  /** Resolves when the socket's write queue is under the limit again. */
  private async writable(): Promise<void> {
    while (this.state !== 'closed' && this.transport.bufferedBytes > this.context.limits.writeBufferBytesMax) await this.transport.drained();
  }

  private onMessage(message: Message): void {
    try {
      this.handle(message);
    } catch (error) {
      // A handler that throws is a bug here, not the peer's fault; the connection cannot be trusted after it.
      this.fail(asDbError(error));
    }
  }

  private handle(message: Message): void {
    switch (this.state) {
      case 'handshake':
        if (message.type !== 'HELLO') {
          this.fail(new DbError('PROTOCOL_ERROR', `the first frame must be HELLO, got ${message.type}`));
          return;
        }
        this.state = 'authenticating';
        void this.handshake(message);
        return;
      case 'authenticating':
        this.fail(new DbError('PROTOCOL_ERROR', `${message.type} arrived before HELLO_OK: wait for the handshake to complete`));
        return;
      case 'ready':
        this.dispatch(message);
        return;
      case 'closed':
        return;
    }
  }

  private async handshake(hello: HelloMessage): Promise<void> {
    const { versionMin, versionMax } = this.context;
    const version = Math.min(hello.versionMax, versionMax);
    if (version < Math.max(hello.versionMin, versionMin)) {
      this.fail(
        new DbError(
          'PROTOCOL_VERSION',
          `client speaks protocol versions [${hello.versionMin}, ${hello.versionMax}], this server speaks [${versionMin}, ${versionMax}]`,
          { clientMin: hello.versionMin, clientMax: hello.versionMax, serverMin: versionMin, serverMax: versionMax },
        ),
      );
      return;
    }
    const pipeSender = isPipeClientName(hello.clientName);
    if (pipeSender) {
      // Before authentication: a sender outside the white list learns nothing about passwords.
      try {
        this.context.node.pipeReceiver.checkSender(this.remoteAddress);
      } catch (error) {
        this.fail(asDbError(error));
        return;
      }
    }
    let user: string;
    try {
      user = (await this.context.authenticate(hello.user, hello.password, this.remoteAddress)).user;
    } catch (error) {
      // The hook's own message may say which half was wrong; the peer only learns that it failed.
      const refused = error instanceof DbError && error.code === 'AUTH_FAILED' ? error : new DbError('AUTH_FAILED', `user '${hello.user}'`, {}, { cause: error });
      this.fail(refused);
      return;
    }
    if (this.state !== 'authenticating') return;
    const database = hello.database === '' ? 'default' : hello.database;
    if (this.context.node.storage.catalog.findDatabase(database) === undefined) {
      this.fail(new DbError('DATABASE_NOT_FOUND', database));
      return;
    }
    this.handshakeTimer.abort();
    this.user = user;
    this.version = version;
    this.pipeSender = pipeSender ? { ip: this.remoteAddress, nodeId: hello.nodeId } : null;
    this.session = this.context.node.session({ user });
    this.session.database = database;
    const limits = this.context.limits;
    this.transport.setDecoderLimits({ frameBytesMax: limits.frameBytesMax, controlFrameBytesMax: limits.controlFrameBytesMax });
    this.state = 'ready';
    this.send({ type: 'HELLO_OK', requestId: hello.requestId, version, serverNodeId: this.context.nodeId, serverVersion: this.context.serverVersion, database });
  }

  private dispatch(message: Message): void {
    const needed = frameVersionMin(message.type);
    if (needed > this.version) {
      this.fail(new DbError('PROTOCOL_ERROR', `${message.type} needs protocol version ${needed}; this connection negotiated version ${this.version}`));
      return;
    }
    switch (message.type) {
      case 'PING':
        this.send({ type: 'PONG', requestId: message.requestId });
        return;
      case 'QUERY':
      case 'INSERT':
      case 'PIPE_INSERT':
        this.startRequest(message);
        return;
      case 'CANCEL':
        this.requestFor(message.requestId)?.cancel(new DbError('QUERY_CANCELLED', `request ${message.requestId} cancelled by the client`));
        return;
      case 'CREDIT':
        this.requestFor(message.requestId)?.onCredit?.(message);
        return;
      case 'DATA':
        this.requestFor(message.requestId)?.onData?.(message.batch);
        return;
      case 'DATA_COMPRESSED':
        this.requestFor(message.requestId)?.onCompressed?.(message);
        return;
      case 'END':
        this.requestFor(message.requestId)?.onEnd?.();
        return;
      default:
        this.fail(new DbError('PROTOCOL_ERROR', `a client does not send ${message.type}`));
    }
  }

  private requestFor(requestId: number): Request | undefined {
    const request = this.requests.get(requestId);
    if (request === undefined) this.context.counters.framesDropped++;
    return request;
  }

  private startRequest(message: QueryMessage | InsertMessage | PipeInsertMessage): void {
    const id = message.requestId;
    if (this.requests.has(id)) {
      this.fail(new DbError('PROTOCOL_ERROR', `request id ${id} is already running`));
      return;
    }
    if (this.requests.size >= this.context.limits.requestsPerConnectionMax) {
      const max = this.context.limits.requestsPerConnectionMax;
      this.send(errorFrame(id, new DbError('SERVER_BUSY', `${max} requests already running on this connection (REQUESTS_PER_CONNECTION_MAX)`)));
      return;
    }
    if (message.type === 'QUERY') this.startQuery(message);
    else if (message.type === 'INSERT') this.startInsert(message);
    else this.startPipeInsert(message);
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  private startQuery(message: QueryMessage): void {
    const id = message.requestId;
    const controller = new AbortController();
    let creditFrames = 0;
    let creditBytes = 0;
    let wake: (() => void) | null = null;
    const wakeUp = () => {
      const resume = wake;
      wake = null;
      resume?.();
    };
    controller.signal.addEventListener('abort', wakeUp, { once: true });
    this.requests.set(id, {
      cancel: (reason) => controller.abort(reason),
      onCredit: (credit) => {
        creditFrames = Math.min(creditFrames + credit.frames, Number.MAX_SAFE_INTEGER);
        creditBytes = Math.min(creditBytes + credit.bytes, Number.MAX_SAFE_INTEGER);
        wakeUp();
      },
    });
    const counters = this.context.counters;
    counters.queriesStarted++;
    counters.queriesRunning++;
    let rows = 0;
    let bytes = 0;
    let frames = 0;
    const sendBatch = async (batch: Batch): Promise<void> => {
      while (!(creditFrames > 0 && creditBytes > 0) && !controller.signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
      await this.writable();
      if (controller.signal.aborted) return;
      const encoded = encodeBatch(batch, { baseSn: 0, appendTimeMs: this.context.node.clock.nowMs() });
      creditFrames--;
      creditBytes -= encoded.length;
      rows += batch.rowCount;
      bytes += encoded.length;
      counters.dataFramesSent++;
      this.send({ type: 'DATA', requestId: id, batch: encoded });
      if (++frames % PROGRESS_EVERY_FRAMES === 0) this.send({ type: 'PROGRESS', requestId: id, rows, bytes });
    };
    const finish = () => {
      this.send({ type: 'PROGRESS', requestId: id, rows, bytes });
      this.send({ type: 'END', requestId: id, rows });
    };
    void this.runQuery(message, controller, sendBatch, finish)
      .catch((error: unknown) => {
        const reason = controller.signal.aborted ? abortReason(controller.signal) : asDbError(error);
        if (this.state !== 'closed') this.send(errorFrame(id, reason));
      })
      .finally(() => {
        counters.queriesRunning--;
        this.removeRequest(id);
        controller.abort();
      });
  }

  private async runQuery(message: QueryMessage, controller: AbortController, sendBatch: (batch: Batch) => Promise<void>, finish: () => void): Promise<void> {
    const session = this.session;
    if (session === null) throw new DbError('INTERNAL', 'query before the handshake completed');
    const settings = querySettings(message.settings);
    const params: Record<string, Value> = Object.fromEntries(message.params);
    const result: ExecuteResult = await session.execute(message.sql, { params, signal: controller.signal });
    const id = message.requestId;
    if (result.kind === 'ok') {
      this.send({ type: 'END', requestId: id, rows: result.writtenRows });
      return;
    }
    this.send({ type: 'SCHEMA', requestId: id, columns: result.schema, streaming: result.kind === 'stream' });
    let rows = 0;
    const count = (batch: Batch) => {
      rows += batch.rowCount;
      if (rows > settings.maxResultRows) {
        throw new DbError('LIMIT_EXCEEDED', `result has more than max_result_rows (${settings.maxResultRows}) rows`);
      }
    };
    if (result.kind === 'rows') {
      for (const batch of result.batches) {
        count(batch);
        await sendBatch(batch);
        if (controller.signal.aborted) throw abortReason(controller.signal);
      }
      finish();
      return;
    }
    const iterator = result.batches[Symbol.asyncIterator]();
    try {
      for (;;) {
        // The next batch is pulled only after the previous one was sent, which waited for credit:
        // a client that stops granting credit stops this loop, and with it the scan.
        const next = await iterator.next();
        if (controller.signal.aborted) throw abortReason(controller.signal);
        if (next.done === true) break;
        count(next.value);
        await sendBatch(next.value);
        if (controller.signal.aborted) throw abortReason(controller.signal);
      }
      finish();
    } finally {
      result.cancel();
      await iterator.return?.(undefined);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Inserts

  private startInsert(message: InsertMessage): void {
    const id = message.requestId;
    const session = this.session;
    if (session === null) throw new DbError('INTERNAL', 'insert before the handshake completed');
    const database = message.database === '' ? session.database : message.database;
    try {
      session.authorize('INSERT', database, message.stream);
    } catch (error) {
      this.send(errorFrame(id, error));
      return;
    }
    const relation = this.context.node.storage.catalog.findRelation(database, message.stream);
    if (relation === undefined || relation.kind !== 'stream') {
      const error =
        relation === undefined
          ? new DbError('STREAM_NOT_FOUND', `${database}.${message.stream}`)
          : new DbError('NOT_SUPPORTED', `inserting into a ${relation.kind.replace('_', ' ')} (${database}.${message.stream}) over the native protocol`);
      this.send(errorFrame(id, error));
      return;
    }
    const storage = this.context.node.storage;
    this.receiveInsert(id, {
      compressed: false,
      prepare: async (bytes) => {
        const { header, batch } = decodeBatch(bytes);
        return () => storage.append(database, message.stream, batch, { origin: header.origin });
      },
    });
  }

  /** PIPE_INSERT: like INSERT, with the target prepared (and created when allowed) by the node's pipe receiver. */
  private startPipeInsert(message: PipeInsertMessage): void {
    const id = message.requestId;
    const session = this.session;
    if (session === null) throw new DbError('INTERNAL', 'pipe insert before the handshake completed');
    const sender = this.pipeSender;
    if (sender === null) {
      const error = new DbError('ACCESS_DENIED', `PIPE_INSERT is for pipe senders: connect with client name '${PIPE_CLIENT_NAME}' (the receiver checks its ip_white_list)`);
      this.send(errorFrame(id, error));
      return;
    }
    const node = this.context.node;
    const receiver = node.pipeReceiver;
    const authorize = session.authorize.bind(session);
    const { database, stream, options } = message;
    this.receiveInsert(id, {
      compressed: true,
      prepare: async (bytes) => {
        const { header, batch } = decodeBatch(bytes);
        const target = await receiver.prepare(authorize, sender, database, stream, batch.columns, options);
        if (target === null) throw new DbError('INTERNAL', 'the pipe receiver prepared no stream for a batch');
        const conformed = receiver.conform(target, batch);
        return () => node.storage.append(target.database, target.name, conformed, { origin: header.origin });
      },
      empty: async () => {
        await receiver.prepare(authorize, sender, database, stream, null, options);
      },
    });
  }

  /**
   * Runs an insert request: its batches are appended one after another in arrival order (a lane's
   * exactly-once relies on it), received bytes count against the connection's in-flight bound until
   * appended, and INSERT_OK goes out once every batch is durable (duplicates count 0 rows).
   */
  private receiveInsert(id: number, sink: InsertSink): void {
    let chain: Promise<void> = Promise.resolve();
    let failed: DbError | null = null;
    let batches = 0;
    let rows = 0;
    let firstSn = -1;
    let endSn = -1;
    let ended = false;
    const fail = (error: DbError) => {
      if (failed !== null) return;
      failed = error;
      this.removeRequest(id);
      if (this.state !== 'closed') this.send(errorFrame(id, error));
    };
    const enqueue = (admitted: number, bytes: Promise<Uint8Array>) => {
      batches++;
      this.admitInflight(admitted);
      // Wrapped in an object: a promise returned from then() would be awaited, and with it durability.
      const issued = this.takeTurn(async () => {
        if (failed !== null) return null;
        const append = await sink.prepare(await bytes);
        return { durable: append() };
      });
      chain = chain
        .then(async () => {
          const started = await issued;
          if (started === null) return;
          const appended = await started.durable;
          if (appended.duplicate === true) return; // a replay of a stored origin range: acknowledged, 0 rows written
          rows += appended.endSn - appended.firstSn;
          if (firstSn < 0) firstSn = appended.firstSn;
          endSn = appended.endSn;
        })
        .catch((error: unknown) => fail(asDbError(error)))
        .finally(() => this.releaseInflight(admitted));
    };
    const afterEnd = (type: string): boolean => {
      if (ended) fail(new DbError('PROTOCOL_ERROR', `${type} after END for insert ${id}`));
      return ended;
    };
    this.requests.set(id, {
      cancel: fail,
      onData: (bytes) => {
        if (!afterEnd('DATA')) enqueue(bytes.length, Promise.resolve(bytes));
      },
      onCompressed: (message) => {
        if (afterEnd('DATA_COMPRESSED')) return;
        if (!sink.compressed) {
          fail(new DbError('PROTOCOL_ERROR', `DATA_COMPRESSED is allowed inside PIPE_INSERT only (request ${id} is an INSERT)`));
          return;
        }
        const max = this.context.limits.frameBytesMax;
        if (message.uncompressedBytes + FRAME_HEADER_BYTES > max) {
          fail(new DbError('FRAME_TOO_LARGE', `DATA_COMPRESSED declares ${message.uncompressedBytes} uncompressed bytes, a DATA frame of more than this server's FRAME_BYTES_MAX (${max})`));
          return;
        }
        // Inflating starts now, on the thread pool; the batch is still appended in arrival order.
        const inflated = inflateBatch(message.compressor, message.compressed, message.uncompressedBytes);
        inflated.catch(() => undefined);
        enqueue(message.compressed.length + message.uncompressedBytes, inflated);
      },
      onEnd: () => {
        if (ended) return;
        ended = true;
        if (batches === 0 && sink.empty !== undefined) {
          // In turn as well: a report (state STOP) must not overtake the data sent before it.
          const reported = this.takeTurn(sink.empty);
          chain = chain.then(() => reported).catch((error: unknown) => fail(asDbError(error)));
        }
        void chain.then(() => {
          if (failed !== null) return;
          this.removeRequest(id);
          if (firstSn < 0) firstSn = endSn = 0; // nothing appended: an empty range
          if (this.state !== 'closed') this.send({ type: 'INSERT_OK', requestId: id, rows, firstSn, endSn });
        });
      },
    });
  }

  /** Runs `step` after the steps taken before it on this connection (see appendTurn). */
  private takeTurn<T>(step: () => Promise<T>): Promise<T> {
    const turn = this.appendTurn.then(step);
    this.appendTurn = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private admitInflight(bytes: number): void {
    this.inflightBytes += bytes;
    const counters = this.context.counters;
    counters.inflightBytes += bytes;
    if (counters.inflightBytes > counters.inflightBytesPeak) counters.inflightBytesPeak = counters.inflightBytes;
    if (this.inflightBytes > this.context.limits.inflightBytesMax && !this.inflightPaused) {
      this.inflightPaused = true;
      this.transport.pauseReading();
    }
  }

  private releaseInflight(bytes: number): void {
    this.inflightBytes -= bytes;
    this.context.counters.inflightBytes -= bytes;
    if (this.inflightPaused && this.inflightBytes <= this.context.limits.inflightBytesMax / 2) {
      this.inflightPaused = false;
      this.transport.resumeReading();
    }
  }

  private onClose(error: DbError | null): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.handshakeTimer.abort();
    const reason = new DbError('CONNECTION_CLOSED', `client ${this.remoteAddress} disconnected${error === null ? '' : `: ${error.message}`}`);
    for (const request of [...this.requests.values()]) request.cancel(reason);
    this.requests.clear();
    this.removeRequest(0);
    this.context.onClosed(this);
  }
}

function abortReason(signal: AbortSignal): DbError {
  const reason: unknown = signal.reason;
  return reason instanceof DbError ? reason : new DbError('QUERY_CANCELLED', 'cancelled');
}

interface QuerySettings {
  readonly maxResultRows: number;
}

/** Settings a QUERY frame may carry (protocol-level, applied by the server). Others are INVALID_SETTING. */
function querySettings(settings: ReadonlyMap<string, string>): QuerySettings {
  let maxResultRows = Number.MAX_SAFE_INTEGER;
  for (const [name, value] of settings) {
    if (name === 'max_result_rows') {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < 0) throw new DbError('INVALID_SETTING', `max_result_rows must be a non-negative integer, got '${value}'`);
      maxResultRows = n === 0 ? Number.MAX_SAFE_INTEGER : n;
    } else {
      throw new DbError('INVALID_SETTING', `unknown query setting '${name}' (known: max_result_rows)`);
    }
  }
  return { maxResultRows };
}
