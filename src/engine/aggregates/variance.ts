// var_pop, var_samp, stddev_pop, stddev_samp → float64 (nullable iff x is). Per group: count,
// mean and M2 (sum of squared deviations) in typed arrays, updated with Welford's method (stable
// for large values with small spread) and merged with Chan et al.'s pairwise formula, so a merge
// equals one pass over both inputs up to rounding. A group without values is NULL when x is
// nullable, else nan; the sample forms of a single value are nan (n - 1 = 0).
import { T } from '../../types/data-type.ts';
import { numbersOfCol, type Col } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import { checkArithmetic, checkArity, checkNoParams, growFloat64, isNullable, sameState, type AggregateSpec } from './common.ts';

export const VarianceKind = { VarPop: 0, VarSamp: 1, StddevPop: 2, StddevSamp: 3 } as const;
export type VarianceKind = (typeof VarianceKind)[keyof typeof VarianceKind];

export class VarianceState implements AggregateState {
  private counts = new Float64Array(0);
  private means = new Float64Array(0);
  private squares = new Float64Array(0);
  private readonly kind: VarianceKind;
  private readonly nullable: boolean;

  constructor(kind: VarianceKind, nullable: boolean) {
    this.kind = kind;
    this.nullable = nullable;
  }

  private grow(groupCount: number): void {
    this.counts = growFloat64(this.counts, groupCount);
    this.means = growFloat64(this.means, groupCount);
    this.squares = growFloat64(this.squares, groupCount);
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    this.grow(groupCount);
    const { counts, means, squares } = this;
    const col = args[0];
    const values = numbersOfCol(col, 'aggregate variance');
    const nulls = col.nulls;
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      if (g < 0 || (nulls !== null && nulls[i] === 1)) continue;
      const v = values[i];
      const n = counts[g] + 1;
      const delta = v - means[g];
      const mean = means[g] + delta / n;
      squares[g] += delta * (v - mean);
      means[g] = mean;
      counts[g] = n;
    }
  }

  result(groupCount: number): Col {
    const values = new Float64Array(groupCount);
    let nulls: Uint8Array | null = null;
    const sample = this.kind === VarianceKind.VarSamp || this.kind === VarianceKind.StddevSamp;
    const root = this.kind === VarianceKind.StddevPop || this.kind === VarianceKind.StddevSamp;
    for (let g = 0; g < groupCount; g++) {
      const n = g < this.counts.length ? this.counts[g] : 0;
      if (n === 0 && this.nullable) {
        nulls ??= new Uint8Array(groupCount);
        nulls[g] = 1;
        continue;
      }
      const divisor = sample ? n - 1 : n;
      const variance = divisor > 0 ? Math.max(0, this.squares[g] / divisor) : NaN;
      values[g] = root ? Math.sqrt(variance) : variance;
    }
    return { type: this.nullable ? T.nullable(T.float64) : T.float64, values, nulls };
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, VarianceState);
    this.grow(targetGroup + 1);
    if (sourceGroup >= source.counts.length) return;
    const nb = source.counts[sourceGroup];
    if (nb === 0) return;
    const na = this.counts[targetGroup];
    const n = na + nb;
    const delta = source.means[sourceGroup] - this.means[targetGroup];
    this.means[targetGroup] += (delta * nb) / n;
    this.squares[targetGroup] += source.squares[sourceGroup] + (delta * delta * na * nb) / n;
    this.counts[targetGroup] = n;
  }
}

function varianceSpec(name: string, aliases: readonly string[], kind: VarianceKind): AggregateSpec {
  return {
    name,
    aliases,
    resolve(argTypes, params) {
      checkNoParams(name, params);
      checkArity(name, argTypes, 1, 1);
      checkArithmetic(name, argTypes[0]);
      const nullable = isNullable(argTypes[0]);
      const impl: AggregateImpl = {
        returnType: nullable ? T.nullable(T.float64) : T.float64,
        createState: () => new VarianceState(kind, nullable),
      };
      return impl;
    },
  };
}

export const VAR_POP = varianceSpec('var_pop', ['varPop'], VarianceKind.VarPop);
export const VAR_SAMP = varianceSpec('var_samp', ['varSamp'], VarianceKind.VarSamp);
export const STDDEV_POP = varianceSpec('stddev_pop', ['stddevPop'], VarianceKind.StddevPop);
export const STDDEV_SAMP = varianceSpec('stddev_samp', ['stddevSamp'], VarianceKind.StddevSamp);
