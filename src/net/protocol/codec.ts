// The frame decoder, free of I/O (sans-IO): bytes in, messages out, whatever the chunking.
// `push(bytes)` takes any slice of the stream, from one byte to many frames, and returns every
// frame it completes, in order. Frame layout and payloads are in frame.ts.
//
// Checks happen as early as the bytes allow: the length prefix against the largest frame any type
// may have as soon as its 4 bytes are in; the type byte and that type's own limit as soon as the
// 5th byte is in. A frame is refused before one byte of its body is buffered, so a peer cannot
// make the decoder hold more than the limits allow. Errors are DbError FRAME_TOO_LARGE or
// PROTOCOL_ERROR; after one, the stream has no trustworthy frame boundary left, so the decoder
// stays failed and every later push throws the same error (the connection must close).
//
// Memory: once a frame's header is complete (and its length passed the limits), its body gets its
// own buffer of exactly that length, unpooled, so a DATA batch sits 8-aligned at offset 0 and
// batch-codec views its columns in place. Received bytes are copied into it as they come; the
// decoder keeps no reference to a pushed slice, so a caller may reuse its read buffer. A caller that
// can read from the socket into memory it chooses (transport.ts, client sockets) asks for
// `directTarget()`, the unfilled rest of the current body, lets the kernel write there, and reports
// the count with `commitDirect(n)`: a batch then crosses from the kernel to its final place in one
// copy.
import { DbError } from '../../core/errors.ts';
import { type FrameTypeName, type Message, decodePayload, frameTypeName, isDataFrameType } from './frame.ts';
import { CONTROL_FRAME_BYTES_MAX, FRAME_BYTES_MAX, FRAME_HEADER_BYTES } from './protocol-limits.ts';
import { protocolError } from './wire-buffer.ts';

export { encodeFrame, encodeFrameParts } from './frame.ts';

export interface DecoderLimits {
  /** Bytes of a DATA or DATA_COMPRESSED frame, header included (default FRAME_BYTES_MAX). */
  readonly frameBytesMax: number;
  /** Bytes of any other frame, header included (default CONTROL_FRAME_BYTES_MAX). */
  readonly controlFrameBytesMax: number;
  /** Name of the limit in error messages, e.g. 'HANDSHAKE_FRAME_BYTES_MAX' while it applies. */
  readonly limitName?: string;
}

const DEFAULT_LIMITS: DecoderLimits = { frameBytesMax: FRAME_BYTES_MAX, controlFrameBytesMax: CONTROL_FRAME_BYTES_MAX };

export class FrameDecoder {
  private limits: DecoderLimits;
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFill = 0;
  /** Body bytes expected for the current frame, once its header is complete. */
  private bodyLength = -1;
  /** The current frame's body, allocated when its header is complete. */
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  private typeName: FrameTypeName | null = null;
  private requestId = 0;
  private failure: DbError | null = null;
  /** Frames decoded so far (for tests and metrics). */
  framesDecoded = 0;

