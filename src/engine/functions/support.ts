// Shared pieces of the scalar function library: argument checks with the library's one wording of
// errors, type classes, result allocation, and the few column loops every family needs. Function
// families (arithmetic.ts, string.ts, …) hold no loops of their own that one of these could run.
//
// Error wording (tests match it):
//   arity:  "function lower takes 1 argument, got 2"
//   type:   "function lower: argument 1 must be a string, got int32"
// Both are DbError INVALID_ARGUMENT, raised at resolve time (once per call site). Errors that depend
// on values (a failed cast, a division by zero) are INVALID_VALUE and name the 1-based row.
//
// Type classes used by resolvers (always on the type without its nullable wrapper):
//   plain number  bool, int8…uint64, float32, float64 (arithmetic, math, logic)
//   time          date, datetime, datetime64 (also "number" class in the column model)
//   string        string, uuid
//   array         array(T)
import { DbError } from '../../core/errors.ts';
import { type DataType, type DataTypeKind, T, formatDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { type Col, baseType, numbersOfCol, stringsOfCol } from '../column.ts';
import type { EvalContext, ScalarImpl } from './function.ts';

// ---------------------------------------------------------------------------------------------
// Errors

export function arityError(name: string, expected: string, got: number): DbError {
  return new DbError('INVALID_ARGUMENT', `function ${name} takes ${expected}, got ${got}`);
}

function plural(count: number): string {
  return count === 1 ? `${count} argument` : `${count} arguments`;
}

/** Checks `min <= argTypes.length <= max` (max = Infinity for variadic functions). */
export function checkArity(name: string, argTypes: readonly DataType[], min: number, max: number = min): void {
  const got = argTypes.length;
  if (got >= min && got <= max) return;
  let expected: string;
  if (min === max) expected = min === 0 ? 'no arguments' : plural(min);
  else if (max === Infinity) expected = `at least ${plural(min)}`;
  else if (max === min + 1) expected = `${min} or ${plural(max)}`;
  else expected = `${min} to ${plural(max)}`;
  throw arityError(name, expected, got);
}

/** `expected` reads after "must be": 'a string', 'a number', 'a time (date, datetime or datetime64)'. */
export function typeError(name: string, argIndex: number, expected: string, got: DataType): DbError {
  return new DbError('INVALID_ARGUMENT', `function ${name}: argument ${argIndex + 1} must be ${expected}, got ${formatDataType(got)}`);
}

/** A value-dependent failure at a 1-based row. */
export function valueError(name: string, detail: string, rowIndex: number): DbError {
  return new DbError('INVALID_VALUE', `function ${name}: ${detail} (row ${rowIndex + 1})`, { row: rowIndex + 1 });
}

// ---------------------------------------------------------------------------------------------
// Type classes

export function kindOf(type: DataType): DataTypeKind {
  return baseType(type).kind;
}

const INTEGER_KINDS: ReadonlySet<DataTypeKind> = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
const FLOAT_KINDS: ReadonlySet<DataTypeKind> = new Set(['float32', 'float64']);
const TIME_KINDS: ReadonlySet<DataTypeKind> = new Set(['date', 'datetime', 'datetime64']);

export const EXPECT_NUMBER = 'a number';
export const EXPECT_STRING = 'a string';
export const EXPECT_TIME = 'a time (date, datetime or datetime64)';
export const EXPECT_ARRAY = 'an array';

/** int8…uint64 (bool is not an integer type here, but counts as one in arithmetic: see isIntegral). */
export function isIntegerType(type: DataType): boolean {
  return INTEGER_KINDS.has(kindOf(type));
}

/** Integers and bool: types whose arithmetic results are integers. */
export function isIntegral(type: DataType): boolean {
  const kind = kindOf(type);
  return kind === 'bool' || INTEGER_KINDS.has(kind);
}

export function isFloatType(type: DataType): boolean {
  return FLOAT_KINDS.has(kindOf(type));
}

/** bool, integers and floats: not times, strings or arrays. */
export function isPlainNumber(type: DataType): boolean {
  const kind = kindOf(type);
  return kind === 'bool' || INTEGER_KINDS.has(kind) || FLOAT_KINDS.has(kind);
}

export function isTime(type: DataType): boolean {
  return TIME_KINDS.has(kindOf(type));
}

export function isStringLike(type: DataType): boolean {
  const kind = kindOf(type);
  return kind === 'string' || kind === 'uuid';
}

export function isArray(type: DataType): boolean {
  return kindOf(type) === 'array';
}

export function isBool(type: DataType): boolean {
  return kindOf(type) === 'bool';
}

export function anyNullable(types: readonly DataType[]): boolean {
  for (const type of types) if (type.kind === 'nullable') return true;
  return false;
}

/** int64 when every argument is integral, else float64 (ClickHouse-like, simplified: no widening ladder). */
export function arithmeticType(types: readonly DataType[]): DataType {
  for (const type of types) if (!isIntegral(type)) return T.float64;
  return T.int64;
}

export function expectPlainNumber(name: string, argTypes: readonly DataType[], index: number): void {
  if (!isPlainNumber(argTypes[index])) throw typeError(name, index, EXPECT_NUMBER, argTypes[index]);
}

export function expectString(name: string, argTypes: readonly DataType[], index: number): void {
  if (!isStringLike(argTypes[index])) throw typeError(name, index, EXPECT_STRING, argTypes[index]);
}

export function expectTime(name: string, argTypes: readonly DataType[], index: number): void {
  if (!isTime(argTypes[index])) throw typeError(name, index, EXPECT_TIME, argTypes[index]);
}

/** A constant string argument (a unit, a format); throws naming the function otherwise. */
export function constantString(name: string, argTypes: readonly DataType[], constants: readonly unknown[], index: number, what: string): string {
  const value = constants[index];
  if (typeof value !== 'string') throw typeError(name, index, `a constant string (${what})`, argTypes[index]);
  return value;
}

/** A constant integer argument, or `fallback` when the argument is absent. */
export function constantInteger(name: string, argTypes: readonly DataType[], constants: readonly unknown[], index: number, fallback: number): number {
  if (index >= argTypes.length) return fallback;
  const value = constants[index];
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'number' ? value : NaN;
  if (!Number.isInteger(n) || !isIntegral(argTypes[index])) throw typeError(name, index, 'a constant integer', argTypes[index]);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Implementations and results

export type Evaluate = (args: readonly Col[], rowCount: number, context: EvalContext) => Col;

/** A NULL-propagating implementation: the compiler nulls the result where any argument is NULL. */
export function propagating(returnType: DataType, evaluate: Evaluate): ScalarImpl {
  return { returnType, nulls: 'propagate', evaluate };
}

/** An implementation that reads `nulls` itself; `returnType` must already say nullable when needed. */
export function custom(returnType: DataType, evaluate: Evaluate): ScalarImpl {
  return { returnType, nulls: 'custom', evaluate };
}

export function numberCol(type: DataType, values: Float64Array, nulls: Uint8Array | null = null): Col {
  return { type, values, nulls };
}

export function stringCol(type: DataType, values: string[], nulls: Uint8Array | null = null): Col {
  return { type, values, nulls };
}

export function arrayCol(type: DataType, values: Value[][], nulls: Uint8Array | null = null): Col {
  return { type, values, nulls };
}

export function numbers(col: Col, name: string): Float64Array {
  return numbersOfCol(col, `function ${name}`);
}

export function strings(col: Col, name: string): string[] {
  return stringsOfCol(col, `function ${name}`);
}

export function arrays(col: Col): Value[][] {
  return col.values as Value[][];
}

/** The union of the arguments' NULL masks (a new array), or null when none has NULLs. */
export function unionNulls(cols: readonly Col[], rowCount: number): Uint8Array | null {
  let out: Uint8Array | null = null;
  for (const col of cols) {
    if (col.nulls === null) continue;
    if (out === null) out = col.nulls.slice(0, rowCount);
    else for (let i = 0; i < rowCount; i++) out[i] |= col.nulls[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Loops. One pass per call; the per-row work is a direct call V8 can inline at a monomorphic site.

export type NumberFn1 = (x: number) => number;
export type NumberFn2 = (x: number, y: number) => number;

export function mapNumbers(source: Float64Array, rowCount: number, fn: NumberFn1): Float64Array {
  const out = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = fn(source[i]);
  return out;
}

export function mapNumbers2(left: Float64Array, right: Float64Array, rowCount: number, fn: NumberFn2): Float64Array {
  const out = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = fn(left[i], right[i]);
  return out;
}

export function mapStrings(source: readonly string[], rowCount: number, fn: (s: string) => string): string[] {
  const out = new Array<string>(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = fn(source[i]);
  return out;
}

export function mapStringsToNumbers(source: readonly string[], rowCount: number, fn: (s: string) => number): Float64Array {
  const out = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = fn(source[i]);
  return out;
}

/** Like mapStrings with a second string column (a needle, a prefix). */
export function mapStrings2ToNumbers(left: readonly string[], right: readonly string[], rowCount: number, fn: (a: string, b: string) => number): Float64Array {
  const out = new Float64Array(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = fn(left[i], right[i]);
  return out;
}

/** A column of `rowCount` copies of a number (no nulls). */
export function filledNumbers(type: DataType, value: number, rowCount: number): Col {
  return { type, values: new Float64Array(rowCount).fill(value), nulls: null };
}

/** Flattens a row-wise choice: out[i] = sources[choice[i]][i]; NULL where that source is NULL. */
export function gatherRows(type: DataType, sources: readonly Col[], choice: Uint8Array | Uint16Array | Int32Array, rowCount: number): Col {
  let nulls: Uint8Array | null = null;
  for (const source of sources) {
    if (source.nulls === null) continue;
    nulls = new Uint8Array(rowCount);
    break;
  }
  if (nulls !== null) {
    for (let i = 0; i < rowCount; i++) {
      const sourceNulls = sources[choice[i]].nulls;
      if (sourceNulls !== null) nulls[i] = sourceNulls[i];
    }
  }
  const first = sources[0].values;
  if (first instanceof Float64Array) {
    const values = sources.map((s) => s.values as Float64Array);
    const out = new Float64Array(rowCount);
    for (let i = 0; i < rowCount; i++) out[i] = values[choice[i]][i];
    return { type, values: out, nulls };
  }
  const values = sources.map((s) => s.values as unknown[]);
  const out: unknown[] = new Array(rowCount);
  for (let i = 0; i < rowCount; i++) out[i] = values[choice[i]][i];
  return { type, values: out as Col['values'], nulls };
}

// ---------------------------------------------------------------------------------------------
// Common supertype (if/multi_if/coalesce branches, greatest/least)

const TIME_RANK: Readonly<Partial<Record<DataTypeKind, number>>> = { date: 0, datetime: 1, datetime64: 2 };

/**
 * The type every argument converts to, without nullable: the same type stays; plain numbers give
 * float64 if any is a float else int64; times give the finest of them (date < datetime <
 * datetime64); string with uuid gives string. Anything else is INVALID_ARGUMENT naming the types.
 */
export function commonType(name: string, types: readonly DataType[]): DataType {
  const bases = types.map(baseType);
  const first = bases[0];
  if (bases.every((b) => formatDataType(b) === formatDataType(first))) return first;
  if (bases.every((b) => isPlainNumber(b))) return arithmeticType(bases);
  if (bases.every((b) => isTime(b))) {
    let finest = first;
    for (const b of bases) if (TIME_RANK[b.kind]! > TIME_RANK[finest.kind]!) finest = b;
    return finest;
  }
  if (bases.every((b) => isStringLike(b))) return T.string;
  if (bases.every((b) => b.kind === first.kind && b.kind !== 'array')) return first; // times differing only by timezone
  const listed = [...new Set(bases.map(formatDataType))].join(', ');
  throw new DbError('INVALID_ARGUMENT', `function ${name}: arguments have no common type (${listed})`);
}
