// The aggregate function contract. Aggregation is vectorized: an operator computes a group id for
// every row of a batch (dense, 0..groupCount-1) and hands the whole batch to each aggregate's state
// at once; states keep per-group accumulators in growable typed arrays, not per-group objects
// where avoidable.
//
// NULL handling: aggregates skip NULL argument rows (SQL semantics: count(x) counts non-NULL x;
// sum/min/max/avg of only NULLs is NULL), except count(*) which has no arguments.
// Results are read without consuming the state (streaming emits the same state repeatedly under
// EMIT PERIODIC), and states of the same aggregate can be merged (hop windows, shards).
import type { DataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import type { Col } from '../column.ts';

export interface AggregateState {
  /**
   * Adds rows to groups: `groups[i]` is row i's group id (< groupCount), or -1 to skip the row
   * (filtered out, late). groupCount may grow between calls; states grow with it.
   */
  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void;
  /** One value per group 0..groupCount-1 (groups never updated get the empty result: 0 for count, NULL for sum/min/…). */
  result(groupCount: number): Col;
  /** Merges group `sourceGroup` of `other` (a state of the same aggregate) into this state's `targetGroup`. */
  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void;
}

export interface AggregateImpl {
  readonly returnType: DataType;
  createState(): AggregateState;
}

export interface AggregateFunctionDef {
  /** Canonical Timeplus snake_case name, lower case. */
  readonly name: string;
  readonly aliases?: readonly string[];
  /**
   * Checks and picks the implementation. `params` are the constant parameters of parametric
   * aggregates (`quantile(0.9)(x)` → [0.9]) or trailing constant arguments declared as such
   * (`top_k(x, 10)`); `distinct` is `count(DISTINCT x)`-style. Throws DbError INVALID_ARGUMENT.
   */
  resolve(argTypes: readonly DataType[], params: readonly Value[], distinct: boolean): AggregateImpl;
}
