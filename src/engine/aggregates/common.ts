// Shared pieces of the aggregate library: the registry entry type (the contract plus what the
// planner needs to know about a call's shape), argument and parameter checks that raise
// INVALID_ARGUMENT naming the aggregate, growable per-group typed arrays, and result helpers.
//
// Growth: per-group accumulators are typed arrays indexed by group id. They grow by doubling
// (never shrink), so a stream of batches with slowly rising groupCount costs amortized O(1) per
// group. Everything beyond a state's capacity is "never updated" and reads as the empty result.
import assert from 'node:assert/strict';
import { DbError } from '../../core/errors.ts';
import { type DataType, formatDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { isTimeType, valueClassOf } from '../column.ts';
import type { AggregateFunctionDef, AggregateImpl, AggregateState } from './aggregate.ts';

/** A registry entry: the contract's definition plus the call shape the planner must know. */
export interface AggregateDef extends AggregateFunctionDef {
  /**
   * Arguments from this index on are constants, not columns: the planner evaluates them and appends
   * them to `params` after any parametric parameters (`top_k(x, 10)` → argTypes [type of x],
   * params [10], exactly like `top_k(10)(x)`). null: every argument is a column.
   */
  readonly constantArgsFrom: number | null;
  /**
   * The planner appends the event time `_tp_time` (datetime64(3)) as an extra last argument
   * (earliest, latest and their `_if` forms).
   */
  readonly needsEventTime: boolean;
}

/** What a module declares; `defineAggregate` fills in DISTINCT handling and the defaults. */
export interface AggregateSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly constantArgsFrom?: number;
  readonly needsEventTime?: boolean;
  /** The spec implements `distinct` itself (count); otherwise the generic DISTINCT wrapper is used. */
  readonly handlesDistinct?: boolean;
  resolve(argTypes: readonly DataType[], params: readonly Value[], distinct: boolean): AggregateImpl;
}

export function aggregateError(name: string, detail: string): DbError {
  return new DbError('INVALID_ARGUMENT', `aggregate ${name}: ${detail}`, { aggregate: name });
}

export function checkArity(name: string, argTypes: readonly DataType[], min: number, max: number): void {
  const n = argTypes.length;
  if (n >= min && n <= max) return;
  const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  throw aggregateError(name, `expected ${expected} argument${expected === '1' ? '' : 's'}, got ${n}`);
}

export function checkNoParams(name: string, params: readonly Value[]): void {
  if (params.length > 0) throw aggregateError(name, `takes no parameters, got ${params.length}`);
}

export function typeName(type: DataType): string {
  return formatDataType(type);
}

/** Numbers a sum or an average can take: number class, not a time type. */
export function checkArithmetic(name: string, type: DataType, position = ''): void {
  if (valueClassOf(type) !== 'number' || isTimeType(type)) {
    throw aggregateError(name, `${position}argument must be numeric, got ${typeName(type)}`);
  }
}

/** Types with an order: numbers, time types, strings, uuids (not arrays). */
export function checkComparable(name: string, type: DataType, position = ''): void {
  if (valueClassOf(type) === 'array') throw aggregateError(name, `${position}argument must be a number, time or string, got ${typeName(type)}`);
}

/** A parameter that must be an integer in [min, max]. */
export function integerParam(name: string, what: string, value: Value, min: number, max: number): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw aggregateError(name, `${what} must be an integer from ${min} to ${max}, got ${formatParam(value)}`);
  }
  return n;
}

/** A parameter that must be a number in [0, 1] (a quantile level). */
export function levelParam(name: string, value: Value): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !(n >= 0 && n <= 1)) {
    throw aggregateError(name, `level must be a number from 0 to 1, got ${formatParam(value)}`);
  }
  return n;
}

function formatParam(value: Value): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return 'an array';
  return String(value);
}

export function isNullable(type: DataType): boolean {
  return type.kind === 'nullable';
}


// ---------------------------------------------------------------------------------------------
// Growth

const CAPACITY_MIN = 16;

export function capacityFor(needed: number, current: number): number {
  let capacity = Math.max(current, CAPACITY_MIN);
  while (capacity < needed) capacity *= 2;
  return capacity;
}

export function growFloat64(array: Float64Array<ArrayBuffer>, needed: number, fill = 0): Float64Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const grown = new Float64Array(capacityFor(needed, array.length));
  grown.set(array);
  if (fill !== 0) grown.fill(fill, array.length);
  return grown;
}

export function growUint8(array: Uint8Array<ArrayBuffer>, needed: number): Uint8Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const grown = new Uint8Array(capacityFor(needed, array.length));
  grown.set(array);
  return grown;
}

/** Plain arrays (strings, per-group collections) grow the same way, filled with `fill`. */
export function growArray<E>(array: E[], needed: number, fill: E): void {
  if (needed <= array.length) return;
  const capacity = capacityFor(needed, array.length);
  for (let i = array.length; i < capacity; i++) array.push(fill);
}

/** Copies the first `groupCount` entries (a result must not alias state), zero beyond capacity. */
export function copyFloat64(array: Float64Array, groupCount: number): Float64Array {
  const out = new Float64Array(groupCount);
  out.set(array.length > groupCount ? array.subarray(0, groupCount) : array);
  return out;
}

/** The result's `nulls`: 1 where a group saw no value, or null when every group saw one. */
export function nullsWhereUnseen(seen: Uint8Array, groupCount: number): Uint8Array | null {
  let nulls: Uint8Array | null = null;
  for (let g = 0; g < groupCount; g++) {
    if (g < seen.length && seen[g] === 1) continue;
    nulls ??= new Uint8Array(groupCount);
    nulls[g] = 1;
  }
  return nulls;
}

/** Casts `other` to this state's class; merging different aggregates is a planner bug. */
export function sameState<S extends AggregateState>(other: AggregateState, ctor: abstract new (...args: never[]) => S): S {
  assert(other instanceof ctor, `merge of a ${other.constructor.name} into a ${ctor.name}`);
  return other;
}
