// avg(x) → float64 (nullable iff x is): the sum of non-NULL values over their count, kept as two
// typed arrays so merging is exact addition. A group without values is NULL when x is nullable and
// nan otherwise (ClickHouse). Time types are refused, as in ClickHouse.
import { T } from '../../types/data-type.ts';
import { numbersOfCol, type Col } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import type { FusableState, FusedPart } from './fused.ts';
import { checkArithmetic, checkArity, checkNoParams, growFloat64, isNullable, sameState, type AggregateSpec } from './common.ts';

export class AvgState implements AggregateState, FusableState {
  private sums = new Float64Array(0);
  private counts = new Float64Array(0);
  private readonly nullable: boolean;

  constructor(nullable: boolean) {
    this.nullable = nullable;
  }

  fuse(args: readonly Col[], capacity: number): FusedPart | null {
    const col = args[0];
    if (!(col.values instanceof Float64Array) || col.nulls !== null) return null;
    this.sums = growFloat64(this.sums, capacity);
    this.counts = growFloat64(this.counts, capacity);
    return { kind: 'avg', sums: this.sums, counts: this.counts, values: col.values };
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    const sums = (this.sums = growFloat64(this.sums, groupCount));
    const counts = (this.counts = growFloat64(this.counts, groupCount));
    const col = args[0];
    const values = numbersOfCol(col, 'aggregate avg');
    const nulls = col.nulls;
    if (nulls === null) {
      for (let i = 0; i < rowCount; i++) {
        const g = groups[i];
        if (g < 0) continue;
        sums[g] += values[i];
        counts[g] += 1;
      }
      return;
    }
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      if (g < 0 || nulls[i] === 1) continue;
      sums[g] += values[i];
      counts[g] += 1;
    }
  }

  result(groupCount: number): Col {
    const values = new Float64Array(groupCount);
    let nulls: Uint8Array | null = null;
    for (let g = 0; g < groupCount; g++) {
      const count = g < this.counts.length ? this.counts[g] : 0;
      if (count > 0) {
        values[g] = this.sums[g] / count;
      } else if (this.nullable) {
        nulls ??= new Uint8Array(groupCount);
        nulls[g] = 1;
      } else {
        values[g] = NaN;
      }
    }
    return { type: this.nullable ? T.nullable(T.float64) : T.float64, values, nulls };
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, AvgState);
    this.sums = growFloat64(this.sums, targetGroup + 1);
    this.counts = growFloat64(this.counts, targetGroup + 1);
    if (sourceGroup >= source.counts.length) return;
    this.sums[targetGroup] += source.sums[sourceGroup];
    this.counts[targetGroup] += source.counts[sourceGroup];
  }
}

export const AVG: AggregateSpec = {
  name: 'avg',
  resolve(argTypes, params) {
    checkNoParams('avg', params);
    checkArity('avg', argTypes, 1, 1);
    checkArithmetic('avg', argTypes[0]);
    const nullable = isNullable(argTypes[0]);
    const impl: AggregateImpl = { returnType: nullable ? T.nullable(T.float64) : T.float64, createState: () => new AvgState(nullable) };
    return impl;
  },
};
