// The batch codec: one binary format for a batch, used on disk (segments) and on the wire alike, so
// a batch received from a peer is appended without re-encoding and a scan ships batches as stored.
//
// Layout (little-endian; every part starts at a multiple of 8 bytes from the batch start, and the
// whole batch is padded with zero bytes to a multiple of 8, so typed arrays view it in place):
//
//   off  size  field
//     0     4  magic 0x54425254 ("TRBT")
//     4     2  format version (BATCH_FORMAT_VERSION)
//     6     2  flags: bit 0 = origin present; other bits must be 0
//     8     4  total byte length L of the batch (multiple of 8, HEADER_BYTES <= L <= BATCH_BYTES_MAX)
//    12     4  CRC-32 (zlib.crc32) of bytes [0, 12) followed by bytes [16, L)
//    16     4  row count (<= BATCH_ROWS_MAX)
//    20     2  column count (<= COLUMNS_PER_STREAM_MAX)
//    22     2  reserved, 0
//    24     8  base _tp_sn, u64 (row i has _tp_sn = base + i; 0 on the wire before the log assigns it)
//    32     8  min _tp_time, f64 milliseconds since the Unix epoch (integer valued)
//    40     8  max _tp_time, f64 ms
//    48     8  append time (_tp_index_time), f64 ms
//    56        [origin, when flag bit 0: u8 node id length, node id UTF-8, u8 task id length, task id,
//               u32 lane, u64 first source sn, u64 last source sn], then zero padding to 8
//              column directory: per column: u16 name length, name UTF-8, type descriptor;
//               then zero padding to 8
//              column payloads, in directory order
//
// Type descriptor: u8 tag (TYPE_TAGS below); datetime64 adds u8 precision (3) and u8 timezone length
// + timezone; datetime adds u8 timezone length + timezone; nullable adds the inner descriptor; array
// adds the element descriptor.
//
// Payload of a vector of n rows (each part padded with zeros to a multiple of 8):
//   fixed     n * width bytes of values (uuid: 16 bytes per row)
//   string    u32 offsets[n + 1] (offsets[0] = 0, non-decreasing), then offsets[n] UTF-8 bytes
//   nullable  null bitmap, ceil(n / 8) bytes (bit i set = row i NULL, LSB first), then the inner payload
//   array     u32 offsets[n + 1], then the element payload of offsets[n] rows
//
// A batch is valid iff magic, version, flags and length are in range, the CRC matches, and the
// directory and payloads exactly fill L (after padding). Anything else is BATCH_CORRUPT: the decoder
// never returns data from a batch that fails any check, and never reads outside the given bytes.
import { crc32 } from 'node:zlib';
import { DbError } from '../core/errors.ts';
import {
  BATCH_BYTES_MAX,
  BATCH_ROWS_MAX,
  COLUMNS_PER_STREAM_MAX,
  NAME_BYTES_MAX,
  ORIGIN_ID_BYTES_MAX,
  TYPE_NESTING_MAX,
  checkLimit,
} from '../core/limits.ts';
import { type Batch, type Column, type Origin, makeBatch } from './batch.ts';
import { type DataType, FIXED_WIDTH, T } from './data-type.ts';
import { type FixedArray, type Vector, elementsPerRow, fixedArrayOf } from './vector.ts';

export const BATCH_MAGIC = 0x54425254;
export const BATCH_FORMAT_VERSION = 1;
export const BATCH_HEADER_BYTES = 56;
const FLAG_ORIGIN = 1;
const SN_MAX = Number.MAX_SAFE_INTEGER;

const TYPE_TAGS = {
  bool: 1,
  int8: 2,
  int16: 3,
  int32: 4,
  int64: 5,
  uint8: 6,
  uint16: 7,
  uint32: 8,
  uint64: 9,
  float32: 10,
  float64: 11,
  string: 12,
  datetime64: 13,
  datetime: 14,
  date: 15,
  uuid: 16,
  nullable: 17,
  array: 18,
} as const satisfies Record<DataType['kind'], number>;

