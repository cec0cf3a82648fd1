// The value of x at the extreme of a second argument, ignoring rows where either is NULL:
//   earliest(x) / latest(x)   Timeplus: x at the smallest / largest event time. The planner passes
//                             `_tp_time` (datetime64(3)) as the last argument, so the definition
//                             sees [x, datetime64]. Ties: earliest keeps the first row seen,
//                             latest takes the last.
//   arg_min(x, y) / arg_max(x, y)   x at the smallest / largest y (y: number, time or string).
//                             Ties keep the first row seen (ClickHouse).
// The result keeps x's type (nullable iff x is; a group without rows is NULL, or the type's zero).
// A merge treats the merged-in state's rows as later than this state's, so ties resolve as if
// both inputs had arrived in one stream, this state's rows first.
import type { DataType } from '../../types/data-type.ts';
import { isTimeType, numbersOfCol, stringsOfCol, valueClassOf, type Col } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import {
  aggregateError,
  checkArity,
  checkComparable,
  checkNoParams,
  growArray,
  growFloat64,
  growUint8,
  isNullable,
  nullsWhereUnseen,
  sameState,
  typeName,
  type AggregateSpec,
} from './common.ts';
import { Slots } from './slots.ts';

export class ArgExtremeState implements AggregateState {
  private readonly slots: Slots;
  private seen = new Uint8Array(0);
  private keyNumbers = new Float64Array(0);
  private readonly keyStrings: string[] = [];
  private readonly keyIsString: boolean;
  private readonly isMax: boolean;
  /** Replace on equal keys (latest), so the last row seen wins; otherwise the first does. */
  private readonly takeTies: boolean;
  private readonly type: DataType;
  private readonly name: string;

  constructor(name: string, type: DataType, keyType: DataType, isMax: boolean, takeTies: boolean) {
    this.name = name;
    this.type = type;
    this.slots = new Slots(type);
    this.keyIsString = valueClassOf(keyType) === 'string';
    this.isMax = isMax;
    this.takeTies = takeTies;
  }

  private grow(groupCount: number): void {
    this.slots.grow(groupCount);
    this.seen = growUint8(this.seen, groupCount);
    if (this.keyIsString) growArray(this.keyStrings, groupCount, '');
    else this.keyNumbers = growFloat64(this.keyNumbers, groupCount);
  }

  /** Whether a candidate key replaces the current one (the candidate arrived later). */
  private wins(candidate: number | string, current: number | string): boolean {
    if (candidate === current) return this.takeTies;
    return this.isMax ? candidate > current : candidate < current;
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    this.grow(groupCount);
    const [valueCol, keyCol] = args;
    const what = `aggregate ${this.name}`;
    const source = this.slots.source(valueCol, what);
    const numbers = source instanceof Float64Array ? source : null;
    const objects = source instanceof Float64Array ? null : source;
    const keys: Float64Array | readonly string[] = this.keyIsString ? stringsOfCol(keyCol, what) : numbersOfCol(keyCol, what);
    const best: Float64Array | string[] = this.keyIsString ? this.keyStrings : this.keyNumbers;
    const valueNulls = valueCol.nulls;
    const keyNulls = keyCol.nulls;
    const seen = this.seen;
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      if (g < 0 || (valueNulls !== null && valueNulls[i] === 1) || (keyNulls !== null && keyNulls[i] === 1)) continue;
      const key = keys[i];
      if (seen[g] === 1 && !this.wins(key, best[g])) continue;
      best[g] = key as never;
      if (numbers !== null) this.slots.numbers[g] = numbers[i];
      else this.slots.objects[g] = objects![i];
      seen[g] = 1;
    }
  }

  result(groupCount: number): Col {
    const nulls = isNullable(this.type) ? nullsWhereUnseen(this.seen, groupCount) : null;
    return { type: this.type, values: this.slots.toValues(groupCount), nulls };
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, ArgExtremeState);
    this.grow(targetGroup + 1);
    if (sourceGroup >= source.seen.length || source.seen[sourceGroup] === 0) return;
    const candidate = this.keyIsString ? source.keyStrings[sourceGroup] : source.keyNumbers[sourceGroup];
    if (this.seen[targetGroup] === 1) {
      const current = this.keyIsString ? this.keyStrings[targetGroup] : this.keyNumbers[targetGroup];
      if (!this.wins(candidate, current)) return;
    }
    if (this.keyIsString) this.keyStrings[targetGroup] = candidate as string;
    else this.keyNumbers[targetGroup] = candidate as number;
    this.slots.copyFrom(source.slots, sourceGroup, targetGroup);
    this.seen[targetGroup] = 1;
  }
}

function eventTimeSpec(name: string, isMax: boolean): AggregateSpec {
  return {
    name,
    needsEventTime: true,
    resolve(argTypes, params) {
      checkNoParams(name, params);
      checkArity(name, argTypes, 2, 2);
      const [type, timeType] = argTypes;
      if (!isTimeType(timeType)) throw aggregateError(name, `event time argument must be a time type, got ${typeName(timeType)}`);
      const impl: AggregateImpl = { returnType: type, createState: () => new ArgExtremeState(name, type, timeType, isMax, isMax) };
      return impl;
    },
  };
}

function argSpec(name: string, aliases: readonly string[], isMax: boolean): AggregateSpec {
  return {
    name,
    aliases,
    resolve(argTypes, params) {
      checkNoParams(name, params);
      checkArity(name, argTypes, 2, 2);
      const [type, keyType] = argTypes;
      checkComparable(name, keyType, 'second ');
      const impl: AggregateImpl = { returnType: type, createState: () => new ArgExtremeState(name, type, keyType, isMax, false) };
      return impl;
    },
  };
}

export const EARLIEST = eventTimeSpec('earliest', false);
export const LATEST = eventTimeSpec('latest', true);
export const ARG_MIN = argSpec('arg_min', ['argMin'], false);
export const ARG_MAX = argSpec('arg_max', ['argMax'], true);
