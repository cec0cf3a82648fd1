// Engine columns: the representation expressions and operators compute on. Storage vectors
// (src/types/vector.ts) are converted once per batch on the way in and once on the way out; inside,
// every value class has one shape, so each function is written once per class, not per type:
//
//   class     SQL types                                              `values`
//   number    bool, int8…int32, uint8…uint32, float32/64, date,      Float64Array (bool: 0/1; date: days;
//             datetime, datetime64(3), and int64/uint64 when every   datetime: s; datetime64: ms)
//             value is exact in a double (|v| < 2^53)
//   bigint    int64/uint64 columns holding a value beyond 2^53       BigInt64Array / BigUint64Array (as stored;
//                                                                    arithmetic on them is refused, not rounded)
//   string    string, uuid                                           string[]
//   array     array(T)                                               (Value[])[] (slow path)
//
// `nulls` is null when no row is NULL, else one byte per row (1 = NULL); the value at a NULL row is
// zero / '' and carries no meaning. `type` is the SQL type and says nullable(T) when nulls may occur.
//
// Invariants: values.length === rowCount (arrays) and nulls?.length === rowCount.
import { DbError } from '../core/errors.ts';
import { DICTIONARY_VALUES_MAX } from '../core/limits.ts';
import { DictionaryStringCol, type StringInterner } from './string-interner.ts';
import { DICTIONARY_ROWS_PER_VALUE } from '../types/batch-codec.ts';
import { type DataType, T, formatDataType } from '../types/data-type.ts';
import {
  DictionaryStringVector,
  type Value,
  type Vector,
  isNull,
  numbersOf,
  stringsOf,
  valueAt,
  vectorFromValues,
  fixedArrayOf,
  formatUuid,
} from '../types/vector.ts';

export type ColValues = Float64Array | BigInt64Array | BigUint64Array | string[] | Value[][];

export interface Col {
  readonly type: DataType;
  readonly values: ColValues;
  readonly nulls: Uint8Array | null;
}

export type ValueClass = 'number' | 'bigint' | 'string' | 'array';

/** The type without its nullable wrapper. */
export function baseType(type: DataType): DataType {
  return type.kind === 'nullable' ? type.inner : type;
}

export function isNullableType(type: DataType): boolean {
  return type.kind === 'nullable';
}

/** nullable(T) unless T is already nullable or cannot be (arrays). */
export function nullableOf(type: DataType): DataType {
  return type.kind === 'nullable' || type.kind === 'array' ? type : T.nullable(type);
}

export function valueClassOf(type: DataType): Exclude<ValueClass, 'bigint'> {
  const base = baseType(type);
  if (base.kind === 'string' || base.kind === 'uuid') return 'string';
  if (base.kind === 'array') return 'array';
  return 'number';
}

export function isNumericType(type: DataType): boolean {
  return valueClassOf(type) === 'number';
}

export function isTimeType(type: DataType): boolean {
  const kind = baseType(type).kind;
  return kind === 'datetime64' || kind === 'datetime' || kind === 'date';
}

export function numbersOfCol(col: Col, what: string): Float64Array {
  if (col.values instanceof Float64Array) return col.values;
  if (col.values instanceof BigInt64Array || col.values instanceof BigUint64Array) {
    throw new DbError('INVALID_VALUE', `${what}: int64 values beyond 2^53 cannot be computed on exactly; cast to float64 first`);
  }
  throw new DbError('INVALID_ARGUMENT', `${what}: expected a number, got ${formatDataType(col.type)}`);
}

export function stringsOfCol(col: Col, what: string): string[] {
  if (Array.isArray(col.values) && (col.values.length === 0 || typeof col.values[0] === 'string')) return col.values as string[];
  throw new DbError('INVALID_ARGUMENT', `${what}: expected a string, got ${formatDataType(col.type)}`);
}

export function isNullAt(col: Col, row: number): boolean {
  return col.nulls !== null && col.nulls[row] === 1;
}

/** A column of `rowCount` copies of one value (constants, literals). */
export function constantCol(type: DataType, value: Value, rowCount: number): Col {
  const nulls = value === null ? new Uint8Array(rowCount).fill(1) : null;
  const colType = value === null ? nullableOf(type) : type;
  switch (valueClassOf(type)) {
    case 'number': {
      const n = value === null ? 0 : typeof value === 'boolean' ? (value ? 1 : 0) : Number(value);
      return { type: colType, values: constantNumbers(n, rowCount), nulls };
    }
    case 'string':
      return new ConstantStringCol(colType, value === null ? '' : String(value), rowCount, nulls);
    case 'array':
      return { type: colType, values: new Array<Value[]>(rowCount).fill(value === null ? [] : (value as Value[])), nulls };
  }
}

