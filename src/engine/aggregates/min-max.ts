// min(x), max(x) over numbers, bool, time types, strings and uuids; the result keeps x's type
// (nullable iff x is). A group whose rows were all NULL is NULL; over a non-nullable x a group
// without rows reads 0 / ''. Strings compare by UTF-16 code units (JS `<`), which matches
// ClickHouse's byte order except between astral characters and U+E000…U+FFFF.
import type { DataType } from '../../types/data-type.ts';
import type { Col } from '../column.ts';
import type { AggregateImpl, AggregateState } from './aggregate.ts';
import type { FusableState, FusedPart } from './fused.ts';
import { checkArity, checkComparable, checkNoParams, growUint8, isNullable, nullsWhereUnseen, sameState, type AggregateSpec } from './common.ts';
import { Slots } from './slots.ts';

export class MinMaxState implements AggregateState, FusableState {
  private readonly slots: Slots;
  private seen = new Uint8Array(0);
  private readonly isMax: boolean;
  private readonly type: DataType;

  constructor(type: DataType, isMax: boolean) {
    this.type = type;
    this.isMax = isMax;
    this.slots = new Slots(type);
  }

  fuse(args: readonly Col[], capacity: number): FusedPart | null {
    const col = args[0];
    if (this.slots.valueClass !== 'number' || !(col.values instanceof Float64Array) || col.nulls !== null) return null;
    this.slots.grow(capacity);
    this.seen = growUint8(this.seen, capacity);
    return { kind: this.isMax ? 'max' : 'min', best: this.slots.numbers, seen: this.seen, values: col.values };
  }

  update(groups: Int32Array, groupCount: number, args: readonly Col[], rowCount: number): void {
    this.slots.grow(groupCount);
    const seen = (this.seen = growUint8(this.seen, groupCount));
    const col = args[0];
    const nulls = col.nulls;
    const source = this.slots.source(col, this.isMax ? 'aggregate max' : 'aggregate min');
    if (source instanceof Float64Array) {
      const best = this.slots.numbers;
      if (nulls === null) {
        if (this.isMax) maxOfNumbers(groups, source, best, seen, rowCount);
        else minOfNumbers(groups, source, best, seen, rowCount);
        return;
      }
      if (this.isMax) {
        for (let i = 0; i < rowCount; i++) {
          const g = groups[i];
          if (g < 0 || (nulls !== null && nulls[i] === 1)) continue;
          const v = source[i];
          if (seen[g] === 0 || v > best[g]) {
            best[g] = v;
            seen[g] = 1;
          }
        }
      } else {
        for (let i = 0; i < rowCount; i++) {
          const g = groups[i];
          if (g < 0 || (nulls !== null && nulls[i] === 1)) continue;
          const v = source[i];
          if (seen[g] === 0 || v < best[g]) {
            best[g] = v;
            seen[g] = 1;
          }
        }
      }
      return;
    }
    const strings = source as readonly string[];
    const best = this.slots.objects as string[];
    for (let i = 0; i < rowCount; i++) {
      const g = groups[i];
      if (g < 0 || (nulls !== null && nulls[i] === 1)) continue;
      const v = strings[i];
      if (seen[g] === 0 || (this.isMax ? v > best[g] : v < best[g])) {
        best[g] = v;
        seen[g] = 1;
      }
    }
  }

  result(groupCount: number): Col {
    const nulls = isNullable(this.type) ? nullsWhereUnseen(this.seen, groupCount) : null;
    return { type: this.type, values: this.slots.toValues(groupCount), nulls };
  }

  merge(other: AggregateState, sourceGroup: number, targetGroup: number): void {
    const source = sameState(other, MinMaxState);
    this.slots.grow(targetGroup + 1);
    this.seen = growUint8(this.seen, targetGroup + 1);
    if (sourceGroup >= source.seen.length || source.seen[sourceGroup] === 0) return;
    let better = this.seen[targetGroup] === 0;
    if (!better) {
      const candidate = this.slots.valueClass === 'number' ? source.slots.numbers[sourceGroup] : source.slots.objects[sourceGroup];
      const current = this.slots.valueClass === 'number' ? this.slots.numbers[targetGroup] : this.slots.objects[targetGroup];
      better = this.isMax ? (candidate as number | string) > (current as number | string) : (candidate as number | string) < (current as number | string);
    }
    if (better) {
      this.slots.copyFrom(source.slots, sourceGroup, targetGroup);
      this.seen[targetGroup] = 1;
    }
  }
}

function minMaxSpec(name: string, isMax: boolean): AggregateSpec {
  return {
    name,
    resolve(argTypes, params) {
      checkNoParams(name, params);
      checkArity(name, argTypes, 1, 1);
      checkComparable(name, argTypes[0]);
      const type = argTypes[0];
      const impl: AggregateImpl = { returnType: type, createState: () => new MinMaxState(type, isMax) };
      return impl;
    },
  };
}

export const MIN = minMaxSpec('min', false);
export const MAX = minMaxSpec('max', true);

// The NULL-free loops, one per direction, as functions of their own so each optimizes on its own types.
function maxOfNumbers(groups: Int32Array, source: Float64Array, best: Float64Array, seen: Uint8Array, rowCount: number): void {
  for (let i = 0; i < rowCount; i++) {
    const g = groups[i];
    if (g < 0) continue;
    const v = source[i];
    if (seen[g] === 0 || v > best[g]) {
      best[g] = v;
      seen[g] = 1;
    }
  }
}

function minOfNumbers(groups: Int32Array, source: Float64Array, best: Float64Array, seen: Uint8Array, rowCount: number): void {
  for (let i = 0; i < rowCount; i++) {
    const g = groups[i];
    if (g < 0) continue;
    const v = source[i];
    if (seen[g] === 0 || v < best[g]) {
      best[g] = v;
      seen[g] = 1;
    }
  }
}
