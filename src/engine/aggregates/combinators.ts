// Wrappers that turn one aggregate into another without touching its state's code:
//   DISTINCT   sum(DISTINCT x), avg(DISTINCT x), group_array(DISTINCT x), …: each group remembers
//              the argument tuples it has passed on (keys.ts) and hides repeats (and rows with a
//              NULL argument) from the inner state by turning their group id into -1. To merge,
//              the tuples new to the target group are replayed into the inner state as a batch,
//              so the merge stays exact. count(DISTINCT …) does not come here: it is uniq_exact.
//   _if / If   sum_if(x, cond), countIf(cond), uniq_exact_if(x, cond), …: the last argument (before
//              the event time for earliest_if / latest_if) is a condition; rows where it is 0 or
//              NULL get group id -1. Merge and result are the inner state's.
import { type DataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { baseType, isTimeType, numbersOfCol, valueClassOf, type Col, type ColValues } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import { aggregateError, growArray, sameState, typeName, type AggregateDef, type AggregateSpec } from './common.ts';
import { anyNullAt, rawValueAt, rowKey, type Key } from './keys.ts';

/** Fills in the registry entry: defaults, and the DISTINCT wrapper unless the spec handles DISTINCT. */
export function defineAggregate(spec: AggregateSpec): AggregateDef {
  const needsEventTime = spec.needsEventTime ?? false;
  return {
    name: spec.name,
    aliases: spec.aliases ?? [],
    constantArgsFrom: spec.constantArgsFrom ?? null,
    needsEventTime,
    resolve(argTypes, params, distinct) {
      if (!distinct || spec.handlesDistinct === true) return spec.resolve(argTypes, params, distinct);
      if (needsEventTime) throw aggregateError(spec.name, 'DISTINCT is not supported');
      if (argTypes.length === 0) throw aggregateError(spec.name, 'DISTINCT needs an argument');
      const inner = spec.resolve(argTypes, params, false);
      return { returnType: inner.returnType, createState: () => new DistinctState(inner.createState(), argTypes) };
    },
  };
}

export class DistinctState implements AggregateState {
  readonly inner: AggregateState;
  private readonly argTypes: readonly DataType[];
  /** Per group: key → the argument values (raw: bool 0/1, bigint as is), for replay on merge. */
  private readonly seen: (Map<Key, Value[]> | undefined)[] = [];

  constructor(inner: AggregateState, argTypes: readonly DataType[]) {
    this.inner = inner;
    this.argTypes = argTypes;
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    growArray(this.seen, groupCount, undefined);
    const passed = new Int32Array(rowCount);
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      passed[i] = -1;
      if (g < 0 || anyNullAt(args, i)) continue;
      let map = this.seen[g];
      if (map === undefined) this.seen[g] = map = new Map();
      const key = rowKey(args, i);
      if (map.has(key)) continue;
      map.set(key, args.map((col) => rawValueAt(col, i)));
      passed[i] = g;
    }
    this.inner.update(passed, groupCount, args, rowCount);
  }

  result(groupCount: number): Col {
    return this.inner.result(groupCount);
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, DistinctState).seen[sourceGroup];
    growArray(this.seen, targetGroup + 1, undefined);
    if (source === undefined || source.size === 0) return;
    let target = this.seen[targetGroup];
    if (target === undefined) this.seen[targetGroup] = target = new Map();
    const rows: Value[][] = [];
    for (const [key, values] of source) {
      if (target.has(key)) continue;
      target.set(key, values);
      rows.push(values);
    }
    if (rows.length === 0) return;
    const args = this.argTypes.map((type, a) => colOfValues(type, rows.map((row) => row[a])));
    this.inner.update(new Int32Array(rows.length).fill(targetGroup), targetGroup + 1, args, rows.length);
  }
}

/** A column holding `values` (raw, none NULL) in the engine representation of `type`. */
function colOfValues(type: DataType, values: Value[]): Col {
  let out: ColValues;
  if (valueClassOf(type) !== 'number') out = values as string[] | Value[][];
  else if (values.some((v) => typeof v === 'bigint')) {
    const exact = baseType(type).kind === 'uint64' ? new BigUint64Array(values.length) : new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) exact[i] = BigInt(values[i] as number | bigint);
    out = exact;
  } else out = Float64Array.from(values as number[]);
  return { type, values: out, nulls: null };
}

export class IfState implements AggregateState {
  readonly inner: AggregateState;
  private readonly conditionIndex: number;

  constructor(inner: AggregateState, conditionIndex: number) {
    this.inner = inner;
    this.conditionIndex = conditionIndex;
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    const condition = args[this.conditionIndex];
    const truth = numbersOfCol(condition, 'aggregate condition');
    const nulls = condition.nulls;
    const passed = new Int32Array(rowCount);
    for (let i = 0; i < rowCount; i++) {
      passed[i] = truth[i] !== 0 && (nulls === null || nulls[i] === 0) ? groups[i] : -1;
    }
    const innerArgs = args.filter((_, a) => a !== this.conditionIndex);
    this.inner.update(passed, groupCount, innerArgs, rowCount);
  }

  result(groupCount: number): Col {
    return this.inner.result(groupCount);
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    this.inner.merge(sameState(other, IfState).inner, sourceGroup, targetGroup);
  }
}

/** `<base>_if`: the base aggregate over the rows where the condition argument holds. */
export function ifCombinator(base: AggregateDef): AggregateDef {
  const name = `${base.name}_if`;
  return {
    name,
    aliases: [],
    constantArgsFrom: null,
    needsEventTime: base.needsEventTime,
    resolve(argTypes, params, distinct) {
      const conditionIndex = base.needsEventTime ? argTypes.length - 2 : argTypes.length - 1;
      if (conditionIndex < 0) throw aggregateError(name, 'needs a condition as its last argument');
      const conditionType = argTypes[conditionIndex];
      if (valueClassOf(conditionType) !== 'number' || isTimeType(conditionType)) {
        throw aggregateError(name, `condition must be bool or a number, got ${typeName(conditionType)}`);
      }
      const inner: AggregateImpl = base.resolve(
        argTypes.filter((_, a) => a !== conditionIndex),
        params,
        distinct,
      );
      return { returnType: inner.returnType, createState: () => new IfState(inner.createState(), conditionIndex) };
    },
  };
}
