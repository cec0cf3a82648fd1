// The only file in src/net/ that touches sockets: it adapts node:net and node:tls sockets to the
// frame codec. A FrameConnection turns received bytes into messages (through FrameDecoder) and
// messages into written frames; the server and the client above it see messages, never bytes.
//
// Back-pressure both ways: `pauseReading()` stops taking bytes from the kernel (the peer's writes
// block in TCP), and `bufferedBytes` / `drained()` tell a sender how much it has queued in the
// socket and when the queue has emptied.
//
// Lifecycle: open → closed, once. `onClose` fires exactly once, with the error that closed the
// connection (a decode error, a socket error) or null for an orderly end by either side.
//
// Reading: sockets this side dials in plain TCP read through node's `onread` (DirectReader): the
// kernel writes straight into the body of the frame being received when one is open
// (FrameDecoder.directTarget), else into one reused READ_SCRATCH_BYTES buffer whose bytes the decoder
// copies out. No chunk is allocated per read and a batch is copied once, kernel to its final place
// (bench:migrate's target node: ~30 MB of chunk allocations and copies per 1M rows gone). Accepted
// sockets and TLS read 'data' chunks, which the decoder copies likewise.
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { DbError } from '../core/errors.ts';
import { type DecoderLimits, FrameDecoder } from './protocol/codec.ts';
import { type Message, encodeFrameParts } from './protocol/frame.ts';

export interface ConnectionHandlers {
  onMessage(message: Message): void;
  onClose(error: DbError | null): void;
}

export class FrameConnection {
  readonly remoteAddress: string;
  private readonly socket: net.Socket;
  private readonly decoder: FrameDecoder;
  private handlers: ConnectionHandlers | null = null;
  private closed = false;
  private closeError: DbError | null = null;
  private drainWaiters: (() => void)[] = [];
  private pauses = 0;
  private corked = false;
  /** Bytes of frames handed to the socket since it opened. */
  bytesWritten = 0;

  /** With a DirectReader, bytes arrive through it (the socket was made with its `onread`), not as 'data'. */
  constructor(socket: net.Socket, limits: Partial<DecoderLimits> = {}, reader: DirectReader | null = null) {
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    this.decoder = new FrameDecoder(limits);
    socket.setNoDelay(true);
    socket.pause();
    if (reader === null) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    else reader.attach(this.decoder, (read) => this.onRead(read));
    socket.on('drain', () => this.wakeDrainWaiters());
    socket.on('error', (error: Error) => this.finish(new DbError('CONNECTION_CLOSED', `${this.remoteAddress}: ${error.message}`, {}, { cause: error })));
    socket.on('end', () => {
      // The peer finished writing: a half-open connection is of no use to this protocol.
      this.socket.end();
    });
    socket.on('close', () => this.finish(null));
  }

  /** Starts delivering messages; frames that arrived before are delivered now. */
  start(handlers: ConnectionHandlers): void {
    assert(this.handlers === null);
    this.handlers = handlers;
    if (this.closed) {
      handlers.onClose(this.closeError);
      return;
    }
    if (this.pauses === 0) this.socket.resume();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  setDecoderLimits(limits: Partial<DecoderLimits>): void {
    this.decoder.setLimits(limits);
  }

  /** Bytes queued in the socket, not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  /**
   * Writes one frame; returns false once the socket's queue is past its high-water mark. Frames sent
   * in one turn of the event loop (a reply's SCHEMA, DATA, PROGRESS and END) leave in one writev:
   * the socket is corked at the first and uncorked once the turn's callbacks and promise jobs are done.
   */
  send(message: Message): boolean {
    if (this.closed || this.socket.writableEnded) return false;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(flushConnection, this);
    }
    let ok = true;
    for (const part of encodeFrameParts(message)) {
      this.bytesWritten += part.length;
      ok = this.socket.write(part);
    }
    return ok;
  }

