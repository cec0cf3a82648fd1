// Math: abs, floor, ceil, trunc, round, sign, sqrt, cbrt, exp, exp2, exp10, log/ln, log2, log10,
// pow/power, greatest, least, and the trigonometric functions.
//
// Types: abs/floor/ceil/trunc/round keep the class (integral → int64, float → float64); sign is
// int8; the transcendental functions are float64 and follow IEEE (sqrt(-1) = nan, log(0) = -inf).
// round(x[, n]) rounds to n decimal places (n may be negative); halves go to even for floats
// (ClickHouse uses banker's rounding there) and away from zero for integers. Like ClickHouse, n must
// be a constant. greatest/least take the common type of their arguments (numbers, times or strings);
// a NaN in the running maximum stays (comparisons with NaN are false).
import { type DataType, T } from '../../types/data-type.ts';
import { castCol } from './cast.ts';
import type { ScalarFunctionDef } from './function.ts';
import {
  type NumberFn1,
  arithmeticType,
  checkArity,
  commonType,
  constantInteger,
  expectPlainNumber,
  isIntegral,
  mapNumbers,
  mapNumbers2,
  numberCol,
  numbers,
  propagating,
  typeError,
} from './support.ts';

/** A one-argument float64 function over plain numbers. */
function floatUnary(name: string, fn: NumberFn1, aliases: readonly string[] = []): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes) {
      checkArity(name, argTypes, 1);
      expectPlainNumber(name, argTypes, 0);
      return propagating(T.float64, (args, rowCount) => numberCol(T.float64, mapNumbers(numbers(args[0], name), rowCount, fn)));
    },
  };
}

/** A one-argument function that keeps the class: integral → int64 (identity when `integerFn` is absent), float → float64. */
function classPreserving(name: string, fn: NumberFn1, aliases: readonly string[] = []): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes) {
      checkArity(name, argTypes, 1);
      expectPlainNumber(name, argTypes, 0);
      const returnType = arithmeticType(argTypes);
      return propagating(returnType, (args, rowCount) => numberCol(returnType, mapNumbers(numbers(args[0], name), rowCount, fn)));
    },
  };
}

function signOf(x: number): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

/** Round half to even (Math.round sends halves toward +inf). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function roundHalfAway(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** round(x, digits) for one value; `integral` picks away-from-zero halves. */
function roundTo(x: number, digits: number, integral: boolean): number {
  if (!Number.isFinite(x)) return x;
  if (digits >= 0) {
    if (integral || Math.abs(x) >= 2 ** 52) return x;
    const scale = 10 ** digits;
    const scaled = x * scale;
    if (!Number.isFinite(scaled)) return x;
    return roundHalfEven(scaled) / scale;
  }
  const scale = 10 ** -digits;
  return (integral ? roundHalfAway(x / scale) : roundHalfEven(x / scale)) * scale + 0;
}

/** round(x[, n]): n is a constant (ClickHouse requires one too); see the header for halves. */
const round: ScalarFunctionDef = {
  name: 'round',
  resolve(argTypes, constants) {
    checkArity('round', argTypes, 1, 2);
    expectPlainNumber('round', argTypes, 0);
    const digits = constantInteger('round', argTypes, constants, 1, 0);
    const integral = isIntegral(argTypes[0]);
    const returnType = arithmeticType(argTypes.slice(0, 1));
    return propagating(returnType, (args, rowCount) => {
      const source = numbers(args[0], 'round');
      const out = new Float64Array(rowCount);
      for (let i = 0; i < rowCount; i++) out[i] = roundTo(source[i], digits, integral);
      return numberCol(returnType, out);
    });
  },
};

const sign: ScalarFunctionDef = {
  name: 'sign',
  resolve(argTypes) {
    checkArity('sign', argTypes, 1);
    expectPlainNumber('sign', argTypes, 0);
    return propagating(T.int8, (args, rowCount) => numberCol(T.int8, mapNumbers(numbers(args[0], 'sign'), rowCount, signOf)));
  },
};

function floatBinary(name: string, fn: (x: number, y: number) => number, aliases: readonly string[] = []): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes) {
      checkArity(name, argTypes, 2);
      expectPlainNumber(name, argTypes, 0);
      expectPlainNumber(name, argTypes, 1);
      return propagating(T.float64, (args, rowCount) =>
        numberCol(T.float64, mapNumbers2(numbers(args[0], name), numbers(args[1], name), rowCount, fn)),
      );
    },
  };
}

/** greatest / least over the arguments' common type. */
function extreme(name: string, wantGreater: boolean): ScalarFunctionDef {
  return {
    name,
    resolve(argTypes) {
      checkArity(name, argTypes, 2, Infinity);
      const returnType: DataType = commonType(name, argTypes);
      if (returnType.kind === 'array') throw typeError(name, 0, 'a number, a time or a string', argTypes[0]);
      return propagating(returnType, (args, rowCount) => {
        const cast = args.map((a) => castCol(a, returnType, rowCount).values);
        const first = cast[0];
        if (first instanceof Float64Array) {
          const out = Float64Array.from(first.subarray(0, rowCount));
          for (let k = 1; k < cast.length; k++) {
            const next = cast[k] as Float64Array;
            if (wantGreater) for (let i = 0; i < rowCount; i++) out[i] = next[i] > out[i] ? next[i] : out[i];
            else for (let i = 0; i < rowCount; i++) out[i] = next[i] < out[i] ? next[i] : out[i];
          }
          return numberCol(returnType, out);
        }
        const out = (first as string[]).slice(0, rowCount);
        for (let k = 1; k < cast.length; k++) {
          const next = cast[k] as string[];
          if (wantGreater) for (let i = 0; i < rowCount; i++) out[i] = next[i] > out[i] ? next[i] : out[i];
          else for (let i = 0; i < rowCount; i++) out[i] = next[i] < out[i] ? next[i] : out[i];
        }
        return { type: returnType, values: out, nulls: null };
      });
    },
  };
}

export const MATH_FUNCTIONS: readonly ScalarFunctionDef[] = [
  classPreserving('abs', Math.abs),
  classPreserving('floor', Math.floor),
  classPreserving('ceil', Math.ceil, ['ceiling']),
  classPreserving('trunc', Math.trunc, ['truncate']),
  round,
  sign,
  floatUnary('sqrt', Math.sqrt),
  floatUnary('cbrt', Math.cbrt),
  floatUnary('exp', Math.exp),
  floatUnary('exp2', (x) => 2 ** x),
  floatUnary('exp10', (x) => 10 ** x),
  floatUnary('log', Math.log, ['ln']),
  floatUnary('log2', Math.log2),
  floatUnary('log10', Math.log10),
  floatUnary('sin', Math.sin),
  floatUnary('cos', Math.cos),
  floatUnary('tan', Math.tan),
  floatUnary('asin', Math.asin),
  floatUnary('acos', Math.acos),
  floatUnary('atan', Math.atan),
  floatBinary('pow', Math.pow, ['power']),
  floatBinary('atan2', Math.atan2),
  extreme('greatest', true),
  extreme('least', false),
];
