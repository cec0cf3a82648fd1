// Casts between SQL types over whole columns: SQL `CAST(x AS t)` / `x::t`, the to_* functions, the
// string side of `time > '2026-01-01'`, branch unification of if/multi_if/coalesce, and to_string.
//
// Rules (value class → target):
//   number → integer   floats truncate toward zero (ClickHouse); NaN, ±inf and out-of-range values
//                      are errors, never wraps. int64/uint64 results beyond 2^53 come back as
//                      BigInt64Array/BigUint64Array (the column model's bigint class), exact.
//   number → float     float32 rounds (Math.fround; overflow gives ±inf like ClickHouse).
//   number → bool      0 → false, anything else → true; NaN is an error.
//   number → time      a plain number is seconds (datetime64 keeps ms, rounded to the nearest ms;
//                      datetime floors) or days for date; a time converts by its instant (floor).
//   time   → number    datetime64 gives seconds with a fraction (ClickHouse: toFloat64(dt64)), so
//                      to_int64(dt64) is whole seconds; datetime gives seconds; date gives days.
//   string → number    strict decimal text (surrounding spaces allowed): '12', '-1.5e3', 'inf',
//                      'nan'; bool accepts true/false/1/0/yes/no/on/off/t/f/y/n (any case).
//   string → time      ISO 8601 / ClickHouse text (calendar.ts), with or without a UTC offset.
//   string → uuid      8-4-4-4-12 hex digits, lower-cased.
//   any    → string    to_string rules (formatValueText): bool 'true'/'false', floats 'inf', 'nan',
//                      '1e21', times 'YYYY-MM-DD HH:MM:SS[.mmm]' UTC, arrays "[1,'a']".
//   array(T) → array(U) element by element (elements may become NULL only when U is nullable).
// Anything else (e.g. number → uuid) is INVALID_TYPE. A value that cannot convert is INVALID_VALUE:
// "cannot convert 'abc' to int32 (row 3)", with the 1-based row.
//
// NULLs are kept, never converted: NULL rows are skipped (their values are meaningless), and the
// result type is nullable(target) whenever the input may hold NULLs (castResultType).
import { DbError } from '../../core/errors.ts';
import { type DataType, type DataTypeKind, formatDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { type Col, type ColValues, baseType, colValueAt, nullableOf, valueClassOf } from '../column.ts';
import { DATETIME_SECONDS_MAX, MS_PER_DAY, MS_PER_SECOND, TIME_MS_ABS_MAX, formatTime, msPerUnit, parseTimeMs } from './calendar.ts';

/** What a failed row becomes: an error (CAST), NULL (to_*_or_null) or zero / '' (to_*_or_zero). */
export type CastFailure = 'error' | 'null' | 'zero';

/** Converts `col` to `target`. Throws INVALID_VALUE naming the row and value, INVALID_TYPE for impossible casts. */
export function castCol(col: Col, target: DataType, rowCount: number): Col {
  return castColWith(col, target, rowCount, 'error');
}

/** The type castCol returns: nullable(target) when the source may hold NULLs (arrays are never nullable). */
export function castResultType(source: DataType, target: DataType): DataType {
  const base = baseType(target);
  return source.kind === 'nullable' || target.kind === 'nullable' ? nullableOf(base) : base;
}

/** Whether a cast from `source` to `target` exists (values may still fail to convert). */
export function canCast(source: DataType, target: DataType): boolean {
  const from = baseType(source);
  const to = baseType(target);
  if (to.kind === 'string' || sameKind(from, to)) return true;
  if (from.kind === 'array' || to.kind === 'array') return from.kind === 'array' && to.kind === 'array' && canCast(from.element, to.element);
  if (to.kind === 'uuid') return from.kind === 'string';
  return from.kind !== 'uuid';
}

export function castColWith(col: Col, target: DataType, rowCount: number, failure: CastFailure): Col {
  const to = baseType(target);
  const from = baseType(col.type);
  const mayBeNull = col.type.kind === 'nullable' || col.nulls !== null || target.kind === 'nullable' || failure === 'null';
  const resultType = mayBeNull ? nullableOf(to) : to;
  const inputNulls = to.kind === 'array' ? null : col.nulls;
  // Fix (SQL corpus): empty arrays have no element to convert, so array → array always succeeds
  // when every row is empty. The literal `[]` is typed array(string) by the compiler (ClickHouse:
  // array(Nothing)), and `INSERT … VALUES ([])` into array(array(int32)) used to fail here.
  if (from.kind === 'array' && to.kind === 'array' && (col.values as readonly Value[][]).every((v, i) => i >= rowCount || v.length === 0)) {
    return { type: to, values: Array.from({ length: rowCount }, () => []), nulls: null };
  }
  if (!canCast(from, to)) {
    throw new DbError('INVALID_TYPE', `cannot convert ${formatDataType(from)} to ${formatDataType(to)}`);
  }
  // Fix (SQL corpus): uuid → string is the text as it is; it went through the number parser and
  // failed ("cannot convert '…' to string").
  // string → string keeps the column itself: a lazily coded column passes through without being
  // decoded (materializing `values` would hash and decode every row).
  if (to.kind === 'string' && from.kind === 'string' && (col.type.kind === 'nullable') === (resultType.kind === 'nullable')) return col;
  if (to.kind === 'string' && valueClassOf(from) === 'string') return { type: resultType, values: col.values, nulls: inputNulls };
  const values = col.values;
  if (sameKind(from, to) && !(values instanceof BigInt64Array || values instanceof BigUint64Array) && from.kind !== 'array') {
    return { type: resultType, values, nulls: inputNulls };
  }
  const failures = new Failures(failure, to, rowCount, inputNulls);
  let out: ColValues;
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) out = fromBigInts(values, to, rowCount, failures);
  else if (values instanceof Float64Array) out = fromNumbers(values, from.kind, to, rowCount, failures);
  else if (valueClassOf(from) === 'string') out = fromStrings(values as string[], to, rowCount, failures);
  else out = fromArrays(values as Value[][], from, to, rowCount, failure);
  const nulls = to.kind === 'array' ? null : failures.nulls;
  return { type: nulls === null && !mayBeNull ? to : resultType, values: out, nulls };
}

