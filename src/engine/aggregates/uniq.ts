// uniq(x, …) and uniq_exact(x, …) → uint64: the number of distinct non-NULL values (or tuples:
// a row with any NULL argument is skipped, as in ClickHouse) per group. Both are exact: each group
// keeps a Set of row keys (keys.ts), so memory grows with the distinct count; ClickHouse's uniq is
// an approximation whose answers ours match exactly for small sets and closely otherwise.
// count(DISTINCT x, …) and Timeplus count_distinct / unique / unique_exact resolve here too.
import { T } from '../../types/data-type.ts';
import type { Col } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import { checkArity, checkNoParams, growArray, sameState, type AggregateSpec } from './common.ts';
import { anyNullAt, rowKey, type Key } from './keys.ts';

export class UniqState implements AggregateState {
  private readonly sets: (Set<Key> | undefined)[] = [];

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    const sets = this.sets;
    growArray(sets, groupCount, undefined);
    const single = args.length === 1 && args[0].values instanceof Float64Array ? args[0] : null;
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      if (g < 0 || anyNullAt(args, i)) continue;
      const key = single !== null ? (single.values as Float64Array)[i] : rowKey(args, i);
      let set = sets[g];
      if (set === undefined) sets[g] = set = new Set();
      set.add(key);
    }
  }

  result(groupCount: number): Col {
    const values = new Float64Array(groupCount);
    for (let g = 0; g < groupCount && g < this.sets.length; g++) values[g] = this.sets[g]?.size ?? 0;
    return { type: T.uint64, values, nulls: null };
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, UniqState).sets[sourceGroup];
    growArray(this.sets, targetGroup + 1, undefined);
    if (source === undefined || source.size === 0) return;
    let target = this.sets[targetGroup];
    if (target === undefined) this.sets[targetGroup] = target = new Set();
    for (const key of source) target.add(key);
  }
}

/** Exact distinct count of the argument tuples (any types). */
export const uniqImpl: AggregateImpl = { returnType: T.uint64, createState: () => new UniqState() };

function uniqSpec(name: string, aliases: readonly string[]): AggregateSpec {
  return {
    name,
    aliases,
    handlesDistinct: true,
    resolve(argTypes, params) {
      checkNoParams(name, params);
      checkArity(name, argTypes, 1, Infinity);
      return uniqImpl;
    },
  };
}

export const UNIQ = uniqSpec('uniq', ['unique', 'uniq_combined', 'uniqCombined', 'uniq_hll12', 'uniqHLL12']);
export const UNIQ_EXACT = uniqSpec('uniq_exact', ['uniqExact', 'unique_exact', 'count_distinct']);