  /** Hands the frames sent so far to the kernel (send() does it at the end of the turn). */
  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /** Resolves when the write queue is empty (or the connection closed). */
  drained(): Promise<void> {
    this.flush();
    if (this.closed || this.socket.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Stops reading; nested calls need as many resumeReading() calls. */
  pauseReading(): void {
    this.pauses++;
    this.socket.pause();
  }

  resumeReading(): void {
    assert(this.pauses > 0);
    this.pauses--;
    if (this.pauses === 0 && this.handlers !== null && !this.closed) this.socket.resume();
  }

  /** Ends the connection after queued frames are written. */
  close(): void {
    if (this.closed) return;
    this.socket.end();
  }

  /** Ends the connection now, dropping queued frames. */
  destroy(error: DbError | null = null): void {
    if (error !== null && this.closeError === null) this.closeError = error;
    this.socket.destroy();
    this.finish(error);
  }

  private onData(chunk: Buffer): void {
    this.onRead(() => this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  }

  /** Runs one read's decoding (`read`) and delivers the frames it completed. */
  private onRead(read: () => Message[]): void {
    if (this.closed) return;
    let messages: Message[];
    try {
      messages = read();
    } catch (error) {
      const dbError = error instanceof DbError ? error : new DbError('PROTOCOL_ERROR', String(error));
      this.failWith(dbError);
      return;
    }
    for (const message of messages) {
      if (this.closed) return;
      this.handlers?.onMessage(message);
    }
  }

  /** Tells the peer why (connection-level ERROR frame), then closes. */
  private failWith(error: DbError): void {
    this.send({ type: 'ERROR', requestId: 0, wireCode: error.wireCode, code: error.code, message: error.message });
    this.closeError = error;
    this.socket.end();
    this.socket.pause();
    this.finish(error);
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const wake of waiters) wake();
  }

  private finish(error: DbError | null): void {
    if (this.closed) return;
    this.closed = true;
    if (this.closeError === null) this.closeError = error;
    this.wakeDrainWaiters();
    this.handlers?.onClose(this.closeError);
  }
}

function flushConnection(connection: FrameConnection): void {
  connection.flush();
}

/** Bytes of the buffer reads go into when no frame body is open (headers, small frames). */
export const READ_SCRATCH_BYTES = 64 * 1024;
/** A read goes straight into an open body only when this much of it is left (smaller: via scratch). */
const DIRECT_READ_BYTES_MIN = 4 * 1024;

/**
 * Chooses where each read of a socket made with its `onread` lands: the open frame body's rest, or
 * the scratch buffer; and hands what was read to the decoder. Before attach() (while connecting) no
 * frame can arrive (the server speaks after HELLO) and reads go to scratch; bytes read then are
 * kept and decoded at attach.
 */
export class DirectReader {
  private readonly scratch = new Uint8Array(Buffer.allocUnsafeSlow(READ_SCRATCH_BYTES).buffer, 0, READ_SCRATCH_BYTES);
  private decoder: FrameDecoder | null = null;
  private deliver: ((read: () => Message[]) => void) | null = null;
  private early: Uint8Array[] = [];
  /** The buffer handed out for the read in progress. */
  private target: Uint8Array = this.scratch;

  /** For `onread.buffer`: where the next read goes. */
  nextBuffer(): Uint8Array {
    const direct = this.decoder?.directTarget() ?? null;
    this.target = direct !== null && direct.length >= DIRECT_READ_BYTES_MIN ? direct : this.scratch;
    return this.target;
  }

  /** For `onread.callback`: `n` bytes were read into `buffer`. True: go on reading (pausing is socket.pause()'s). */
  onRead(n: number, buffer: Uint8Array): boolean {
    const decoder = this.decoder;
    if (decoder === null || this.deliver === null) {
      this.early.push(buffer.slice(0, n));
      return true;
    }
    if (buffer === this.scratch) this.deliver(() => decoder.push(buffer.subarray(0, n)));
    else if (buffer === this.target) this.deliver(() => decoder.commitDirect(n));
    else {
      // Cannot happen (node reads into the buffer nextBuffer() returned); if it did, the stream has
      // no trustworthy frame boundary left: fail this connection, not the process.
      this.deliver(() => {
        throw new DbError('INTERNAL', 'socket read into a buffer that was not handed out');
      });
    }
    return true;
  }

  attach(decoder: FrameDecoder, deliver: (read: () => Message[]) => void): void {
    this.decoder = decoder;
    this.deliver = deliver;
    for (const bytes of this.early.splice(0)) deliver(() => decoder.push(bytes));
  }
}

// ---------------------------------------------------------------------------------------------
// Listening and dialing

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

export interface Listener {
  readonly port: number;
  /** Stops accepting; resolves when the listening socket is closed (open connections are the caller's). */
  close(): Promise<void>;
}

/** Accepts connections; each socket is handed over paused, wrapped in a FrameConnection. */
export function listen(options: ListenOptions, onSocket: (connection: FrameConnection) => void, limits: Partial<DecoderLimits>): Promise<Listener> {
  const accept = (socket: net.Socket) => onSocket(new FrameConnection(socket, limits));
  const server: net.Server =
    options.tls === undefined ? net.createServer({ pauseOnConnect: true }, accept) : tls.createServer({ cert: options.tls.cert, key: options.tls.key, pauseOnConnect: true }, accept);
  if (options.tls !== undefined) {
    // A failed TLS handshake never becomes a connection; keep it from surfacing as an unhandled error.
    server.on('tlsClientError', () => undefined);
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address();
      assert(address !== null && typeof address === 'object');
      resolve({
        port: address.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

export interface DialOptions {
  readonly host: string;
  readonly port: number;
  readonly secure?: boolean;
  /** PEM of the CA (or the self-signed certificate) that signed the server's certificate. */
  readonly ca?: string | Buffer;
  /** false skips certificate verification: for tests and explicit, logged opt-outs only. */
  readonly rejectUnauthorized?: boolean;
  readonly servername?: string;
}

/** Opens a connection; rejects with CONNECTION_CLOSED naming the address when it cannot. */
export function dial(options: DialOptions): Promise<FrameConnection> {
  return new Promise((resolve, reject) => {
    const where = `${options.host}:${options.port}`;
    const reader = new DirectReader();
    const socket: net.Socket =
      options.secure === true
        ? tls.connect({
            host: options.host,
            port: options.port,
            ca: options.ca,
            rejectUnauthorized: options.rejectUnauthorized ?? true,
            servername: options.servername ?? (net.isIP(options.host) === 0 ? options.host : undefined),
          })
        : net.connect({ host: options.host, port: options.port, onread: { buffer: () => reader.nextBuffer(), callback: (n, buffer) => reader.onRead(n, buffer) } });
    const readyEvent = options.secure === true ? 'secureConnect' : 'connect';
    const onError = (error: Error) => {
      socket.destroy();
      reject(new DbError('CONNECTION_CLOSED', `cannot connect to ${where}: ${error.message}`, { address: where }, { cause: error }));
    };
    socket.once('error', onError);
    socket.once(readyEvent, () => {
      socket.off('error', onError);
      resolve(new FrameConnection(socket, {}, options.secure === true ? null : reader));
    });
  });
}