  constructor(limits: Partial<DecoderLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Changes the limits for the frames that begin after this call (e.g. when a handshake completes). */
  setLimits(limits: Partial<DecoderLimits>): void {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.headerFill + this.bodyFill;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  push(bytes: Uint8Array): Message[] {
    if (this.failure !== null) throw this.failure;
    try {
      return this.consume(bytes);
    } catch (error) {
      this.failure = error instanceof DbError ? error : new DbError('INTERNAL', `frame decoder: ${(error as Error).message}`, {}, { cause: error });
      throw this.failure;
    }
  }

  private consume(bytes: Uint8Array): Message[] {
    const out: Message[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      if (this.headerFill < FRAME_HEADER_BYTES) {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerFill, bytes.length - offset);
        this.header.set(bytes.subarray(offset, offset + take), this.headerFill);
        const before = this.headerFill;
        this.headerFill += take;
        offset += take;
        if (before < 4 && this.headerFill >= 4) this.checkLength();
        if (before < 5 && this.headerFill >= 5) this.checkType();
        if (this.headerFill < FRAME_HEADER_BYTES) continue;
        const view = new DataView(this.header.buffer);
        this.bodyLength = view.getUint32(0, true) - (FRAME_HEADER_BYTES - 4);
        this.requestId = view.getUint32(5, true);
        // Unpooled (a fresh ArrayBuffer at offset 0) and not zero-filled: every byte is written
        // before the frame completes.
        this.body = new Uint8Array(Buffer.allocUnsafeSlow(this.bodyLength).buffer, 0, this.bodyLength);
      } else {
        const take = Math.min(this.bodyLength - this.bodyFill, bytes.length - offset);
        this.body!.set(bytes.subarray(offset, offset + take), this.bodyFill);
        this.bodyFill += take;
        offset += take;
      }
      if (this.bodyFill === this.bodyLength) out.push(this.finishFrame());
    }
    return out;
  }

  /**
   * The unfilled rest of the current frame's body, for a read straight from the socket; null between
   * frames, inside a header, or after a failure (read into a buffer of your own and push() it).
   */
  directTarget(): Uint8Array | null {
    if (this.failure !== null || this.body === null || this.bodyFill >= this.bodyLength) return null;
    return this.body.subarray(this.bodyFill);
  }

  /** `n` bytes were written at the start of the last directTarget(); returns the frame if it completed. */
  commitDirect(n: number): Message[] {
    if (this.failure !== null) throw this.failure;
    if (this.body === null || !(n >= 0 && this.bodyFill + n <= this.bodyLength)) {
      throw new DbError('INTERNAL', `frame decoder: ${n} bytes committed, ${this.body === null ? 'no frame body open' : `${this.bodyLength - this.bodyFill} expected`}`);
    }
    this.bodyFill += n;
    return this.bodyFill === this.bodyLength ? [this.finishFrame()] : [];
  }

  private checkLength(): void {
    const length = new DataView(this.header.buffer).getUint32(0, true);
    const frameBytes = 4 + length;
    const max = Math.max(this.limits.frameBytesMax, this.limits.controlFrameBytesMax);
    if (frameBytes > max) {
      const name = this.limits.limitName ?? 'FRAME_BYTES_MAX';
      throw new DbError('FRAME_TOO_LARGE', `frame of ${frameBytes} bytes is more than ${name} (${max})${peerHint(this.header)}`, {
        limit: name,
        max,
        value: frameBytes,
      });
    }
    if (length < FRAME_HEADER_BYTES - 4) throw protocolError(`frame length ${length} is shorter than a frame header (${FRAME_HEADER_BYTES - 4})`);
  }

  private checkType(): void {
    const code = this.header[4];
    const name = frameTypeName(code);
    if (name === undefined) throw protocolError(`unknown frame type ${code}${peerHint(this.header)}`);
    const frameBytes = 4 + new DataView(this.header.buffer).getUint32(0, true);
    const data = isDataFrameType(name);
    const max = data ? this.limits.frameBytesMax : this.limits.controlFrameBytesMax;
    if (frameBytes > max) {
      const limitName = this.limits.limitName ?? (data ? 'FRAME_BYTES_MAX' : 'CONTROL_FRAME_BYTES_MAX');
      throw new DbError('FRAME_TOO_LARGE', `${name} frame of ${frameBytes} bytes is more than ${limitName} (${max})`, {
        limit: limitName,
        max,
        value: frameBytes,
      });
    }
    this.typeName = name;
  }

  private finishFrame(): Message {
    const payload = this.body!;
    const type = this.typeName;
    const requestId = this.requestId;
    this.headerFill = 0;
    this.bodyLength = -1;
    this.body = null;
    this.bodyFill = 0;
    this.typeName = null;
    if (type === null) throw new DbError('INTERNAL', 'frame completed without a type');
    this.framesDecoded++;
    return decodePayload(type, requestId, payload);
  }
}

/** A hint for a peer that sent text (an HTTP request, a telnet session) to the native port. */
function peerHint(header: Uint8Array): string {
  for (let i = 0; i < 4; i++) {
    const c = header[i];
    if (c < 0x20 || c > 0x7e) return '';
  }
  return ' (the peer sent text: is it speaking HTTP? The HTTP API has its own port, 3218)';
}