/** Recently broadcast number constants, by value and row count (see constantNumbers). */
const constantArrays = new Map<string, Float64Array>();
const CONSTANT_ARRAYS_MAX = 32;

/**
 * `rowCount` copies of `n`. A literal is broadcast once per batch of every query that uses it (`temp
 * > 20`); the array is shared between calls with the same value and length instead of allocated per
 * batch (column values are never written in place: scans already hand out views of stored bytes).
 */
function constantNumbers(n: number, rowCount: number): Float64Array {
  if (rowCount < 16) return new Float64Array(rowCount).fill(n);
  const key = `${Object.is(n, -0) ? '-0' : n}:${rowCount}`;
  let values = constantArrays.get(key);
  if (values === undefined) {
    if (constantArrays.size >= CONSTANT_ARRAYS_MAX) constantArrays.delete(constantArrays.keys().next().value!);
    values = new Float64Array(rowCount).fill(n);
    constantArrays.set(key, values);
  }
  return values;
}

/**
 * A string constant broadcast over a batch. `values` builds the array of copies on first use only: a
 * comparison with a dictionary-coded column (`device = 'x'`) reads the constant, never the copies.
 */
export class ConstantStringCol implements Col {
  readonly type: DataType;
  readonly nulls: Uint8Array | null;
  readonly value: string;
  readonly rowCount: number;
  private materialized: string[] | null = null;

  constructor(type: DataType, value: string, rowCount: number, nulls: Uint8Array | null) {
    this.type = type;
    this.value = value;
    this.rowCount = rowCount;
    this.nulls = nulls;
  }

  get values(): string[] {
    this.materialized ??= new Array<string>(this.rowCount).fill(this.value);
    return this.materialized;
  }
}

// ---------------------------------------------------------------------------------------------
// Storage vector → engine column

/** Converts a storage vector; a query's scans pass their StringInterner so repeated strings are decoded once. */
export function colFromVector(vector: Vector, interner?: StringInterner): Col {
  const nulls = vector.kind === 'nullable' ? unpackNulls(vector.nulls, vector.rowCount) : null;
  const inner = vector.kind === 'nullable' ? vector.inner : vector;
  const type = vector.type;
  switch (inner.kind) {
    case 'string':
      if (interner !== undefined) {
        if (inner.dictionary !== undefined) return interner.dictionaryColumn(type, inner, nulls);
        return interner.column(type, inner.bytes, inner.offsets, inner.rowCount, nulls);
      }
      return { type, values: stringsOf(inner), nulls };
    case 'array': {
      const values: Value[][] = new Array(vector.rowCount);
      for (let i = 0; i < vector.rowCount; i++) values[i] = valueAt(inner, i) as Value[];
      return { type, values, nulls };
    }
    case 'fixed': {
      const base = baseType(type);
      if (base.kind === 'uuid') {
        const values = new Array<string>(vector.rowCount);
        for (let i = 0; i < vector.rowCount; i++) values[i] = formatUuid(inner.data as Uint8Array, i * 16);
        return { type, values, nulls };
      }
      if (inner.data instanceof BigInt64Array || inner.data instanceof BigUint64Array) {
        const { values, exact } = numbersOf(inner.data);
        return { type, values: exact ? values : inner.data, nulls };
      }
      if (inner.data instanceof Float64Array) return { type, values: inner.data, nulls };
      return { type, values: new Float64Array(inner.data as ArrayLike<number>), nulls };
    }
    case 'nullable':
      throw new DbError('INTERNAL', 'nullable of nullable');
  }
}

function unpackNulls(bitmap: Uint8Array, rowCount: number): Uint8Array | null {
  let any = false;
  for (let b = 0; b < bitmap.length && !any; b++) if (bitmap[b] !== 0) any = true;
  if (!any) return null;
  const nulls = new Uint8Array(rowCount);
  for (let i = 0; i < rowCount; i++) nulls[i] = (bitmap[i >>> 3] >>> (i & 7)) & 1;
  return nulls;
}

// ---------------------------------------------------------------------------------------------
// Engine column → storage vector

