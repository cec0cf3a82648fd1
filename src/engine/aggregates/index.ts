// The aggregate function library: every aggregate Tributary knows, looked up by name.
//
// Names are case-insensitive. Each aggregate has a canonical Timeplus snake_case name and aliases
// (ClickHouse camelCase: uniqExact, groupArray, topK, anyLast, argMin, …). Every aggregate also
// has an `_if` form (sum_if, sumIf, count_if, countIf, uniq_exact_if, …) whose last argument is a
// condition; see combinators.ts. Registry entries are AggregateDefs: the contract's
// AggregateFunctionDef plus `constantArgsFrom` (trailing constant arguments the planner moves to
// `params`: top_k(x, 10), quantile(x, 0.9)) and `needsEventTime` (the planner appends `_tp_time`:
// earliest, latest).
import type { AggregateFunctionDef } from './aggregate.ts';
import { ANY, ANY_LAST } from './any.ts';
import { ARG_MAX, ARG_MIN, EARLIEST, LATEST } from './arg-extreme.ts';
import { AVG } from './avg.ts';
import { defineAggregate, ifCombinator } from './combinators.ts';
import type { AggregateDef } from './common.ts';
import { COUNT } from './count.ts';
import { GROUP_ARRAY, GROUP_UNIQ_ARRAY } from './group-array.ts';
import { MAX, MIN } from './min-max.ts';
import { MEDIAN, QUANTILE, QUANTILE_EXACT, QUANTILES } from './quantile.ts';
import { SUM } from './sum.ts';
import { TOP_K } from './top-k.ts';
import { UNIQ, UNIQ_EXACT } from './uniq.ts';
import { STDDEV_POP, STDDEV_SAMP, VAR_POP, VAR_SAMP } from './variance.ts';

export type { AggregateFunctionDef, AggregateImpl, AggregateState } from './aggregate.ts';
export type { AggregateDef } from './common.ts';

const BASE_DEFS: readonly AggregateDef[] = [
  COUNT,
  SUM,
  AVG,
  MIN,
  MAX,
  ANY,
  ANY_LAST,
  EARLIEST,
  LATEST,
  ARG_MIN,
  ARG_MAX,
  UNIQ,
  UNIQ_EXACT,
  QUANTILE,
  QUANTILE_EXACT,
  MEDIAN,
  QUANTILES,
  GROUP_ARRAY,
  GROUP_UNIQ_ARRAY,
  TOP_K,
  VAR_POP,
  VAR_SAMP,
  STDDEV_POP,
  STDDEV_SAMP,
].map(defineAggregate);

/** Lower-cased name or alias → definition, for base aggregates and their `_if` forms. */
const BY_NAME = new Map<string, AggregateDef>();
for (const def of BASE_DEFS) {
  const ifDef = ifCombinator(def);
  for (const name of [def.name, ...(def.aliases ?? [])]) {
    register(name, def);
    register(`${name}_if`, ifDef);
    register(`${name}If`, ifDef);
  }
}

function register(name: string, def: AggregateDef): void {
  const key = name.toLowerCase();
  const existing = BY_NAME.get(key);
  if (existing !== undefined && existing !== def) throw new Error(`aggregate name ${name} is registered twice`);
  BY_NAME.set(key, def);
}

/** Canonical names of every aggregate, base and `_if` forms, sorted (aliases not listed). */
export const AGGREGATE_FUNCTION_NAMES: readonly string[] = Object.freeze(
  BASE_DEFS.flatMap((def) => [def.name, `${def.name}_if`]).sort(),
);

/** The aggregate named `name` (any case, canonical or alias), or undefined. */
export function lookupAggregateFunction(name: string): AggregateDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export function isAggregateFunction(name: string): boolean {
  return BY_NAME.has(name.toLowerCase());
}
