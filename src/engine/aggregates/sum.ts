// sum(x): signed integers (and nothing else) sum to int64, unsigned integers and bool to uint64,
// floats to float64 (ClickHouse). The result is nullable(T) iff x is nullable: a group whose rows
// were all NULL is NULL; over a non-nullable x a group is never NULL (0 if it saw no rows).
//
// Integer sums are exact: they accumulate in doubles while every partial sum stays within ±2^53
// (one compare per row), and a group that leaves that range moves to a bigint accumulator (its
// double is set to NaN, so later rows fail the range check and take the bigint path too). A
// result with any such group is a BigInt64Array / BigUint64Array column (the column model's
// representation of int64 beyond 2^53), wrapping at 64 bits like ClickHouse.
import { type DataType, T } from '../../types/data-type.ts';
import { baseType, numbersOfCol, type Col, type ColValues } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import type { FusableState, FusedPart } from './fused.ts';
import {
  checkArithmetic,
  checkArity,
  checkNoParams,
  copyFloat64,
  growFloat64,
  growUint8,
  isNullable,
  nullsWhereUnseen,
  sameState,
  type AggregateSpec,
} from './common.ts';

const EXACT_MAX = 9007199254740991; // 2^53 - 1: every integer up to here is a double.

const SIGNED = new Set(['int8', 'int16', 'int32', 'int64']);
const UNSIGNED = new Set(['uint8', 'uint16', 'uint32', 'uint64', 'bool']);

export class SumState implements AggregateState, FusableState {
  private sums = new Float64Array(0);
  private seen = new Uint8Array(0);
  /** Groups whose integer sum left ±2^53; their `sums` entry is NaN. */
  private big: Map<number, bigint> | null = null;
  private readonly integer: boolean;
  private readonly returnType: DataType;

  constructor(integer: boolean, returnType: DataType) {
    this.integer = integer;
    this.returnType = returnType;
  }

  fuse(args: readonly Col[], capacity: number): FusedPart | null {
    const col = args[0];
    if (this.integer || !(col.values instanceof Float64Array) || col.nulls !== null) return null;
    this.grow(capacity);
    return { kind: 'sum', sums: this.sums, seen: this.seen, values: col.values };
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    this.grow(groupCount);
    const col = args[0];
    const nulls = col.nulls;
    const sums = this.sums;
    const seen = this.seen;
    if (col.values instanceof BigInt64Array || col.values instanceof BigUint64Array) {
      const values = col.values;
      for (let i = 0; i < rowCount; i++) {
        const g = groups[i];
        if (g < 0 || (nulls !== null && nulls[i] === 1)) continue;
        this.addBig(g, values[i]);
        seen[g] = 1;
      }
      return;
    }
    const values = numbersOfCol(col, 'aggregate sum');
    if (!this.integer) {
      for (let i = 0; i < rowCount; i++) {
        const g = groups[i];
        if (g < 0 || (nulls !== null && nulls[i] === 1)) continue;
        sums[g] += values[i];
        seen[g] = 1;
      }
      return;
    }
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      if (g < 0 || (nulls !== null && nulls[i] === 1)) continue;
      const s = sums[g] + values[i];
      if (s <= EXACT_MAX && s >= -EXACT_MAX) sums[g] = s;
      else this.addBig(g, BigInt(values[i]));
      seen[g] = 1;
    }
  }

  private addBig(g: number, value: bigint): void {
    const big = (this.big ??= new Map());
    const previous = big.get(g) ?? BigInt(this.sums[g]);
    big.set(g, previous + value);
    this.sums[g] = NaN;
  }

  private grow(groupCount: number): void {
    this.sums = growFloat64(this.sums, groupCount);
    this.seen = growUint8(this.seen, groupCount);
  }

  result(groupCount: number): Col {
    const nulls = isNullable(this.returnType) ? nullsWhereUnseen(this.seen, groupCount) : null;
    let values: ColValues = copyFloat64(this.sums, groupCount);
    const big = this.big;
    if (big !== null && [...big.keys()].some((g) => g < groupCount)) {
      const numbers = values;
      const exact = baseType(this.returnType).kind === 'int64' ? new BigInt64Array(groupCount) : new BigUint64Array(groupCount);
      for (let g = 0; g < groupCount; g++) exact[g] = big.get(g) ?? BigInt(numbers[g]);
      values = exact;
    }
    return { type: this.returnType, values, nulls };
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, SumState);
    this.grow(targetGroup + 1);
    if (sourceGroup >= source.sums.length || source.seen[sourceGroup] === 0) return;
    this.seen[targetGroup] = 1;
    const sourceBig = source.big?.get(sourceGroup);
    if (sourceBig !== undefined) {
      this.addBig(targetGroup, sourceBig);
      return;
    }
    const s = this.sums[targetGroup] + source.sums[sourceGroup];
    if (!this.integer || (s <= EXACT_MAX && s >= -EXACT_MAX)) this.sums[targetGroup] = s;
    else this.addBig(targetGroup, BigInt(source.sums[sourceGroup]));
  }
}

export const SUM: AggregateSpec = {
  name: 'sum',
  resolve(argTypes, params) {
    checkNoParams('sum', params);
    checkArity('sum', argTypes, 1, 1);
    const type = argTypes[0];
    checkArithmetic('sum', type);
    const kind = baseType(type).kind;
    const integer = SIGNED.has(kind) || UNSIGNED.has(kind);
    const base = SIGNED.has(kind) ? T.int64 : UNSIGNED.has(kind) ? T.uint64 : T.float64;
    const returnType = isNullable(type) ? T.nullable(base) : base;
    const impl: AggregateImpl = { returnType, createState: () => new SumState(integer, returnType) };
    return impl;
  },
};
