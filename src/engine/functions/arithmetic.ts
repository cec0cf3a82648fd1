// Arithmetic: plus, minus, multiply, divide, modulo, int_div, negate.
//
// Types (ClickHouse-like, simplified): arguments are plain numbers (bool counts as an integer);
// integer op integer → int64, anything with a float → float64; divide is always float64 and, like
// ClickHouse, x/0 gives ±inf or nan rather than an error. modulo and int_div by zero are errors
// (INVALID_VALUE naming the row), as in ClickHouse; modulo follows C's sign rule (-7 % 2 = -1).
// Time arithmetic goes through intervals (time.ts addIntervalMs/addIntervalMonths), not these.
// Integer results are doubles: exact while |result| < 2^53 (the column model's number class); the
// bigint class (literals beyond 2^53) is refused by numbersOfCol with a hint to cast to float64.
import { type DataType, T } from '../../types/data-type.ts';
import { type Col, isNullAt } from '../column.ts';
import type { ScalarFunctionDef } from './function.ts';
import { arithmeticType, checkArity, expectPlainNumber, isIntegral, numberCol, numbers, propagating, valueError } from './support.ts';

const Op = { Plus: 0, Minus: 1, Multiply: 2, Divide: 3, Modulo: 4, IntDiv: 5 } as const;
type Op = (typeof Op)[keyof typeof Op];

/** One loop per operator, chosen once per batch. */
function arithmeticLoop(op: Op, left: Float64Array, right: Float64Array, rowCount: number): Float64Array {
  const out = new Float64Array(rowCount);
  switch (op) {
    case Op.Plus:
      for (let i = 0; i < rowCount; i++) out[i] = left[i] + right[i];
      break;
    case Op.Minus:
      for (let i = 0; i < rowCount; i++) out[i] = left[i] - right[i];
      break;
    case Op.Multiply:
      for (let i = 0; i < rowCount; i++) out[i] = left[i] * right[i];
      break;
    case Op.Divide:
      for (let i = 0; i < rowCount; i++) out[i] = left[i] / right[i];
      break;
    case Op.Modulo:
      for (let i = 0; i < rowCount; i++) out[i] = left[i] % right[i];
      break;
    case Op.IntDiv:
      for (let i = 0; i < rowCount; i++) out[i] = Math.trunc(left[i] / right[i]);
      break;
  }
  return out;
}

/** Rows where an integer division failed: division by zero, or a non-finite quotient. */
function checkDivisions(name: string, args: readonly Col[], right: Float64Array, out: Float64Array, rowCount: number): void {
  for (let i = 0; i < rowCount; i++) {
    if (right[i] !== 0 && Number.isFinite(out[i])) continue;
    if (isNullAt(args[0], i) || isNullAt(args[1], i)) continue;
    if (right[i] === 0) throw valueError(name, 'division by zero', i);
    throw valueError(name, `result ${out[i]} is not a finite integer`, i);
  }
}

function binaryArithmetic(name: string, aliases: readonly string[], op: Op): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes) {
      checkArity(name, argTypes, 2);
      expectPlainNumber(name, argTypes, 0);
      expectPlainNumber(name, argTypes, 1);
      const integral = isIntegral(argTypes[0]) && isIntegral(argTypes[1]);
      let returnType: DataType = arithmeticType(argTypes);
      if (op === Op.Divide) returnType = T.float64;
      if (op === Op.IntDiv) returnType = T.int64;
      return propagating(returnType, (args, rowCount) => {
        const left = numbers(args[0], name);
        const right = numbers(args[1], name);
        const out = arithmeticLoop(op, left, right, rowCount);
        // Float modulo by zero is nan, a value (ClickHouse); integer modulo and int_div refuse it.
        if (op === Op.IntDiv || (op === Op.Modulo && integral)) checkDivisions(name, args, right, out, rowCount);
        return numberCol(returnType, out);
      });
    },
  };
}

const negate: ScalarFunctionDef = {
  name: 'negate',
  resolve(argTypes) {
    checkArity('negate', argTypes, 1);
    expectPlainNumber('negate', argTypes, 0);
    const returnType = arithmeticType(argTypes);
    return propagating(returnType, (args, rowCount) => {
      const source = numbers(args[0], 'negate');
      const out = new Float64Array(rowCount);
      for (let i = 0; i < rowCount; i++) out[i] = -source[i];
      return numberCol(returnType, out);
    });
  },
};

export const ARITHMETIC_FUNCTIONS: readonly ScalarFunctionDef[] = [
  binaryArithmetic('plus', [], Op.Plus),
  binaryArithmetic('minus', [], Op.Minus),
  binaryArithmetic('multiply', [], Op.Multiply),
  binaryArithmetic('divide', [], Op.Divide),
  binaryArithmetic('modulo', ['mod'], Op.Modulo),
  binaryArithmetic('int_div', ['div'], Op.IntDiv),
  negate,
];
