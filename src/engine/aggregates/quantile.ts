// Exact quantiles → float64: each group collects its non-NULL values; a result sorts a copy.
//   quantile(p)(x), quantile(x, p)   p in [0, 1], default 0.5. Linear interpolation between the
//                                    two closest ranks, position p·(n−1) (ClickHouse's
//                                    quantileExactInclusive, numpy's default "linear"); ClickHouse's
//                                    own `quantile` is a sampled estimate of the same value.
//   median(x)                        quantile(0.5)(x).
//   quantile_exact(p)(x)             no interpolation: the value at index ⌊p·n⌋ (clamped to n−1),
//                                    as ClickHouse's quantileExact.
//   quantiles(p1, p2, …)(x)          array(float64), one quantile per level, interpolating.
// A group without values is NULL when x is nullable, else nan (quantiles: an array of nan).
// Numbers and bool only: time types are refused. Memory grows with the rows of a group.
import { type DataType, T } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { numbersOfCol, type Col } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import { aggregateError, checkArithmetic, checkArity, growArray, isNullable, levelParam, sameState, type AggregateSpec } from './common.ts';

/** Levels in one quantiles(…) call; bounds the result array and the parameter list. */
const QUANTILE_LEVELS_MAX = 1_000;

export class QuantileState implements AggregateState {
  private readonly lists: (number[] | undefined)[] = [];
  private readonly levels: readonly number[];
  private readonly interpolate: boolean;
  /** quantiles(…): one array per group; otherwise one number. */
  private readonly asArray: boolean;
  private readonly nullable: boolean;

  constructor(levels: readonly number[], interpolate: boolean, asArray: boolean, nullable: boolean) {
    this.levels = levels;
    this.interpolate = interpolate;
    this.asArray = asArray;
    this.nullable = nullable;
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    const lists = this.lists;
    growArray(lists, groupCount, undefined);
    const col = args[0];
    const values = numbersOfCol(col, 'aggregate quantile');
    const nulls = col.nulls;
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      if (g < 0 || (nulls !== null && nulls[i] === 1)) continue;
      let list = lists[g];
      if (list === undefined) lists[g] = list = [];
      list.push(values[i]);
    }
  }

  result(groupCount: number): Col {
    if (this.asArray) {
      const values: Value[][] = new Array(groupCount);
      for (let g = 0; g < groupCount; g++) {
        const sorted = this.sorted(g);
        values[g] = this.levels.map((level) => (sorted === null ? NaN : this.pick(sorted, level)));
      }
      return { type: T.array(T.float64), values, nulls: null };
    }
    const values = new Float64Array(groupCount);
    let nulls: Uint8Array | null = null;
    for (let g = 0; g < groupCount; g++) {
      const sorted = this.sorted(g);
      if (sorted !== null) {
        values[g] = this.pick(sorted, this.levels[0]);
      } else if (this.nullable) {
        nulls ??= new Uint8Array(groupCount);
        nulls[g] = 1;
      } else {
        values[g] = NaN;
      }
    }
    return { type: this.nullable ? T.nullable(T.float64) : T.float64, values, nulls };
  }

  /** A sorted copy of group g's values (the state keeps arrival order), or null when empty. */
  private sorted(g: number): Float64Array | null {
    const list = g < this.lists.length ? this.lists[g] : undefined;
    if (list === undefined || list.length === 0) return null;
    return Float64Array.from(list).sort();
  }

  private pick(sorted: Float64Array, level: number): number {
    const n = sorted.length;
    if (!this.interpolate) return sorted[Math.min(n - 1, Math.floor(level * n))];
    const position = level * (n - 1);
    const lower = Math.floor(position);
    if (lower >= n - 1) return sorted[n - 1];
    const fraction = position - lower;
    return fraction === 0 ? sorted[lower] : sorted[lower] + fraction * (sorted[lower + 1] - sorted[lower]);
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, QuantileState).lists[sourceGroup];
    growArray(this.lists, targetGroup + 1, undefined);
    if (source === undefined || source.length === 0) return;
    let target = this.lists[targetGroup];
    if (target === undefined) this.lists[targetGroup] = target = [];
    for (const v of source) target.push(v);
  }
}

function quantileImpl(name: string, argTypes: readonly DataType[], levels: readonly number[], interpolate: boolean, asArray: boolean): AggregateImpl {
  checkArity(name, argTypes, 1, 1);
  checkArithmetic(name, argTypes[0]);
  const nullable = !asArray && isNullable(argTypes[0]);
  const returnType = asArray ? T.array(T.float64) : nullable ? T.nullable(T.float64) : T.float64;
  return { returnType, createState: () => new QuantileState(levels, interpolate, asArray, nullable) };
}

function singleLevelSpec(name: string, aliases: readonly string[], interpolate: boolean): AggregateSpec {
  return {
    name,
    aliases,
    constantArgsFrom: 1,
    resolve(argTypes, params) {
      if (params.length > 1) throw aggregateError(name, `takes one level, got ${params.length}`);
      const level = params.length === 0 ? 0.5 : levelParam(name, params[0]);
      return quantileImpl(name, argTypes, [level], interpolate, false);
    },
  };
}

export const QUANTILE = singleLevelSpec('quantile', ['quantile_exact_inclusive', 'quantileExactInclusive'], true);
export const QUANTILE_EXACT = singleLevelSpec('quantile_exact', ['quantileExact'], false);

export const MEDIAN: AggregateSpec = {
  name: 'median',
  resolve(argTypes, params) {
    if (params.length > 0) throw aggregateError('median', `takes no parameters, got ${params.length}`);
    return quantileImpl('median', argTypes, [0.5], true, false);
  },
};

export const QUANTILES: AggregateSpec = {
  name: 'quantiles',
  aliases: ['quantiles_exact_inclusive', 'quantilesExactInclusive'],
  resolve(argTypes, params) {
    if (params.length === 0) throw aggregateError('quantiles', 'needs at least one level: quantiles(0.5, 0.9)(x)');
    if (params.length > QUANTILE_LEVELS_MAX) throw aggregateError('quantiles', `takes at most ${QUANTILE_LEVELS_MAX} levels, got ${params.length}`);
    const levels = params.map((p) => levelParam('quantiles', p));
    return quantileImpl('quantiles', argTypes, levels, true, true);
  },
};