/** Converts a column to a vector of `type` (the column's own type by default). */
export function vectorFromCol(col: Col, rowCount: number, type: DataType = col.type): Vector {
  if (type.kind === 'nullable') {
    const bitmap = new Uint8Array((rowCount + 7) >>> 3);
    if (col.nulls !== null) for (let i = 0; i < rowCount; i++) if (col.nulls[i] === 1) bitmap[i >>> 3] |= 1 << (i & 7);
    // A coded string column keeps its codes (the value under a NULL row carries no meaning).
    const coded = type.inner.kind === 'string' ? (codedStringVector(col, rowCount, type.inner) ?? rawStringVector(col, type.inner)) : null;
    if (coded !== null) return { kind: 'nullable', type, rowCount, nulls: bitmap, inner: coded };
    // Fix (SQL corpus): values under NULL rows are meaningless and may be NaN (e.g. `a % b` where b is
    // NULL); zero them so the integer check of the inner vector does not reject a NULL row.
    let values = col.values;
    if (col.nulls !== null && values instanceof Float64Array && col.nulls.includes(1)) {
      values = Float64Array.from(values);
      for (let i = 0; i < rowCount; i++) if (col.nulls[i] === 1) values[i] = 0;
    } else if (col.nulls !== null && type.inner.kind === 'uuid' && col.nulls.includes(1)) {
      // Same for uuid: a NULL row of to_uuid_or_null('x') holds '', not a valid uuid.
      const strings = [...(values as string[])];
      for (let i = 0; i < rowCount; i++) if (col.nulls[i] === 1) strings[i] = '00000000-0000-0000-0000-000000000000';
      values = strings;
    }
    return { kind: 'nullable', type, rowCount, nulls: bitmap, inner: vectorFromCol({ ...col, values, nulls: null }, rowCount, type.inner) };
  }
  if (col.nulls !== null) {
    for (let i = 0; i < rowCount; i++) {
      if (col.nulls[i] === 1) throw new DbError('INVALID_VALUE', `row ${i + 1}: NULL in a column of non-nullable type ${formatDataType(type)}`);
    }
  }
  switch (type.kind) {
    case 'string':
      return codedStringVector(col, rowCount, type) ?? rawStringVector(col, type) ?? vectorFromValues(type, col.values as string[]);
    case 'uuid':
    case 'array':
      return vectorFromValues(type, col.values as Value[]);
    case 'int64':
    case 'uint64': {
      const values = col.values;
      if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
        const Ctor = type.kind === 'int64' ? BigInt64Array : BigUint64Array;
        return { kind: 'fixed', type, rowCount, data: values instanceof Ctor ? values : Ctor.from(values as Iterable<bigint>) };
      }
      const numbers = values as Float64Array;
      const data = type.kind === 'int64' ? new BigInt64Array(rowCount) : new BigUint64Array(rowCount);
      // Written as two 32-bit words (little-endian, as the batch format): no BigInt per row. Values
      // here are exact doubles (|n| <= 2^53), so hi and lo are exact; a negative hi wraps to its
      // two's complement word, which is the int64's upper half.
      const words = new Uint32Array(data.buffer, data.byteOffset, rowCount * 2);
      for (let i = 0; i < rowCount; i++) {
        const n = numbers[i];
        if (!Number.isInteger(n)) throw new DbError('INVALID_VALUE', `row ${i + 1}: ${n} is not a valid ${type.kind}`);
        const hi = Math.floor(n / 4294967296);
        words[2 * i] = n - hi * 4294967296;
        words[2 * i + 1] = hi >>> 0;
      }
      return { kind: 'fixed', type, rowCount, data };
    }
    default: {
      const numbers = col.values as Float64Array;
      if (type.kind === 'float64' || type.kind === 'datetime64') return { kind: 'fixed', type, rowCount, data: numbers };
      const Ctor = fixedArrayOf(type) as unknown as { from(values: ArrayLike<number>): Vector & { length: number } };
      return { kind: 'fixed', type, rowCount, data: Ctor.from(numbers) as never };
    }
  }
}

/** A string column read from a batch and passed through untouched, as the bytes it was read from. */
function rawStringVector(col: Col, type: DataType): Vector | null {
  return col instanceof DictionaryStringCol ? col.rawVector(type) : null;
}

/** Scratch of codedStringVector: local code + 1 per query-wide code (0 = not used yet); reset after each use. */
let localOfCode = new Int32Array(0);

