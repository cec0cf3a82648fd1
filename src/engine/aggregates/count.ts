// count() / count(*) counts rows; count(x) counts rows where x is not NULL; both return uint64 and
// 0 for a group that saw no rows. count(DISTINCT x, …) is uniq_exact (exact distinct count of
// non-NULL tuples). Counts are doubles: exact to 2^53 rows, far beyond what one node ingests.
import { T } from '../../types/data-type.ts';
import type { Col } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import type { FusableState, FusedPart } from './fused.ts';
import { checkArity, checkNoParams, copyFloat64, growFloat64, sameState, type AggregateSpec } from './common.ts';
import { uniqImpl } from './uniq.ts';

export class CountState implements AggregateState, FusableState {
  private counts = new Float64Array(0);

  fuse(args: readonly Col[], capacity: number): FusedPart | null {
    if (args.length > 0 && args[0].nulls !== null) return null;
    this.counts = growFloat64(this.counts, capacity);
    return { kind: 'count', counts: this.counts };
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    const counts = (this.counts = growFloat64(this.counts, groupCount));
    const nulls = args.length > 0 ? args[0].nulls : null;
    if (nulls === null) {
      for (let i = 0; i < rowCount; i++) {
        const g = groups[i];
        if (g >= 0) counts[g] += 1;
      }
      return;
    }
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      if (g >= 0 && nulls[i] === 0) counts[g] += 1;
    }
  }

  result(groupCount: number): Col {
    return { type: T.uint64, values: copyFloat64(this.counts, groupCount), nulls: null };
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, CountState);
    this.counts = growFloat64(this.counts, targetGroup + 1);
    if (sourceGroup < source.counts.length) this.counts[targetGroup] += source.counts[sourceGroup];
  }
}

const countImpl: AggregateImpl = { returnType: T.uint64, createState: () => new CountState() };

export const COUNT: AggregateSpec = {
  name: 'count',
  handlesDistinct: true,
  resolve(argTypes, params, distinct) {
    checkNoParams('count', params);
    if (distinct) {
      checkArity('count', argTypes, 1, Infinity);
      return uniqImpl;
    }
    checkArity('count', argTypes, 0, 1);
    return countImpl;
  },
};
