// Comparison: equals, not_equals, less, greater, less_or_equals, greater_or_equals → bool.
//
// What compares with what:
//   number with number   any numeric classes, bool and times included; two times of different
//                        kinds (date vs datetime64) compare as instants, anything else by value
//   string with string   lexicographic by UTF-16 code units (JavaScript's order; it differs from
//                        ClickHouse's byte order only between astral characters and U+E000–U+FFFF)
//   string with a typed side (time, number, bool, uuid)
//                        the string converts to that type with castCol rules, once at resolve time
//                        when it is a literal (`_tp_time > '2026-01-01 00:00:00'`), else per batch;
//                        text that does not convert is INVALID_VALUE
//   array with array     equals / not_equals only, by value
// NaN compares false with everything (not_equals true), as IEEE and ClickHouse do.
import { DbError, isDbError } from '../../core/errors.ts';
import { type DataType, T, formatDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { type Col, baseType, constantCol } from '../column.ts';
import { DictionaryStringCol } from '../string-interner.ts';
import { msPerUnit } from './calendar.ts';
import { castCol, formatValueText } from './cast.ts';
import type { ScalarFunctionDef, ScalarImpl } from './function.ts';
import { arrays, checkArity, isArray, isStringLike, isTime, numberCol, numbers, propagating, strings } from './support.ts';

export const CompareOp = { Equals: 0, NotEquals: 1, Less: 2, Greater: 3, LessOrEquals: 4, GreaterOrEquals: 5 } as const;
export type CompareOp = (typeof CompareOp)[keyof typeof CompareOp];

/** One loop per operator; values are numbers or strings (both order with JavaScript's < and ===). */
function compareLoop<V extends number | string>(op: CompareOp, left: ArrayLike<V>, right: ArrayLike<V>, rowCount: number): Float64Array {
  const out = new Float64Array(rowCount);
  switch (op) {
    case CompareOp.Equals:
      for (let i = 0; i < rowCount; i++) out[i] = left[i] === right[i] ? 1 : 0;
      break;
    case CompareOp.NotEquals:
      for (let i = 0; i < rowCount; i++) out[i] = left[i] !== right[i] ? 1 : 0;
      break;
    case CompareOp.Less:
      for (let i = 0; i < rowCount; i++) out[i] = left[i] < right[i] ? 1 : 0;
      break;
    case CompareOp.Greater:
      for (let i = 0; i < rowCount; i++) out[i] = left[i] > right[i] ? 1 : 0;
      break;
    case CompareOp.LessOrEquals:
      for (let i = 0; i < rowCount; i++) out[i] = left[i] <= right[i] ? 1 : 0;
      break;
    case CompareOp.GreaterOrEquals:
      for (let i = 0; i < rowCount; i++) out[i] = left[i] >= right[i] ? 1 : 0;
      break;
  }
  return out;
}

/** How one side is brought to the comparison's domain. */
type Side =
  | { readonly kind: 'as-is' }
  | { readonly kind: 'scale'; readonly factor: number }
  | { readonly kind: 'constant'; readonly value: number | string }
  | { readonly kind: 'cast'; readonly target: DataType };

function sideValues(name: string, side: Side, col: Col, rowCount: number): Float64Array | string[] {
  switch (side.kind) {
    case 'as-is':
      return col.values instanceof Float64Array ? col.values : strings(col, name);
    case 'scale': {
      const source = numbers(col, name);
      const out = new Float64Array(rowCount);
      for (let i = 0; i < rowCount; i++) out[i] = source[i] * side.factor;
      return out;
    }
    case 'constant':
      return typeof side.value === 'number' ? new Float64Array(rowCount).fill(side.value) : new Array<string>(rowCount).fill(side.value);
    case 'cast': {
      const cast = castCol(col, side.target, rowCount);
      return cast.values instanceof Float64Array ? cast.values : strings(cast, name);
    }
  }
}

/** The string side converted to `target`: once when it is a literal, else per batch. */
function stringSide(name: string, target: DataType, constant: unknown): Side {
  if (typeof constant !== 'string') return { kind: 'cast', target };
  try {
    const cast = castCol(constantCol(T.string, constant, 1), target, 1);
    const value = cast.values[0];
    if (typeof value === 'number' || typeof value === 'string') return { kind: 'constant', value };
  } catch (error) {
    if (!isDbError(error, 'INVALID_VALUE')) throw error;
  }
  throw new DbError('INVALID_VALUE', `function ${name}: cannot convert '${constant}' to ${formatDataType(target)}`);
}

function cannotCompare(name: string, left: DataType, right: DataType): DbError {
  return new DbError('INVALID_ARGUMENT', `function ${name}: cannot compare ${formatDataType(left)} with ${formatDataType(right)}`);
}

/** Resolves a comparison; exported for null_if and has, which compare with the same rules. */
export function resolveComparison(name: string, op: CompareOp, argTypes: readonly DataType[], constants: readonly unknown[]): ScalarImpl {
  checkArity(name, argTypes, 2);
  const left = baseType(argTypes[0]);
  const right = baseType(argTypes[1]);
  if (isArray(left) || isArray(right)) return resolveArrayComparison(name, op, left, right);
  let leftSide: Side = { kind: 'as-is' };
  let rightSide: Side = { kind: 'as-is' };
  const leftString = left.kind === 'string';
  const rightString = right.kind === 'string';
  if (leftString && !rightString) leftSide = stringSide(name, right, constants[0]);
  else if (rightString && !leftString) rightSide = stringSide(name, left, constants[1]);
  else if (isStringLike(left) !== isStringLike(right)) throw cannotCompare(name, left, right);
  else if (isTime(left) && isTime(right) && left.kind !== right.kind) {
    leftSide = { kind: 'scale', factor: msPerUnit(left.kind) };
    rightSide = { kind: 'scale', factor: msPerUnit(right.kind) };
  }
  // `device = 'x'` over a dictionary-coded column compares codes or raw bytes with the constant's
  // (string-interner.ts): no string array is built for the column, nor one for the constant.
  const equality = op === CompareOp.Equals || op === CompareOp.NotEquals;
  const codedSide = !equality || !leftString || !rightString ? -1 : typeof constants[1] === 'string' ? 0 : typeof constants[0] === 'string' ? 1 : -1;
  const codedConstant = codedSide < 0 ? '' : (constants[1 - codedSide] as string);
  return propagating(T.bool, (args, rowCount) => {
    const coded = codedSide < 0 ? null : args[codedSide];
    if (coded instanceof DictionaryStringCol && coded.rowCount === rowCount) return numberCol(T.bool, coded.equalsConstant(codedConstant, op === CompareOp.NotEquals));
    const a = sideValues(name, leftSide, args[0], rowCount);
    const b = sideValues(name, rightSide, args[1], rowCount);
    return numberCol(T.bool, compareLoop<number | string>(op, a, b, rowCount));
  });
}

function resolveArrayComparison(name: string, op: CompareOp, left: DataType, right: DataType): ScalarImpl {
  const equality = op === CompareOp.Equals || op === CompareOp.NotEquals;
  if (!equality || formatDataType(left) !== formatDataType(right)) throw cannotCompare(name, left, right);
  return propagating(T.bool, (args, rowCount) => {
    const a = arrays(args[0]);
    const b = arrays(args[1]);
    const textA = new Array<string>(rowCount);
    const textB = new Array<string>(rowCount);
    for (let i = 0; i < rowCount; i++) {
      textA[i] = formatValueText(left, a[i] as Value);
      textB[i] = formatValueText(right, b[i] as Value);
    }
    return numberCol(T.bool, compareLoop(op, textA, textB, rowCount));
  });
}

function comparison(name: string, op: CompareOp, aliases: readonly string[]): ScalarFunctionDef {
  return { name, aliases, resolve: (argTypes, constants) => resolveComparison(name, op, argTypes, constants) };
}

export const COMPARISON_FUNCTIONS: readonly ScalarFunctionDef[] = [
  comparison('equals', CompareOp.Equals, []),
  comparison('not_equals', CompareOp.NotEquals, []),
  comparison('less', CompareOp.Less, []),
  comparison('greater', CompareOp.Greater, []),
  comparison('less_or_equals', CompareOp.LessOrEquals, []),
  comparison('greater_or_equals', CompareOp.GreaterOrEquals, []),
];