/**
 * A string vector that carries a dictionary, from a dictionary-coded or constant string column: the
 * query-wide dictionary restricted to the values the rows use, numbered in order of first use, so
 * forwarding a coded column (views, INSERT SELECT, results) neither hashes nor re-encodes UTF-8 per
 * row, and the encoder writes the dictionary as is. Null when the column is not coded or has more
 * distinct values than the batch format's dictionary form takes (the caller builds a plain vector).
 */
function codedStringVector(col: Col, rowCount: number, type: DataType): Vector | null {
  const limit = Math.min(DICTIONARY_VALUES_MAX, Math.floor(rowCount / DICTIONARY_ROWS_PER_VALUE));
  if (limit < 1) return null;
  if (col instanceof ConstantStringCol) {
    const dictionary = vectorFromValues(T.string, [col.value]) as Extract<Vector, { kind: 'string' }>;
    return new DictionaryStringVector(type, rowCount, { size: 1, offsets: dictionary.offsets, bytes: dictionary.bytes, codes: new Uint8Array(rowCount) });
  }
  // A column read but never coded (no GROUP BY or comparison touched it) goes out as its raw bytes
  // (rawStringVector): coding it here would hash every row, and most such columns are high-cardinality.
  if (!(col instanceof DictionaryStringCol) || !col.isEncoded) return null;
  const codes = col.codes;
  const dictionary = col.dictionary;
  if (localOfCode.length < dictionary.length) localOfCode = new Int32Array(Math.max(dictionary.length, 2 * localOfCode.length, 256));
  const local = localOfCode;
  const values: string[] = [];
  const used: number[] = [];
  /** Local codes of rows without a query-wide code, by their string. */
  let uncoded: Map<string, number> | null = null;
  const out = new Uint16Array(rowCount);
  let i = 0;
  for (; i < rowCount && values.length <= limit; i++) {
    const code = codes[i];
    if (code >= 0) {
      let l = local[code] - 1;
      if (l < 0) {
        l = values.length;
        values.push(dictionary[code]);
        used.push(code);
        local[code] = l + 1;
      }
      out[i] = l;
    } else {
      const value = col.stringAt(i);
      uncoded ??= new Map();
      let l = uncoded.get(value);
      if (l === undefined) {
        l = values.length;
        values.push(value);
        uncoded.set(value, l);
      }
      out[i] = l;
    }
  }
  for (const code of used) local[code] = 0;
  if (values.length > limit) return null;
  const plain = vectorFromValues(T.string, values) as Extract<Vector, { kind: 'string' }>;
  const size = values.length;
  let narrow: Uint8Array | Uint16Array = out;
  if (size <= 256) {
    narrow = new Uint8Array(rowCount);
    narrow.set(out);
  }
  return new DictionaryStringVector(type, rowCount, { size, offsets: plain.offsets, bytes: plain.bytes, codes: narrow });
}

/** A column's value at `row` as a user-facing Value (slow path: formatting, keys, tests). */
export function colValueAt(col: Col, row: number): Value {
  if (col.nulls !== null && col.nulls[row] === 1) return null;
  const v = (col.values as ArrayLike<Value>)[row];
  if (baseType(col.type).kind === 'bool') return v === 1;
  return v;
}

/** A column from user-facing values (slow path: group keys, subscripts, literals). */
export function colFromValues(type: DataType, values: readonly Value[]): Col {
  const rowCount = values.length;
  let nulls: Uint8Array | null = null;
  for (let i = 0; i < rowCount; i++) if (values[i] === null) (nulls ??= new Uint8Array(rowCount))[i] = 1;
  switch (valueClassOf(type)) {
    case 'number': {
      if (values.some((v) => typeof v === 'bigint' && (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)))) {
        const big = baseType(type).kind === 'uint64' ? new BigUint64Array(rowCount) : new BigInt64Array(rowCount);
        for (let i = 0; i < rowCount; i++) big[i] = values[i] === null ? 0n : BigInt(values[i] as bigint);
        return { type, values: big, nulls };
      }
      const out = new Float64Array(rowCount);
      for (let i = 0; i < rowCount; i++) {
        const v = values[i];
        out[i] = v === null ? 0 : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
      }
      return { type, values: out, nulls };
    }
    case 'string':
      return { type, values: values.map((v) => (v === null ? '' : String(v))), nulls };
    case 'array':
      return { type, values: values.map((v) => (v === null ? [] : (v as Value[]))), nulls };
  }
}

export { isNull };
