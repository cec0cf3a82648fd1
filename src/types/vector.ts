// Column vectors: one column of a batch, held in typed arrays so hot loops never touch per-row
// objects. This is also the shape the batch codec reads and writes without transformation.
//
// Representation by type:
//   bool                      Uint8Array, 0 or 1
//   int8…int32, uint8…uint32  the matching typed array
//   int64, uint64             BigInt64Array / BigUint64Array (exact); `numbersOf()` gives a Float64Array
//                             view-by-copy for loops that need no BigInt, computed without boxing
//   float32, float64          Float32Array / Float64Array
//   datetime64(3)             Float64Array of integer milliseconds since the Unix epoch (exact to ±2^53 ms)
//   datetime                  Uint32Array of seconds since the Unix epoch
//   date                      Int32Array of days since 1970-01-01
//   uuid                      Uint8Array, 16 bytes per row (RFC 4122 byte order)
//   string                    offsets Uint32Array(rowCount + 1) into bytes Uint8Array (UTF-8); optionally
//                             also `dictionary` (a batch decoded from, or bound for, the dictionary form of
//                             the codec): row i is dictionary value codes[i]. offsets/bytes are then built
//                             from the dictionary on first read (DictionaryStringVector), so a reader that
//                             understands the dictionary (engine scans, the encoder) never pays for them
//   nullable(T)               nulls bitmap (bit i set = row i is NULL; LSB first) + inner vector of T;
//                             the inner value at a NULL row is zero / empty and carries no meaning
//   array(T)                  offsets Uint32Array(rowCount + 1) into an inner vector of T
//
// Invariants: `rowCount` matches every array's length as described; offsets start at 0 and never
// decrease; string bytes are valid UTF-8 when built here (decoded batches are checksummed, not re-validated);
// a dictionary's codes are < size (its values need not be distinct), and offsets/bytes agree with it.
import { DbError } from '../core/errors.ts';
import { STRING_BYTES_MAX, checkLimit } from '../core/limits.ts';
import { type DataType, formatDataType } from './data-type.ts';

export type FixedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export type Vector =
  | { readonly kind: 'fixed'; readonly type: DataType; readonly rowCount: number; readonly data: FixedArray }
  | {
      readonly kind: 'string';
      readonly type: DataType;
      readonly rowCount: number;
      readonly offsets: Uint32Array;
      readonly bytes: Uint8Array;
      readonly dictionary?: StringDictionary;
    }
  | {
      readonly kind: 'nullable';
      readonly type: DataType;
      readonly rowCount: number;
      readonly nulls: Uint8Array;
      readonly inner: Vector;
    }
  | {
      readonly kind: 'array';
      readonly type: DataType;
      readonly rowCount: number;
      readonly offsets: Uint32Array;
      readonly inner: Vector;
    };

export type StringVector = Extract<Vector, { kind: 'string' }>;

/**
 * A string column as distinct values plus one code per row: value j is bytes [offsets[j],
 * offsets[j + 1]) (offsets[0] = 0, non-decreasing, offsets[size] <= bytes.length); row i holds value
 * codes[i] (< size). Codes are as narrow as `size` allows when decoded (u8 up to 256 values).
 */
export interface StringDictionary {
  readonly size: number;
  readonly offsets: Uint32Array;
  readonly bytes: Uint8Array;
  readonly codes: Uint8Array | Uint16Array | Uint32Array;
}

/**
 * A string vector held as a dictionary. `offsets`/`bytes` (the plain form every consumer of string
 * vectors reads) are built from the dictionary on first access, one copy per row — far cheaper than
 * the per-row hashing a reader that uses `dictionary` avoids.
 */
export class DictionaryStringVector {
  readonly kind = 'string' as const;
  readonly type: DataType;
  readonly rowCount: number;
  readonly dictionary: StringDictionary;
  private plain: { readonly offsets: Uint32Array; readonly bytes: Uint8Array } | null = null;

  constructor(type: DataType, rowCount: number, dictionary: StringDictionary) {
    this.type = type;
    this.rowCount = rowCount;
    this.dictionary = dictionary;
  }

