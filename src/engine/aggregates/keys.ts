// Row keys and row values for the aggregates that remember distinct values (uniq, top_k,
// group_uniq_array, DISTINCT): a key is a JS Map/Set key that is equal for equal SQL values.
//
// One argument: a number is its own key (Map's SameValueZero makes NaN equal NaN and 0 equal -0);
// an int64 beyond 2^53 (bigint) is 'b' + digits, or its number when exact, so the same value keys
// the same whichever representation its batch used; a string is itself; an array is its JSON
// encoding. A state sees one value class only, so number, string and array keys never meet.
// Several arguments: each part is encoded self-delimiting ('n' number ';', 's' length ':' text,
// 'j' JSON ';', 'N' for NULL) and concatenated, so distinct tuples never share a key.
import type { DataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { baseType, type Col } from '../column.ts';

export type Key = number | string;

/** The value at `row` as a Value (the caller has checked NULL): bool stays 0/1, bigint stays bigint. */
export function rawValueAt(col: Col, row: number): Value {
  return (col.values as ArrayLike<Value>)[row];
}

/** The value at `row` as a user-facing array element: bool as boolean, bigint as number when exact. */
export function elementValueAt(col: Col, row: number, isBool: boolean): Value {
  const v = (col.values as ArrayLike<Value>)[row];
  if (isBool) return v === 1;
  return typeof v === 'bigint' ? normalizeBigint(v) : v;
}

export function isBoolType(type: DataType): boolean {
  return baseType(type).kind === 'bool';
}

export function anyNullAt(args: readonly Col[], row: number): boolean {
  for (let a = 0; a < args.length; a++) {
    const nulls = args[a].nulls;
    if (nulls !== null && nulls[row] === 1) return true;
  }
  return false;
}

export function rowKey(args: readonly Col[], row: number): Key {
  if (args.length === 1) return valueKey(rawValueAt(args[0], row));
  let key = '';
  for (let a = 0; a < args.length; a++) {
    const col = args[a];
    if (col.nulls !== null && col.nulls[row] === 1) {
      key += 'N';
      continue;
    }
    const v = valueKey(rawValueAt(col, row));
    if (typeof v === 'number') key += `n${v};`;
    else if (typeof rawValueAt(col, row) === 'string') key += `s${v.length}:${v}`;
    else key += `j${v};`;
  }
  return key;
}

export function valueKey(value: Value): Key {
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') {
    const n = normalizeBigint(value);
    return typeof n === 'number' ? n : `b${value}`;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return JSON.stringify(value, jsonReplacer);
}

function normalizeBigint(value: bigint): Value {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') {
    const n = normalizeBigint(value);
    return typeof n === 'number' ? n : `\u0000${value}`;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