const KIND_OF_TAG: readonly (DataType['kind'] | undefined)[] = (() => {
  const out: (DataType['kind'] | undefined)[] = [];
  for (const [kind, tag] of Object.entries(TYPE_TAGS)) out[tag] = kind as DataType['kind'];
  return out;
})();

/** Header fields of a batch: where it sits in its stream and where it came from. */
export interface BatchHeader {
  readonly byteLength: number;
  readonly rowCount: number;
  readonly columnCount: number;
  readonly baseSn: number;
  readonly minTimeMs: number;
  readonly maxTimeMs: number;
  readonly appendTimeMs: number;
  readonly origin: Origin | null;
}

export interface EncodeOptions {
  readonly baseSn: number;
  readonly appendTimeMs: number;
  readonly origin?: Origin | null;
}

const align8 = (n: number): number => (n + 7) & ~7;

// ---------------------------------------------------------------------------------------------
// Encoding

/** Encodes a batch into a new buffer whose length is a multiple of 8. */
export function encodeBatch(batch: Batch, options: EncodeOptions): Uint8Array {
  const origin = options.origin ?? null;
  const names = batch.columns.map((c) => Buffer.from(c.name, 'utf8'));
  for (let i = 0; i < names.length; i++) {
    checkLimit('NAME_BYTES_MAX', NAME_BYTES_MAX, names[i].length, `column name '${batch.columns[i].name}'`);
  }
  const originBytes = origin === null ? null : encodeOriginIds(origin);
  let size = BATCH_HEADER_BYTES;
  if (originBytes !== null) size = align8(size + originBytes.node.length + originBytes.task.length + 2 + 4 + 16);
  for (let i = 0; i < batch.columns.length; i++) size += 2 + names[i].length + typeDescriptorBytes(batch.columns[i].type);
  size = align8(size);
  for (const vector of batch.vectors) size += payloadBytes(vector);
  checkLimit('BATCH_BYTES_MAX', BATCH_BYTES_MAX, size, 'encoded batch size');

  const out = Buffer.alloc(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const [minTimeMs, maxTimeMs] = timeRange(batch, options.appendTimeMs);
  if (!(options.baseSn >= 0 && options.baseSn <= SN_MAX && Number.isInteger(options.baseSn))) {
    throw new DbError('INTERNAL', `base sn ${options.baseSn} is not a non-negative safe integer`);
  }
  view.setUint32(0, BATCH_MAGIC, true);
  view.setUint16(4, BATCH_FORMAT_VERSION, true);
  view.setUint16(6, origin === null ? 0 : FLAG_ORIGIN, true);
  view.setUint32(8, size, true);
  view.setUint32(16, batch.rowCount, true);
  view.setUint16(20, batch.columns.length, true);
  view.setBigUint64(24, BigInt(options.baseSn), true);
  view.setFloat64(32, minTimeMs, true);
  view.setFloat64(40, maxTimeMs, true);
  view.setFloat64(48, options.appendTimeMs, true);
  let pos = BATCH_HEADER_BYTES;
  if (origin !== null && originBytes !== null) {
    out[pos++] = originBytes.node.length;
    out.set(originBytes.node, pos);
    pos += originBytes.node.length;
    out[pos++] = originBytes.task.length;
    out.set(originBytes.task, pos);
    pos += originBytes.task.length;
    view.setUint32(pos, origin.lane, true);
    view.setBigUint64(pos + 4, BigInt(origin.firstSn), true);
    view.setBigUint64(pos + 12, BigInt(origin.lastSn), true);
    pos = align8(pos + 20);
  }
  for (let i = 0; i < batch.columns.length; i++) {
    view.setUint16(pos, names[i].length, true);
    out.set(names[i], pos + 2);
    pos = writeTypeDescriptor(out, pos + 2 + names[i].length, batch.columns[i].type);
  }
  pos = align8(pos);
  for (const vector of batch.vectors) pos = writePayload(out, pos, vector);
  if (pos !== size) throw new DbError('INTERNAL', `encoded ${pos} bytes, expected ${size}`);
  view.setUint32(12, batchChecksum(out, 0, size), true);
  return new Uint8Array(out.buffer, out.byteOffset, size);
}

function encodeOriginIds(origin: Origin): { node: Buffer; task: Buffer } {
  const node = Buffer.from(origin.nodeId, 'utf8');
  const task = Buffer.from(origin.taskId, 'utf8');
  checkLimit('ORIGIN_ID_BYTES_MAX', ORIGIN_ID_BYTES_MAX, node.length, 'origin node id length');
  checkLimit('ORIGIN_ID_BYTES_MAX', ORIGIN_ID_BYTES_MAX, task.length, 'origin task id length');
  const valid = (n: number) => Number.isInteger(n) && n >= 0 && n <= SN_MAX;
  if (!valid(origin.firstSn) || !valid(origin.lastSn) || origin.firstSn > origin.lastSn) {
    throw new DbError('INVALID_ARGUMENT', `origin sn range [${origin.firstSn}, ${origin.lastSn}] is invalid`);
  }
  if (!Number.isInteger(origin.lane) || origin.lane < 0 || origin.lane > 0xffffffff) {
    throw new DbError('INVALID_ARGUMENT', `origin lane ${origin.lane} is not a u32`);
  }
  return { node, task };
}

/** min/max of the `_tp_time` column when the batch has one (non-null datetime64), else the append time. */
function timeRange(batch: Batch, appendTimeMs: number): [number, number] {
  const index = batch.columns.findIndex((c) => c.name === '_tp_time');
  if (index < 0 || batch.rowCount === 0) return [appendTimeMs, appendTimeMs];
  const vector = batch.vectors[index];
  if (vector.kind !== 'fixed' || vector.type.kind !== 'datetime64') return [appendTimeMs, appendTimeMs];
  const data = vector.data as Float64Array;
  let min = data[0];
  let max = data[0];
  for (let i = 1; i < data.length; i++) {
    const t = data[i];
    if (t < min) min = t;
    else if (t > max) max = t;
  }
  return [min, max];
}

function typeDescriptorBytes(type: DataType): number {
  switch (type.kind) {
    case 'nullable':
      return 1 + typeDescriptorBytes(type.inner);
    case 'array':
      return 1 + typeDescriptorBytes(type.element);
    case 'datetime64':
      return 3 + Buffer.byteLength(type.timezone ?? '', 'utf8');
    case 'datetime':
      return 2 + Buffer.byteLength(type.timezone ?? '', 'utf8');
    default:
      return 1;
  }
}

function writeTypeDescriptor(out: Buffer, pos: number, type: DataType): number {
  out[pos++] = TYPE_TAGS[type.kind];
  switch (type.kind) {
    case 'nullable':
      return writeTypeDescriptor(out, pos, type.inner);
    case 'array':
      return writeTypeDescriptor(out, pos, type.element);
    case 'datetime64':
      out[pos++] = type.precision;
      return writeShortString(out, pos, type.timezone ?? '');
    case 'datetime':
      return writeShortString(out, pos, type.timezone ?? '');
    default:
      return pos;
  }
}

function writeShortString(out: Buffer, pos: number, text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  checkLimit('NAME_BYTES_MAX', NAME_BYTES_MAX, bytes.length, 'timezone name length');
  out[pos] = bytes.length;
  out.set(bytes, pos + 1);
  return pos + 1 + bytes.length;
}

function payloadBytes(vector: Vector): number {
  switch (vector.kind) {
    case 'fixed':
      return align8(vector.data.byteLength);
    case 'string':
      // Bytes written are offsets[n] - offsets[0] (writePayload rebases a vector whose offsets start past 0).
      return align8((vector.rowCount + 1) * 4) + align8(vector.offsets[vector.rowCount] - vector.offsets[0]);
    case 'nullable':
      return align8((vector.rowCount + 7) >>> 3) + payloadBytes(vector.inner);
    case 'array':
      return align8((vector.rowCount + 1) * 4) + payloadBytes(vector.inner);
  }
}

function bytesOf(array: FixedArray | Uint32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

function writePayload(out: Buffer, pos: number, vector: Vector): number {
  switch (vector.kind) {
    case 'fixed':
      out.set(bytesOf(vector.data), pos);
      return pos + align8(vector.data.byteLength);
    case 'string': {
      const n = vector.rowCount;
      const base = vector.offsets[0];
      if (base === 0) out.set(bytesOf(vector.offsets.subarray(0, n + 1)), pos);
      else {
        const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
        for (let i = 0; i <= n; i++) view.setUint32(pos + 4 * i, vector.offsets[i] - base, true);
      }
      pos += align8((n + 1) * 4);
      const length = vector.offsets[n] - base;
      out.set(vector.bytes.subarray(base, base + length), pos);
      return pos + align8(length);
    }
    case 'nullable':
      out.set(vector.nulls.subarray(0, (vector.rowCount + 7) >>> 3), pos);
      return writePayload(out, pos + align8((vector.rowCount + 7) >>> 3), vector.inner);
    case 'array':
      out.set(bytesOf(vector.offsets.subarray(0, vector.rowCount + 1)), pos);
      return writePayload(out, pos + align8((vector.rowCount + 1) * 4), vector.inner);
  }
}

/** CRC-32 of [start, start+12) and [start+16, start+length): everything but the CRC field itself. */
export function batchChecksum(bytes: Uint8Array, start: number, length: number): number {
  const head = crc32(bytes.subarray(start, start + 12));
  return crc32(bytes.subarray(start + 16, start + length), head);
}

// ---------------------------------------------------------------------------------------------
// Decoding

function corrupt(detail: string, offset: number): DbError {
  return new DbError('BATCH_CORRUPT', `${detail} (batch at byte ${offset})`, { offset });
}

/**
 * Reads and checks the fixed header at `offset` (magic, version, flags, length bounds), without the
 * CRC. Returns null when fewer than BATCH_HEADER_BYTES remain (a torn header); throws BATCH_CORRUPT
 * when the bytes present are not a batch header.
 */
export function peekBatchLength(bytes: Uint8Array, offset: number): number | null {
  if (bytes.length - offset < BATCH_HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, BATCH_HEADER_BYTES);
  if (view.getUint32(0, true) !== BATCH_MAGIC) throw corrupt('bad magic', offset);
  if (view.getUint16(4, true) !== BATCH_FORMAT_VERSION) {
    throw corrupt(`unsupported format version ${view.getUint16(4, true)}`, offset);
  }
  if ((view.getUint16(6, true) & ~FLAG_ORIGIN) !== 0) throw corrupt('unknown flags', offset);
  const length = view.getUint32(8, true);
  if (length < BATCH_HEADER_BYTES || length > BATCH_BYTES_MAX || length % 8 !== 0) {
    throw corrupt(`impossible length ${length}`, offset);
  }
  return length;
}

/** Checks magic, length and CRC of the batch at `offset`; returns its byte length. Throws BATCH_CORRUPT. */
export function verifyBatch(bytes: Uint8Array, offset: number): number {
  const length = peekBatchLength(bytes, offset);
  if (length === null) throw corrupt('truncated header', offset);
  if (offset + length > bytes.length) throw corrupt(`truncated: ${length} bytes declared, ${bytes.length - offset} present`, offset);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 16);
  if (view.getUint32(12, true) !== batchChecksum(bytes, offset, length)) throw corrupt('checksum mismatch', offset);
  return length;
}

/** Decodes the header of a batch whose CRC has been verified (or will not be needed). */
export function decodeBatchHeader(bytes: Uint8Array, offset: number): BatchHeader {
  const length = peekBatchLength(bytes, offset);
  if (length === null || offset + length > bytes.length) throw corrupt('truncated', offset);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  const baseSn = view.getBigUint64(24, true);
  if (baseSn > BigInt(SN_MAX)) throw corrupt('base sn out of range', offset);
  const rowCount = view.getUint32(16, true);
  const columnCount = view.getUint16(20, true);
  if (rowCount > BATCH_ROWS_MAX) throw corrupt(`row count ${rowCount} over BATCH_ROWS_MAX`, offset);
  if (columnCount > COLUMNS_PER_STREAM_MAX) throw corrupt(`column count ${columnCount} over COLUMNS_PER_STREAM_MAX`, offset);
  let origin: Origin | null = null;
  if ((view.getUint16(6, true) & FLAG_ORIGIN) !== 0) {
    const reader = new Reader(bytes, offset, length, BATCH_HEADER_BYTES);
    const nodeId = reader.shortString();
    const taskId = reader.shortString();
    const lane = reader.u32();
    const firstSn = reader.u64();
    const lastSn = reader.u64();
    // encodeOriginIds refuses firstSn > lastSn, so no valid batch carries one (dedupe assumes the order).
    if (firstSn > lastSn) throw corrupt(`origin sn range [${firstSn}, ${lastSn}] is reversed`, offset);
    origin = { nodeId, taskId, lane, firstSn, lastSn };
  }
  return {
    byteLength: length,
    rowCount,
    columnCount,
    baseSn: Number(baseSn),
    minTimeMs: view.getFloat64(32, true),
    maxTimeMs: view.getFloat64(40, true),
    appendTimeMs: view.getFloat64(48, true),
    origin,
  };
}

export interface DecodedBatch {
  readonly header: BatchHeader;
  readonly batch: Batch;
}

/**
 * Verifies and decodes the batch at `offset`. Vectors view `bytes` in place where alignment allows
 * (so the caller must not reuse `bytes` while the batch lives); `copy: true` gives owned arrays.
 */
export function decodeBatch(bytes: Uint8Array, offset = 0, options: { copy?: boolean } = {}): DecodedBatch {
  const length = verifyBatch(bytes, offset);
  const header = decodeBatchHeader(bytes, offset);
  const reader = new Reader(bytes, offset, length, BATCH_HEADER_BYTES);
  if (header.origin !== null) {
    reader.shortString();
    reader.shortString();
    reader.skip(20);
    reader.align();
  }
  const columns: Column[] = [];
  for (let i = 0; i < header.columnCount; i++) {
    const nameLength = reader.u16();
    if (nameLength > NAME_BYTES_MAX) throw corrupt(`column name of ${nameLength} bytes`, offset);
    const name = reader.utf8(nameLength);
    columns.push({ name, type: reader.typeDescriptor(0) });
  }
  reader.align();
  const vectors: Vector[] = [];
  for (const column of columns) vectors.push(reader.vector(column.type, header.rowCount, options.copy === true));
  if (reader.position !== length) throw corrupt(`payload ends at ${reader.position}, length is ${length}`, offset);
  let batch: Batch;
  try {
    batch = makeBatch(columns, vectors);
  } catch (error) {
    throw corrupt(`invalid batch structure: ${(error as Error).message}`, offset);
  }
  // makeBatch takes the row count from the vectors; with no columns there are none to carry the
  // header's count, so a header claiming rows for a column-less batch would otherwise pass.
  if (batch.rowCount !== header.rowCount) {
    throw corrupt(`header row count ${header.rowCount}, columns hold ${batch.rowCount}`, offset);
  }
  return { header, batch };
}

// ignoreBOM: a name or id that begins with U+FEFF keeps it (the default decoder strips it).
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A bounds-checked cursor over one batch; every read past the batch's end is BATCH_CORRUPT. */
class Reader {
  position: number;
  private readonly view: DataView;
  private readonly bytes: Uint8Array;
  private readonly start: number;
  private readonly length: number;

  constructor(bytes: Uint8Array, start: number, length: number, position: number) {
    this.bytes = bytes;
    this.start = start;
    this.length = length;
    this.position = position;
    this.view = new DataView(bytes.buffer, bytes.byteOffset + start, length);
  }

  private need(n: number): void {
    if (n < 0 || this.position + n > this.length) throw corrupt(`field at ${this.position} runs past the end`, this.start);
  }

  skip(n: number): void {
    this.need(n);
    this.position += n;
  }

  align(): void {
    const aligned = align8(this.position);
    this.need(aligned - this.position);
    this.position = aligned;
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.position++);
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.position, true);
    this.position += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.position, true);
    this.position += 4;
    return v;
  }

  u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.position, true);
    this.position += 8;
    if (v > BigInt(SN_MAX)) throw corrupt('u64 field out of range', this.start);
    return Number(v);
  }

  utf8(n: number): string {
    this.need(n);
    const at = this.bytes.byteOffset + this.start + this.position;
    this.position += n;
    try {
      return decoder.decode(new Uint8Array(this.bytes.buffer, at, n));
    } catch {
      throw corrupt('invalid UTF-8 in a name', this.start);
    }
  }

  shortString(): string {
    return this.utf8(this.u8());
  }

  typeDescriptor(depth: number): DataType {
    if (depth >= TYPE_NESTING_MAX) throw corrupt('type nests too deep', this.start);
    const tag = this.u8();
    const kind = KIND_OF_TAG[tag];
    if (kind === undefined) throw corrupt(`unknown type tag ${tag}`, this.start);
    switch (kind) {
      case 'nullable': {
        const inner = this.typeDescriptor(depth + 1);
        if (inner.kind === 'nullable' || inner.kind === 'array') throw corrupt('nullable of a non-scalar', this.start);
        return T.nullable(inner);
      }
      case 'array':
        return T.array(this.typeDescriptor(depth + 1));
      case 'datetime64': {
        if (this.u8() !== 3) throw corrupt('datetime64 precision is not 3', this.start);
        const tz = this.shortString();
        return T.datetime64(tz === '' ? null : tz);
      }
      case 'datetime': {
        const tz = this.shortString();
        return T.datetime(tz === '' ? null : tz);
      }
      default:
        return T[kind];
    }
  }

  /** A typed-array view of the next `count` elements (copied when unaligned or when asked). */
  private typed<A extends FixedArray | Uint32Array>(
    Ctor: new (buffer: ArrayBufferLike, byteOffset: number, length: number) => A,
    width: number,
    count: number,
    copy: boolean,
  ): A {
    const byteLength = width * count;
    this.need(byteLength);
    const absolute = this.bytes.byteOffset + this.start + this.position;
    let array: A;
    if (!copy && absolute % width === 0) array = new Ctor(this.bytes.buffer, absolute, count);
    else {
      const owned = new ArrayBuffer(byteLength);
      new Uint8Array(owned).set(new Uint8Array(this.bytes.buffer, absolute, byteLength));
      array = new Ctor(owned, 0, count);
    }
    this.position += byteLength;
    this.align();
    return array;
  }

  private offsets(rowCount: number, copy: boolean): Uint32Array {
    const offsets = this.typed(Uint32Array, 4, rowCount + 1, copy);
    if (offsets[0] !== 0) throw corrupt('offsets do not start at 0', this.start);
    for (let i = 0; i < rowCount; i++) {
      if (offsets[i + 1] < offsets[i]) throw corrupt('offsets decrease', this.start);
    }
    return offsets;
  }

  vector(type: DataType, rowCount: number, copy: boolean): Vector {
    switch (type.kind) {
      case 'nullable': {
        const nulls = this.typed(Uint8Array, 1, (rowCount + 7) >>> 3, copy);
        return { kind: 'nullable', type, rowCount, nulls, inner: this.vector(type.inner, rowCount, copy) };
      }
      case 'array': {
        const offsets = this.offsets(rowCount, copy);
        const inner = this.vector(type.element, offsets[rowCount], copy);
        return { kind: 'array', type, rowCount, offsets, inner };
      }
      case 'string': {
        const offsets = this.offsets(rowCount, copy);
        const bytes = this.typed(Uint8Array, 1, offsets[rowCount], copy);
        return { kind: 'string', type, rowCount, offsets, bytes };
      }
      default: {
        const Ctor = fixedArrayOf(type);
        const perRow = elementsPerRow(type);
        const width = FIXED_WIDTH[type.kind] / perRow;
        const data = this.typed(Ctor as never, width, rowCount * perRow, copy) as FixedArray;
        return { kind: 'fixed', type, rowCount, data };
      }
    }
  }
}