  get offsets(): Uint32Array {
    this.plain ??= plainOfDictionary(this.dictionary, this.rowCount);
    return this.plain.offsets;
  }

  get bytes(): Uint8Array {
    this.plain ??= plainOfDictionary(this.dictionary, this.rowCount);
    return this.plain.bytes;
  }

  /** Whether offsets/bytes have been built (tests, benchmarks). */
  get isMaterialized(): boolean {
    return this.plain !== null;
  }
}

/** The plain offsets/bytes of the first `rowCount` rows of a dictionary. */
export function plainOfDictionary(dictionary: StringDictionary, rowCount: number): { offsets: Uint32Array; bytes: Uint8Array } {
  const { offsets: valueOffsets, bytes: valueBytes, codes } = dictionary;
  const offsets = new Uint32Array(rowCount + 1);
  let total = 0;
  for (let i = 0; i < rowCount; i++) {
    const code = codes[i];
    total += valueOffsets[code + 1] - valueOffsets[code];
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  for (let i = 0; i < rowCount; i++) {
    const code = codes[i];
    const start = valueOffsets[code];
    const length = valueOffsets[code + 1] - start;
    const at = offsets[i];
    // Short values (the usual case: keys, tags) copy faster in a loop than through a subarray + set.
    if (length <= 32) for (let k = 0; k < length; k++) bytes[at + k] = valueBytes[start + k];
    else bytes.set(valueBytes.subarray(start, start + length), at);
  }
  return { offsets, bytes };
}

/** A value as user-facing code sees it (slow path: formatting, tests, row-at-a-time input). */
export type Value = null | boolean | number | bigint | string | readonly Value[];

type FixedArrayConstructor = new (lengthOrBuffer: number | ArrayBufferLike, byteOffset?: number, length?: number) => FixedArray;

/** The typed array constructor of a fixed-width kind; its BYTES_PER_ELEMENT is the storage unit. */
export function fixedArrayOf(type: DataType): FixedArrayConstructor {
  switch (type.kind) {
    case 'bool':
    case 'uint8':
    case 'uuid':
      return Uint8Array;
    case 'int8':
      return Int8Array;
    case 'int16':
      return Int16Array;
    case 'uint16':
      return Uint16Array;
    case 'int32':
    case 'date':
      return Int32Array;
    case 'uint32':
    case 'datetime':
      return Uint32Array;
    case 'int64':
      return BigInt64Array;
    case 'uint64':
      return BigUint64Array;
    case 'float32':
      return Float32Array;
    case 'float64':
    case 'datetime64':
      return Float64Array;
    default:
      throw new DbError('INTERNAL', `type ${formatDataType(type)} is not fixed-width`);
  }
}

/** Elements of the fixed array per row: 16 for uuid, 1 otherwise. */
export function elementsPerRow(type: DataType): number {
  return type.kind === 'uuid' ? 16 : 1;
}

export function isNull(vector: Vector, row: number): boolean {
  return vector.kind === 'nullable' && (vector.nulls[row >>> 3] & (1 << (row & 7))) !== 0;
}

// ignoreBOM: a string value that begins with U+FEFF keeps it (the default decoder strips it).
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

export function stringAt(vector: Extract<Vector, { kind: 'string' }>, row: number): string {
  const dictionary = vector.dictionary;
  if (dictionary !== undefined) {
    const code = dictionary.codes[row];
    return utf8.decode(dictionary.bytes.subarray(dictionary.offsets[code], dictionary.offsets[code + 1]));
  }
  const start = vector.offsets[row];
  const end = vector.offsets[row + 1];
  return utf8.decode(vector.bytes.subarray(start, end));
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Every string of a string vector, decoded once (for loops that compare or hash strings). When the
 * bytes are all ASCII (the common case for keys and names), the whole payload is decoded with one
 * native call and rows are substrings of it, which is several times faster than one call per row.
 */
export function stringsOf(vector: Extract<Vector, { kind: 'string' }>): string[] {
  const dictionary = vector.dictionary;
  if (dictionary !== undefined) {
    // Each distinct value decoded once; rows share the strings.
    const values = stringsOf({ kind: 'string', type: vector.type, rowCount: dictionary.size, offsets: dictionary.offsets, bytes: dictionary.bytes });
    const codes = dictionary.codes;
    const out = new Array<string>(vector.rowCount);
    for (let i = 0; i < vector.rowCount; i++) out[i] = values[codes[i]];
    return out;
  }
  const out = new Array<string>(vector.rowCount);
  const buffer = Buffer.from(vector.bytes.buffer, vector.bytes.byteOffset, vector.bytes.byteLength);
  const offsets = vector.offsets;
  const first = offsets[0];
  const last = offsets[vector.rowCount];
  const whole = buffer.toString('latin1', first, last);
  if (!NON_ASCII.test(whole)) {
    for (let i = 0; i < vector.rowCount; i++) out[i] = whole.substring(offsets[i] - first, offsets[i + 1] - first);
    return out;
  }
  for (let i = 0; i < vector.rowCount; i++) out[i] = buffer.toString('utf8', offsets[i], offsets[i + 1]);
  return out;
}

/**
 * int64/uint64 values as float64 without creating a BigInt per row: hi * 2^32 + lo from the two
 * 32-bit halves. Exact while |value| < 2^53; `exact` says whether every value was in that range.
 */
export function numbersOf(data: BigInt64Array | BigUint64Array): { values: Float64Array; exact: boolean } {
  const words = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
  const values = new Float64Array(data.length);
  const signed = data instanceof BigInt64Array;
  let exact = true;
  for (let i = 0; i < data.length; i++) {
    const lo = words[2 * i] >>> 0;
    const hi = signed ? words[2 * i + 1] : words[2 * i + 1] >>> 0;
    if (hi >= 0x200000 || hi < -0x200000) exact = false;
    values[i] = hi * 4294967296 + lo;
  }
  return { values, exact };
}

export function valueAt(vector: Vector, row: number): Value {
  switch (vector.kind) {
    case 'nullable':
      return isNull(vector, row) ? null : valueAt(vector.inner, row);
    case 'string':
      return stringAt(vector, row);
    case 'array': {
      const out: Value[] = [];
      for (let i = vector.offsets[row]; i < vector.offsets[row + 1]; i++) out.push(valueAt(vector.inner, i));
      return out;
    }
    case 'fixed': {
      const type = vector.type;
      if (type.kind === 'bool') return vector.data[row] !== 0;
      if (type.kind === 'uuid') return formatUuid(vector.data as Uint8Array, row * 16);
      return vector.data[row];
    }
  }
}

export function formatUuid(bytes: Uint8Array, offset: number): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset + offset, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_PATTERN = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function parseUuidInto(text: string, target: Uint8Array, offset: number): void {
  if (!UUID_PATTERN.test(text)) throw new DbError('INVALID_VALUE', `'${text.slice(0, 64)}' is not a UUID`);
  target.set(Buffer.from(text.replaceAll('-', ''), 'hex'), offset);
}

/** Builds a vector from values (slow path: row input, tests). Type errors name the row. */
export function vectorFromValues(type: DataType, values: readonly Value[]): Vector {
  const rowCount = values.length;
  switch (type.kind) {
    case 'nullable': {
      const nulls = new Uint8Array((rowCount + 7) >>> 3);
      const innerValues: Value[] = new Array(rowCount);
      const filler = zeroValue(type.inner);
      for (let i = 0; i < rowCount; i++) {
        const v = values[i];
        if (v === null || v === undefined) {
          nulls[i >>> 3] |= 1 << (i & 7);
          innerValues[i] = filler;
        } else innerValues[i] = v;
      }
      return { kind: 'nullable', type, rowCount, nulls, inner: vectorFromValues(type.inner, innerValues) };
    }
    case 'array': {
      const offsets = new Uint32Array(rowCount + 1);
      const flat: Value[] = [];
      for (let i = 0; i < rowCount; i++) {
        const v = values[i];
        if (!Array.isArray(v)) throw rowError(type, i, v);
        for (const element of v) flat.push(element);
        offsets[i + 1] = flat.length;
      }
      let inner: Vector;
      try {
        inner = vectorFromValues(type.element, flat);
      } catch (error) {
        // The element's error counts rows of the flattened elements; report the caller's row instead.
        if (!(error instanceof DbError) || error.code !== 'INVALID_VALUE' || typeof error.details.row !== 'number') throw error;
        const element = error.details.row - 1;
        let row = 0;
        while (offsets[row + 1] <= element) row++;
        throw rowError(type, row, values[row], error);
      }
      return { kind: 'array', type, rowCount, offsets, inner };
    }
    case 'string': {
      const offsets = new Uint32Array(rowCount + 1);
      let total = 0;
      for (let i = 0; i < rowCount; i++) {
        const v = values[i];
        if (typeof v !== 'string') throw rowError(type, i, v);
        const length = Buffer.byteLength(v, 'utf8');
        checkLimit('STRING_BYTES_MAX', STRING_BYTES_MAX, length, `string at row ${i + 1}`);
        total += length;
        offsets[i + 1] = total;
      }
      const bytes = Buffer.allocUnsafe(total);
      for (let i = 0; i < rowCount; i++) bytes.write(values[i] as string, offsets[i], 'utf8');
      return { kind: 'string', type, rowCount, offsets, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, total) };
    }
    default: {
      const Ctor = fixedArrayOf(type);
      const data = new Ctor(rowCount * elementsPerRow(type));
      for (let i = 0; i < rowCount; i++) setFixed(type, data, i, values[i]);
      return { kind: 'fixed', type, rowCount, data };
    }
  }
}

/** The value a non-nullable column holds when none is given: '' / false / 0 / 0n / the nil UUID / []. */
export function zeroValue(type: DataType): Value {
  switch (type.kind) {
    case 'array':
      return [];
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int64':
    case 'uint64':
      return 0n;
    case 'uuid':
      return '00000000-0000-0000-0000-000000000000';
    default:
      return 0;
  }
}

const INTEGER_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  datetime: [0, 4294967295],
  date: [-2147483648, 2147483647],
};