function sameKind(a: DataType, b: DataType): boolean {
  if (a.kind === 'array' && b.kind === 'array') return formatDataType(a) === formatDataType(b);
  return a.kind === b.kind;
}

/** Tracks failed rows per the failure mode; created once per cast. */
class Failures {
  readonly mode: CastFailure;
  readonly target: DataType;
  readonly inputNulls: Uint8Array | null;
  nulls: Uint8Array | null;
  private readonly rowCount: number;

  constructor(mode: CastFailure, target: DataType, rowCount: number, inputNulls: Uint8Array | null) {
    this.mode = mode;
    this.target = target;
    this.rowCount = rowCount;
    this.inputNulls = inputNulls;
    this.nulls = inputNulls;
  }

  isNull(row: number): boolean {
    return this.inputNulls !== null && this.inputNulls[row] === 1;
  }

  /** Records a failed row (throws in 'error' mode); the caller stores 0 / ''. */
  fail(row: number, shown: string): void {
    if (this.mode === 'error') {
      throw new DbError('INVALID_VALUE', `cannot convert ${shown} to ${formatDataType(this.target)} (row ${row + 1})`, { row: row + 1 });
    }
    if (this.mode === 'null') {
      if (this.nulls === null || this.nulls === this.inputNulls) {
        this.nulls = this.inputNulls === null ? new Uint8Array(this.rowCount) : this.inputNulls.slice(0, this.rowCount);
      }
      this.nulls[row] = 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Targets of number class

const INT_RANGES: Readonly<Partial<Record<DataTypeKind, readonly [number, number]>>> = {
  int8: [-128, 127],
  int16: [-32_768, 32_767],
  int32: [-2_147_483_648, 2_147_483_647],
  // 64-bit bounds: the exclusive upper bound 2^63 (2^64) is a double; checks use `<` for it.
  int64: [-(2 ** 63), 2 ** 63],
  uint8: [0, 255],
  uint16: [0, 65_535],
  uint32: [0, 4_294_967_295],
  uint64: [0, 2 ** 64],
};

function quoted(text: string): string {
  const shown = text.length > 100 ? `${text.slice(0, 100)}…` : text;
  return `'${shown}'`;
}

/** A number of `kind` as an error message shows it. */
function shownNumber(kind: DataTypeKind, value: number): string {
  return formatNumberText(kind, value);
}

function fromNumbers(values: Float64Array, from: DataTypeKind, to: DataType, rowCount: number, failures: Failures): ColValues {
  if (to.kind === 'string') {
    const out = new Array<string>(rowCount);
    for (let i = 0; i < rowCount; i++) out[i] = failures.isNull(i) ? '' : formatNumberText(from, values[i]);
    return out;
  }
  const fromTime = from === 'date' || from === 'datetime' || from === 'datetime64';
  const out = new Float64Array(rowCount);
  if (to.kind === 'date' || to.kind === 'datetime' || to.kind === 'datetime64') {
    // A time converts by its instant; a plain number is seconds (days for date).
    const scale = fromTime ? msPerUnit(from) : to.kind === 'date' ? MS_PER_DAY : MS_PER_SECOND;
    for (let i = 0; i < rowCount; i++) {
      if (failures.isNull(i)) continue;
      const ms = fromTime ? values[i] * scale : Math.round(values[i] * scale);
      out[i] = timeFromMs(ms, to.kind);
      if (Number.isNaN(out[i])) {
        out[i] = 0;
        failures.fail(i, shownNumber(from, values[i]));
      }
    }
    return out;
  }
  // datetime64 → number is seconds with a fraction (ClickHouse), other times keep their unit.
  const divisor = from === 'datetime64' ? MS_PER_SECOND : 1;
  if (to.kind === 'float32' || to.kind === 'float64') {
    const round = to.kind === 'float32';
    for (let i = 0; i < rowCount; i++) out[i] = round ? Math.fround(values[i] / divisor) : values[i] / divisor;
    return out;
  }
  if (to.kind === 'bool') {
    for (let i = 0; i < rowCount; i++) {
      const v = values[i];
      if (Number.isNaN(v) && !failures.isNull(i)) failures.fail(i, shownNumber(from, v));
      else out[i] = v !== 0 && !Number.isNaN(v) ? 1 : 0;
    }
    return out;
  }
  const range = INT_RANGES[to.kind];
  if (range === undefined) throw new DbError('INTERNAL', `cast to ${to.kind} reached the number path`);
  const wide = to.kind === 'int64' || to.kind === 'uint64';
  const [min, max] = range;
  let beyondSafe = false;
  for (let i = 0; i < rowCount; i++) {
    const v = Math.trunc(values[i] / divisor) + 0; // + 0 turns -0 into 0.
    const inRange = v >= min && (wide ? v < max : v <= max);
    if (!inRange) {
      if (!failures.isNull(i)) failures.fail(i, shownNumber(from, values[i]));
      continue;
    }
    out[i] = v;
    if (v > Number.MAX_SAFE_INTEGER || v < -Number.MAX_SAFE_INTEGER) beyondSafe = true;
  }
  return beyondSafe ? toBigInts(out, to.kind) : out;
}

/** A time in `kind`'s unit from ms, or NaN when out of the type's range. */
function timeFromMs(ms: number, kind: DataTypeKind): number {
  if (!(Math.abs(ms) <= TIME_MS_ABS_MAX)) return NaN;
  if (kind === 'datetime64') return Math.floor(ms);
  if (kind === 'date') return Math.floor(ms / MS_PER_DAY);
  const seconds = Math.floor(ms / MS_PER_SECOND);
  return seconds >= 0 && seconds <= DATETIME_SECONDS_MAX ? seconds : NaN;
}

function toBigInts(values: Float64Array, kind: DataTypeKind): BigInt64Array | BigUint64Array {
  const out = kind === 'int64' ? new BigInt64Array(values.length) : new BigUint64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = BigInt(values[i]);
  return out;
}

function fromBigInts(values: BigInt64Array | BigUint64Array, to: DataType, rowCount: number, failures: Failures): ColValues {
  if (to.kind === 'string') {
    const out = new Array<string>(rowCount);
    for (let i = 0; i < rowCount; i++) out[i] = failures.isNull(i) ? '' : values[i].toString();
    return out;
  }
  if (to.kind === 'int64' || to.kind === 'uint64') {
    const min = to.kind === 'int64' ? -(2n ** 63n) : 0n;
    const max = to.kind === 'int64' ? 2n ** 63n - 1n : 2n ** 64n - 1n;
    const out = to.kind === 'int64' ? new BigInt64Array(rowCount) : new BigUint64Array(rowCount);
    for (let i = 0; i < rowCount; i++) {
      const v = values[i];
      if (v >= min && v <= max) out[i] = v;
      else if (!failures.isNull(i)) failures.fail(i, v.toString());
    }
    return out;
  }
  const asNumbers = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) asNumbers[i] = Number(values[i]);
  return fromNumbers(asNumbers, 'int64', to, rowCount, failures);
}

// ---------------------------------------------------------------------------------------------
// String sources

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
const FLOAT_TEXT = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?\s*$/i;
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ['inf', Infinity],
  ['+inf', Infinity],
  ['-inf', -Infinity],
  ['infinity', Infinity],
  ['+infinity', Infinity],
  ['-infinity', -Infinity],
  ['nan', NaN],
  ['+nan', NaN],
  ['-nan', NaN],
]);
const BOOL_TEXT: ReadonlyMap<string, number> = new Map([
  ['true', 1],
  ['false', 0],
  ['1', 1],
  ['0', 0],
  ['yes', 1],
  ['no', 0],
  ['on', 1],
  ['off', 0],
  ['t', 1],
  ['f', 0],
  ['y', 1],
  ['n', 0],
]);
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A float from text, or undefined when the text is not a number (NaN is a valid result: 'nan'). */
export function parseFloatText(text: string): number | undefined {
  if (FLOAT_TEXT.test(text)) return Number(text);
  return SPECIAL_FLOATS.get(text.trim().toLowerCase());
}

