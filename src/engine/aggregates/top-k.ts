// top_k(x, k) / top_k(k)(x) → array(T): a group's k most frequent non-NULL values, most frequent
// first, ties in order of first arrival; k defaults to 10. T is x's type without nullable.
// Counting is exact (every distinct value of a group is counted), where ClickHouse's topK is an
// approximate space-saving sketch; memory grows with the distinct values of a group. Timeplus's
// third argument `true` (return [value, count] pairs) needs tuples and is refused; `false` is
// accepted. A merge adds counts; values first seen in the merged-in state rank after this state's
// on ties.
import { type DataType, T } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { baseType, type Col } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import { aggregateError, checkArity, growArray, integerParam, sameState, type AggregateSpec } from './common.ts';
import { elementValueAt, isBoolType, valueKey, type Key } from './keys.ts';

/** Largest k; bounds one result array (ClickHouse allows up to 2^24 too). */
export const TOP_K_MAX = 16_777_216;
const TOP_K_DEFAULT = 10;

interface Counter {
  readonly value: Value;
  count: number;
}

export class TopKState implements AggregateState {
  /** Per group: key → counter, in order of first arrival (Map iteration order). */
  private readonly maps: (Map<Key, Counter> | undefined)[] = [];
  private readonly k: number;
  private readonly isBool: boolean;
  private readonly returnType: DataType;

  constructor(returnType: DataType, isBool: boolean, k: number) {
    this.returnType = returnType;
    this.isBool = isBool;
    this.k = k;
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    const maps = this.maps;
    growArray(maps, groupCount, undefined);
    const col = args[0];
    const nulls = col.nulls;
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      if (g < 0 || (nulls !== null && nulls[i] === 1)) continue;
      let map = maps[g];
      if (map === undefined) maps[g] = map = new Map();
      const value = elementValueAt(col, i, this.isBool);
      const key = valueKey(value);
      const counter = map.get(key);
      if (counter === undefined) map.set(key, { value, count: 1 });
      else counter.count += 1;
    }
  }

  result(groupCount: number): Col {
    const values: Value[][] = new Array(groupCount);
    for (let g = 0; g < groupCount; g++) {
      const map = g < this.maps.length ? this.maps[g] : undefined;
      if (map === undefined) {
        values[g] = [];
        continue;
      }
      // Array.prototype.sort is stable, so equal counts keep first-arrival order.
      const counters = [...map.values()].sort((a, b) => b.count - a.count);
      values[g] = counters.slice(0, this.k).map((counter) => counter.value);
    }
    return { type: this.returnType, values, nulls: null };
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, TopKState).maps[sourceGroup];
    growArray(this.maps, targetGroup + 1, undefined);
    if (source === undefined || source.size === 0) return;
    let target = this.maps[targetGroup];
    if (target === undefined) this.maps[targetGroup] = target = new Map();
    for (const [key, counter] of source) {
      const existing = target.get(key);
      if (existing === undefined) target.set(key, { value: counter.value, count: counter.count });
      else existing.count += counter.count;
    }
  }
}

export const TOP_K: AggregateSpec = {
  name: 'top_k',
  aliases: ['topK'],
  constantArgsFrom: 1,
  resolve(argTypes, params) {
    checkArity('top_k', argTypes, 1, 1);
    if (params.length > 2) throw aggregateError('top_k', `takes k and an optional with_count flag, got ${params.length} parameters`);
    const k = params.length === 0 ? TOP_K_DEFAULT : integerParam('top_k', 'k', params[0], 1, TOP_K_MAX);
    if (params.length === 2) {
      const withCount = params[1];
      if (withCount === true || withCount === 1) throw aggregateError('top_k', 'with_count = true (value and count pairs) is not supported');
      if (withCount !== false && withCount !== 0) throw aggregateError('top_k', 'with_count must be true or false');
    }
    const returnType = T.array(baseType(argTypes[0]));
    const isBool = isBoolType(argTypes[0]);
    const impl: AggregateImpl = { returnType, createState: () => new TopKState(returnType, isBool, k) };
    return impl;
  },
};