function setFixed(type: DataType, data: FixedArray, row: number, v: Value | undefined): void {
  switch (type.kind) {
    case 'bool':
      if (typeof v !== 'boolean' && v !== 0 && v !== 1) throw rowError(type, row, v);
      data[row] = v === true || v === 1 ? 1 : 0;
      return;
    case 'int64':
    case 'uint64': {
      let big: bigint;
      if (typeof v === 'bigint') big = v;
      else if (typeof v === 'number' && Number.isSafeInteger(v)) big = BigInt(v);
      else throw rowError(type, row, v);
      const [min, max] = type.kind === 'int64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
      if (big < min || big > max) throw rowError(type, row, v);
      data[row] = big;
      return;
    }
    case 'float32':
    case 'float64':
      if (typeof v !== 'number') throw rowError(type, row, v);
      data[row] = v;
      return;
    case 'datetime64':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw rowError(type, row, v);
      data[row] = v;
      return;
    case 'uuid':
      // Checked here, not only in parseUuidInto, so that the error names the row like every other type.
      if (typeof v !== 'string' || !UUID_PATTERN.test(v)) throw rowError(type, row, v);
      parseUuidInto(v, data as Uint8Array, row * 16);
      return;
    default: {
      const range = INTEGER_RANGE[type.kind];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < range[0] || v > range[1]) throw rowError(type, row, v);
      data[row] = v;
    }
  }
}

function rowError(type: DataType, row: number, v: Value | undefined, cause?: DbError): DbError {
  // The replacer keeps JSON.stringify from throwing a TypeError on an array that holds bigints.
  const json = (x: unknown): string | undefined => JSON.stringify(x, (_key, e: unknown) => (typeof e === 'bigint' ? `${e}` : e));
  const shown = typeof v === 'string' ? `'${v.slice(0, 64)}'` : typeof v === 'bigint' ? `${v}` : json(v)?.slice(0, 64);
  const detail = `row ${row + 1}: ${shown} is not a valid ${formatDataType(type)}`;
  return new DbError('INVALID_VALUE', detail, { row: row + 1 }, cause === undefined ? undefined : { cause });
}
