// Byte writer and bounds-checked reader for frame payloads (layouts in frame.ts). Every read past
// the end of a payload, invalid UTF-8, or a number out of range is PROTOCOL_ERROR: the reader never
// returns data it did not fully check, and never reads outside the payload it was given.
import { DbError } from '../../core/errors.ts';

const encoder = new TextEncoder();
// fatal: bad UTF-8 is an error, not U+FFFD; ignoreBOM: a string that begins with U+FEFF keeps it.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Appends little-endian fields to a growing buffer. */
export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  length = 0;

  constructor(initialBytes = 64) {
    this.buffer = new Uint8Array(initialBytes);
    this.view = new DataView(this.buffer.buffer);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  u8(value: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, value);
    this.length += 1;
  }

  u16(value: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, value, true);
    this.length += 2;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  /** A non-negative safe integer as u64. */
  u64(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new DbError('INVALID_ARGUMENT', `${value} is not a u64 the protocol can carry`);
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(value), true);
    this.length += 8;
  }

  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }

  /** u32 byte length, then UTF-8. */
  string(value: string): void {
    const bytes = encoder.encode(value);
    this.u32(bytes.length);
    this.bytes(bytes);
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

export function protocolError(detail: string, details: Record<string, string | number> = {}): DbError {
  return new DbError('PROTOCOL_ERROR', detail, details);
}

/** Reads fields of one payload; `what` names the frame in errors ("QUERY payload"). */
export class ByteReader {
  position = 0;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly what: string;

  constructor(bytes: Uint8Array, what: string) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.what = what;
  }

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  private need(bytes: number, field: string): void {
    if (bytes > this.remaining) {
      throw protocolError(`${this.what} ends inside ${field} (needs ${bytes} bytes at offset ${this.position}, has ${this.remaining})`);
    }
  }

  u8(field: string): number {
    this.need(1, field);
    return this.view.getUint8(this.position++);
  }

  u16(field: string): number {
    this.need(2, field);
    const value = this.view.getUint16(this.position, true);
    this.position += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.view.getUint32(this.position, true);
    this.position += 4;
    return value;
  }

  u64(field: string): number {
    this.need(8, field);
    const value = this.view.getBigUint64(this.position, true);
    this.position += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw protocolError(`${this.what}: ${field} ${value} is beyond 2^53 - 1`);
    return Number(value);
  }

  f64(field: string): number {
    this.need(8, field);
    const value = this.view.getFloat64(this.position, true);
    this.position += 8;
    return value;
  }

  bytesOf(length: number, field: string): Uint8Array {
    this.need(length, field);
    const out = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return out;
  }

  string(field: string): string {
    const length = this.u32(`${field} length`);
    const bytes = this.bytesOf(length, field);
    try {
      return decoder.decode(bytes);
    } catch {
      throw protocolError(`${this.what}: ${field} is not valid UTF-8`);
    }
  }

  /** Throws unless every byte of the payload was read. */
  end(): void {
    if (this.remaining !== 0) throw protocolError(`${this.what} has ${this.remaining} unexpected trailing bytes`);
  }
}
