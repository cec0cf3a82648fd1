// Per-group value slots for the aggregates that keep one input value per group (min, max, any,
// any_last, earliest, latest, arg_min, arg_max). Numbers (every number-class type: ints, floats,
// bool, time types) live in a growable Float64Array; strings, uuids and arrays in a plain array.
// Which one is fixed by the SQL type at resolve time, so loops branch once per batch, not per row.
//
// A group never given a value reads as the type's zero ('' / 0 / []) and the caller marks it NULL
// when the result type is nullable.
import type { DataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { numbersOfCol, valueClassOf, type Col, type ColValues } from '../column.ts';
import { copyFloat64, growArray, growFloat64 } from './common.ts';

export class Slots {
  readonly valueClass: 'number' | 'string' | 'array';
  numbers: Float64Array<ArrayBuffer> = new Float64Array(0);
  readonly objects: Value[] = [];

  constructor(type: DataType) {
    this.valueClass = valueClassOf(type);
  }

  grow(groupCount: number): void {
    if (this.valueClass === 'number') this.numbers = growFloat64(this.numbers, groupCount);
    else growArray(this.objects, groupCount, this.valueClass === 'string' ? '' : EMPTY_ARRAY);
  }

  /** The batch's values in the shape this slot class stores: numbers, or an array of Values. */
  source(col: Col, what: string): Float64Array | readonly Value[] {
    if (this.valueClass === 'number') return numbersOfCol(col, what);
    return col.values as readonly Value[];
  }

  copyFrom(other: Slots, sourceGroup: number, targetGroup: number): void {
    if (this.valueClass === 'number') this.numbers[targetGroup] = other.numbers[sourceGroup];
    else this.objects[targetGroup] = other.objects[sourceGroup];
  }

  /** A copy of the first `groupCount` slots as column values (arrays are immutable; shared). */
  toValues(groupCount: number): ColValues {
    if (this.valueClass === 'number') return copyFloat64(this.numbers, groupCount);
    const fill = this.valueClass === 'string' ? '' : EMPTY_ARRAY;
    const out = new Array<Value>(groupCount);
    for (let g = 0; g < groupCount; g++) out[g] = g < this.objects.length ? this.objects[g] : fill;
    return out as string[] | Value[][];
  }
}

const EMPTY_ARRAY: readonly Value[] = Object.freeze([]);