function fromStrings(values: readonly string[], to: DataType, rowCount: number, failures: Failures): ColValues {
  if (to.kind === 'uuid') {
    const out = new Array<string>(rowCount);
    for (let i = 0; i < rowCount; i++) {
      const text = values[i].trim();
      out[i] = '';
      if (failures.isNull(i)) continue;
      if (UUID_TEXT.test(text)) out[i] = text.toLowerCase();
      else failures.fail(i, quoted(values[i]));
    }
    return out;
  }
  if (to.kind === 'array') throw new DbError('INVALID_TYPE', `cannot convert string to ${formatDataType(to)}`);
  const out = new Float64Array(rowCount);
  const kind = to.kind;
  const isTimeTarget = kind === 'date' || kind === 'datetime' || kind === 'datetime64';
  let parsed: Float64Array | null = null;
  if (!isTimeTarget && kind !== 'bool' && kind !== 'float32' && kind !== 'float64') parsed = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) {
    if (failures.isNull(i)) continue;
    const text = values[i];
    let v: number;
    if (isTimeTarget) v = timeFromMs(parseTimeMs(text), kind);
    else if (kind === 'bool') v = BOOL_TEXT.get(text.trim().toLowerCase()) ?? NaN;
    else if (parsed !== null) v = INTEGER_TEXT.test(text) ? Number(text) : NaN;
    else {
      const f = parseFloatText(text);
      if (f !== undefined) {
        out[i] = kind === 'float32' ? Math.fround(f) : f;
        continue;
      }
      v = NaN;
    }
    if (Number.isNaN(v)) failures.fail(i, quoted(text));
    else if (parsed !== null) parsed[i] = v;
    else out[i] = v;
  }
  if (parsed === null) return out;
  return integersFromText(values, parsed, kind, rowCount, failures);
}

