// group_array(x) → array(T): a group's non-NULL values in arrival order (T = x's type without
// nullable); group_array(n)(x) keeps only the first n. group_uniq_array(x) → array(T): the distinct
// non-NULL values in order of first arrival; group_uniq_array(n)(x) keeps the first n distinct.
// A group without values is []. Merge appends the merged-in state's values after this state's.
// Bool values come out as booleans, int64 beyond 2^53 as bigints (what array columns hold).
import { type DataType, T } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { baseType, type Col } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import { aggregateError, checkArity, growArray, integerParam, sameState, type AggregateSpec } from './common.ts';
import { elementValueAt, isBoolType, valueKey, type Key } from './keys.ts';

/** Elements kept per group by group_array(n) / group_uniq_array(n); bounds one result array. */
export const GROUP_ARRAY_SIZE_MAX = 16_777_216;

export class GroupArrayState implements AggregateState {
  private readonly lists: (Value[] | undefined)[] = [];
  private readonly sizeMax: number;
  private readonly isBool: boolean;
  private readonly returnType: DataType;

  constructor(returnType: DataType, isBool: boolean, sizeMax: number) {
    this.returnType = returnType;
    this.isBool = isBool;
    this.sizeMax = sizeMax;
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    const lists = this.lists;
    growArray(lists, groupCount, undefined);
    const col = args[0];
    const nulls = col.nulls;
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      if (g < 0 || (nulls !== null && nulls[i] === 1)) continue;
      let list = lists[g];
      if (list === undefined) lists[g] = list = [];
      if (list.length < this.sizeMax) list.push(elementValueAt(col, i, this.isBool));
    }
  }

  result(groupCount: number): Col {
    const values: Value[][] = new Array(groupCount);
    for (let g = 0; g < groupCount; g++) values[g] = g < this.lists.length ? (this.lists[g]?.slice() ?? []) : [];
    return { type: this.returnType, values, nulls: null };
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, GroupArrayState).lists[sourceGroup];
    growArray(this.lists, targetGroup + 1, undefined);
    if (source === undefined || source.length === 0) return;
    let target = this.lists[targetGroup];
    if (target === undefined) this.lists[targetGroup] = target = [];
    for (let i = 0; i < source.length && target.length < this.sizeMax; i++) target.push(source[i]);
  }
}

export class GroupUniqArrayState implements AggregateState {
  /** Per group: key → value, in order of first arrival (Map iteration order). */
  private readonly maps: (Map<Key, Value> | undefined)[] = [];
  private readonly sizeMax: number;
  private readonly isBool: boolean;
  private readonly returnType: DataType;

  constructor(returnType: DataType, isBool: boolean, sizeMax: number) {
    this.returnType = returnType;
    this.isBool = isBool;
    this.sizeMax = sizeMax;
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
      if (map.size >= this.sizeMax) continue;
      const value = elementValueAt(col, i, this.isBool);
      const key = valueKey(value);
      if (!map.has(key)) map.set(key, value);
    }
  }

  result(groupCount: number): Col {
    const values: Value[][] = new Array(groupCount);
    for (let g = 0; g < groupCount; g++) {
      const map = g < this.maps.length ? this.maps[g] : undefined;
      values[g] = map === undefined ? [] : [...map.values()];
    }
    return { type: this.returnType, values, nulls: null };
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, GroupUniqArrayState).maps[sourceGroup];
    growArray(this.maps, targetGroup + 1, undefined);
    if (source === undefined || source.size === 0) return;
    let target = this.maps[targetGroup];
    if (target === undefined) this.maps[targetGroup] = target = new Map();
    for (const [key, value] of source) {
      if (target.size >= this.sizeMax) break;
      if (!target.has(key)) target.set(key, value);
    }
  }
}

function sizeParam(name: string, params: readonly Value[]): number {
  if (params.length > 1) throw aggregateError(name, `takes at most one parameter (the maximum size), got ${params.length}`);
  return params.length === 0 ? GROUP_ARRAY_SIZE_MAX : integerParam(name, 'maximum size', params[0], 1, GROUP_ARRAY_SIZE_MAX);
}

function arrayOfArgument(argType: DataType): { returnType: DataType; isBool: boolean } {
  return { returnType: T.array(baseType(argType)), isBool: isBoolType(argType) };
}

export const GROUP_ARRAY: AggregateSpec = {
  name: 'group_array',
  aliases: ['groupArray'],
  resolve(argTypes, params) {
    checkArity('group_array', argTypes, 1, 1);
    const sizeMax = sizeParam('group_array', params);
    const { returnType, isBool } = arrayOfArgument(argTypes[0]);
    const impl: AggregateImpl = { returnType, createState: () => new GroupArrayState(returnType, isBool, sizeMax) };
    return impl;
  },
};

export const GROUP_UNIQ_ARRAY: AggregateSpec = {
  name: 'group_uniq_array',
  aliases: ['groupUniqArray'],
  resolve(argTypes, params) {
    checkArity('group_uniq_array', argTypes, 1, 1);
    const sizeMax = sizeParam('group_uniq_array', params);
    const { returnType, isBool } = arrayOfArgument(argTypes[0]);
    const impl: AggregateImpl = { returnType, createState: () => new GroupUniqArrayState(returnType, isBool, sizeMax) };
    return impl;
  },
};
