// Helpers for the aggregate tests (not a test file itself): columns built from plain values, a
// runner that resolves an aggregate by name and feeds it batches, and results read back as Values.
import assert from 'node:assert/strict';
import { type DataType, T } from '../../../../src/types/data-type.ts';
import type { Value } from '../../../../src/types/vector.ts';
import { colValueAt, valueClassOf, type Col } from '../../../../src/engine/column.ts';
import type { AggregateImpl, AggregateState } from '../../../../src/engine/aggregates/aggregate.ts';
import { lookupAggregateFunction } from '../../../../src/engine/aggregates/index.ts';

/** A column of `type` holding `values`; null entries become NULL rows (type should be nullable). */
export function col(type: DataType, values: readonly Value[]): Col {
  const hasNull = values.some((v) => v === null);
  const nulls = hasNull ? Uint8Array.from(values, (v) => (v === null ? 1 : 0)) : null;
  switch (valueClassOf(type)) {
    case 'number':
      return { type, values: Float64Array.from(values, (v) => (v === null ? 0 : typeof v === 'boolean' ? (v ? 1 : 0) : Number(v))), nulls };
    case 'string':
      return { type, values: values.map((v) => (v === null ? '' : String(v))), nulls };
    case 'array':
      return { type, values: values.map((v) => (v === null ? [] : (v as Value[]))), nulls };
  }
}

export const ints = (values: readonly (number | null)[]): Col => col(T.nullable(T.int32), values);
export const floats = (values: readonly (number | null)[]): Col => col(T.nullable(T.float64), values);
export const strings = (values: readonly (string | null)[]): Col => col(T.nullable(T.string), values);
export const groupsOf = (ids: readonly number[]): Int32Array => Int32Array.from(ids);

export function resolve(name: string, argTypes: readonly DataType[], params: readonly Value[] = [], distinct = false): AggregateImpl {
  const def = lookupAggregateFunction(name);
  assert.ok(def, `aggregate ${name} is registered`);
  return def.resolve(argTypes, params, distinct);
}

export interface Batch {
  readonly groups: readonly number[];
  readonly args: readonly Col[];
  /** Defaults to max(group id) + 1. */
  readonly groupCount?: number;
}

/** A fresh state of `impl` fed `batches` in order. */
export function feed(impl: AggregateImpl, batches: readonly Batch[], state: AggregateState = impl.createState()): AggregateState {
  for (const batch of batches) {
    const groupCount = batch.groupCount ?? Math.max(0, ...batch.groups) + 1;
    state.update(groupsOf(batch.groups), groupCount, batch.args, batch.groups.length);
  }
  return state;
}

/** The result of `state` for `groupCount` groups as Values, checking the column's shape. */
export function values(state: AggregateState, groupCount: number, impl?: AggregateImpl): Value[] {
  const result = state.result(groupCount);
  assert.equal(result.values.length, groupCount, 'one value per group');
  if (result.nulls !== null) assert.equal(result.nulls.length, groupCount, 'one null flag per group');
  if (impl !== undefined) assert.deepEqual(result.type, impl.returnType, 'result type is the declared return type');
  const out: Value[] = [];
  for (let g = 0; g < groupCount; g++) out.push(colValueAt(result, g));
  return out;
}

/** Resolves, feeds, reads: the one-liner most tests need. */
export function run(name: string, argTypes: readonly DataType[], batches: readonly Batch[], groupCount: number, params: readonly Value[] = [], distinct = false): Value[] {
  const impl = resolve(name, argTypes, params, distinct);
  const state = feed(impl, batches);
  const first = values(state, groupCount, impl);
  assert.deepEqual(values(state, groupCount, impl), first, `${name}: result is non-destructive`);
  return first;
}
