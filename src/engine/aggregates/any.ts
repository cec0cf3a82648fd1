// any(x): the first non-NULL value a group saw; any_last(x): the last. Any type; the result keeps
// x's type (nullable iff x is; a group without values is NULL, or the type's zero over a
// non-nullable x). "First" follows arrival order, and a merge puts the merged-in state's rows after
// this state's (so any keeps its own value, any_last takes the other's).
import type { DataType } from '../../types/data-type.ts';
import type { Col } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import { checkArity, checkNoParams, growUint8, isNullable, nullsWhereUnseen, sameState, type AggregateSpec } from './common.ts';
import { Slots } from './slots.ts';

export class AnyState implements AggregateState {
  private readonly slots: Slots;
  private seen = new Uint8Array(0);
  private readonly last: boolean;
  private readonly type: DataType;

  constructor(type: DataType, last: boolean) {
    this.type = type;
    this.last = last;
    this.slots = new Slots(type);
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    this.slots.grow(groupCount);
    const seen = (this.seen = growUint8(this.seen, groupCount));
    const col = args[0];
    const nulls = col.nulls;
    const source = this.slots.source(col, this.last ? 'aggregate any_last' : 'aggregate any');
    const numbers = source instanceof Float64Array ? source : null;
    const objects = source instanceof Float64Array ? null : source;
    const last = this.last;
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      if (g < 0 || (nulls !== null && nulls[i] === 1) || (!last && seen[g] === 1)) continue;
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
    const source = sameState(other, AnyState);
    this.slots.grow(targetGroup + 1);
    this.seen = growUint8(this.seen, targetGroup + 1);
    if (sourceGroup >= source.seen.length || source.seen[sourceGroup] === 0) return;
    if (!this.last && this.seen[targetGroup] === 1) return;
    this.slots.copyFrom(source.slots, sourceGroup, targetGroup);
    this.seen[targetGroup] = 1;
  }
}

function anySpec(name: string, aliases: readonly string[], last: boolean): AggregateSpec {
  return {
    name,
    aliases,
    resolve(argTypes, params) {
      checkNoParams(name, params);
      checkArity(name, argTypes, 1, 1);
      const type = argTypes[0];
      const impl: AggregateImpl = { returnType: type, createState: () => new AnyState(type, last) };
      return impl;
    },
  };
}

export const ANY = anySpec('any', ['first_value'], false);
export const ANY_LAST = anySpec('any_last', ['anyLast', 'last_value'], true);