/** Range-checks parsed integer text; 64-bit values beyond 2^53 are re-read exactly as BigInt. */
function integersFromText(values: readonly string[], parsed: Float64Array, kind: DataTypeKind, rowCount: number, failures: Failures): ColValues {
  const wide = kind === 'int64' || kind === 'uint64';
  let beyondSafe = false;
  for (let i = 0; i < rowCount; i++) if (Math.abs(parsed[i]) > Number.MAX_SAFE_INTEGER) beyondSafe = true;
  if (wide && beyondSafe) {
    const exact = kind === 'int64' ? new BigInt64Array(rowCount) : new BigUint64Array(rowCount);
    const min = kind === 'int64' ? -(2n ** 63n) : 0n;
    const max = kind === 'int64' ? 2n ** 63n - 1n : 2n ** 64n - 1n;
    for (let i = 0; i < rowCount; i++) {
      if (failures.isNull(i) || !INTEGER_TEXT.test(values[i])) continue;
      const v = BigInt(values[i].trim());
      if (v >= min && v <= max) exact[i] = v;
      else failures.fail(i, quoted(values[i]));
    }
    return exact;
  }
  const [min, max] = INT_RANGES[kind]!;
  const out = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) {
    const v = parsed[i] + 0;
    if (v >= min && (wide ? v < max : v <= max)) out[i] = v;
    else if (!failures.isNull(i)) failures.fail(i, quoted(values[i]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Array sources

function fromArrays(values: readonly Value[][], from: DataType, to: DataType, rowCount: number, failure: CastFailure): ColValues {
  if (from.kind !== 'array') throw new DbError('INTERNAL', `array cast from ${formatDataType(from)}`);
  if (to.kind === 'string') {
    const out = new Array<string>(rowCount);
    for (let i = 0; i < rowCount; i++) out[i] = formatValueText(from, values[i]);
    return out;
  }
  if (to.kind !== 'array') throw new DbError('INVALID_TYPE', `cannot convert ${formatDataType(from)} to ${formatDataType(to)}`);
  // Flatten, cast the elements as one column, split back.
  let total = 0;
  for (let i = 0; i < rowCount; i++) total += values[i].length;
  const flat = flatColumn(values, from.element, rowCount, total);
  const cast = castColWith(flat, to.element, total, failure);
  const out: Value[][] = new Array(rowCount);
  let at = 0;
  for (let i = 0; i < rowCount; i++) {
    const row: Value[] = new Array(values[i].length);
    for (let j = 0; j < row.length; j++) row[j] = colValueAt(cast, at++);
    out[i] = row;
  }
  return out;
}

/** The elements of array rows as one column of `elementType`. */
function flatColumn(values: readonly Value[][], elementType: DataType, rowCount: number, total: number): Col {
  const nulls = new Uint8Array(total);
  let anyNull = false;
  let at = 0;
  if (valueClassOf(elementType) === 'number') {
    const out = new Float64Array(total);
    for (let i = 0; i < rowCount; i++) {
      for (const v of values[i]) {
        if (v === null) anyNull = (nulls[at] = 1) === 1;
        else out[at] = typeof v === 'boolean' ? (v ? 1 : 0) : Number(v);
        at++;
      }
    }
    return { type: elementType, values: out, nulls: anyNull ? nulls : null };
  }
  const out: Value[] = new Array(total);
  for (let i = 0; i < rowCount; i++) {
    for (const v of values[i]) {
      if (v === null) anyNull = (nulls[at] = 1) === 1;
      out[at++] = v === null ? (valueClassOf(elementType) === 'string' ? '' : []) : v;
    }
  }
  return { type: elementType, values: out as ColValues, nulls: anyNull ? nulls : null };
}

// ---------------------------------------------------------------------------------------------
// to_string rules

/** Shortest text that reads back as the same float32 (0.1f prints '0.1', not 0.10000000149011612). */
function formatFloat32(value: number): string {
  for (let digits = 1; digits <= 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return formatFloat(Number(text));
  }
  return formatFloat(value);
}

/** ClickHouse float text: 'inf', '-inf', 'nan', '1e21', '0.1'. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value).replace('e+', 'e');
}

/** The text of one number-class value of `kind` (to_string rules). */
export function formatNumberText(kind: DataTypeKind, value: number): string {
  switch (kind) {
    case 'bool':
      return value !== 0 ? 'true' : 'false';
    case 'date':
    case 'datetime':
    case 'datetime64':
      return formatTime(kind, value);
    case 'float32':
      return Number.isFinite(value) ? formatFloat32(value) : formatFloat(value);
    case 'float64':
      return formatFloat(value);
    default:
      return Number.isInteger(value) ? String(value + 0) : formatFloat(value);
  }
}

/** The text of any value of `type` (slow path: array elements, messages): "[1,'a',NULL]". */
export function formatValueText(type: DataType, value: Value): string {
  if (value === null) return 'NULL';
  const base = baseType(type);
  if (base.kind === 'array') {
    const items = value as readonly Value[];
    const parts = new Array<string>(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const text = formatValueText(base.element, item);
      const elementKind = baseType(base.element).kind;
      const needsQuotes = item !== null && (elementKind === 'string' || elementKind === 'uuid' || elementKind === 'date' || elementKind === 'datetime' || elementKind === 'datetime64');
      parts[i] = needsQuotes ? `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : text;
    }
    return `[${parts.join(',')}]`;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return formatNumberText(base.kind, value as number);
}
