// Logic: and, or (variadic, at least 2), xor (variadic), not. SQL three-valued logic:
//   and: false if any argument is false (even beside NULL), else NULL if any is NULL, else true;
//   or:  true if any is true, else NULL if any is NULL, else false;
//   xor: NULL if any is NULL, else true when an odd number of arguments are true;
//   not: NULL stays NULL.
// Arguments are plain numbers (bool, integers, floats): zero is false, anything else (NaN too) true.
// The result is bool, nullable when any argument is.
import { T } from '../../types/data-type.ts';
import type { ScalarFunctionDef } from './function.ts';
import { anyNullable, checkArity, custom, expectPlainNumber, numberCol, numbers, propagating } from './support.ts';

const Kind = { And: 0, Or: 1, Xor: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

function variadic(name: string, kind: Kind): ScalarFunctionDef {
  return {
    name,
    resolve(argTypes) {
      checkArity(name, argTypes, 2, Infinity);
      for (let i = 0; i < argTypes.length; i++) expectPlainNumber(name, argTypes, i);
      const returnType = anyNullable(argTypes) ? T.nullable(T.bool) : T.bool;
      return custom(returnType, (args, rowCount) => {
        // The dominant value decides a row regardless of NULLs: false for and, true for or.
        const dominant = kind === Kind.And ? 0 : 1;
        const out = new Float64Array(rowCount).fill(kind === Kind.And ? 1 : 0);
        let unknown: Uint8Array | null = null;
        for (const arg of args) {
          const values = numbers(arg, name);
          const nulls = arg.nulls;
          if (nulls !== null) {
            unknown ??= new Uint8Array(rowCount);
            for (let i = 0; i < rowCount; i++) unknown[i] |= nulls[i];
          }
          if (kind === Kind.Xor) {
            for (let i = 0; i < rowCount; i++) out[i] = out[i] !== (values[i] !== 0 ? 1 : 0) ? 1 : 0;
          } else {
            for (let i = 0; i < rowCount; i++) if ((values[i] !== 0 ? 1 : 0) === dominant && (nulls === null || nulls[i] === 0)) out[i] = dominant;
          }
        }
        if (unknown !== null && kind !== Kind.Xor) {
          for (let i = 0; i < rowCount; i++) if (out[i] === dominant) unknown[i] = 0;
        }
        if (unknown !== null) for (let i = 0; i < rowCount; i++) if (unknown[i] === 1) out[i] = 0;
        return numberCol(returnType, out, unknown);
      });
    },
  };
}

const not: ScalarFunctionDef = {
  name: 'not',
  resolve(argTypes) {
    checkArity('not', argTypes, 1);
    expectPlainNumber('not', argTypes, 0);
    return propagating(T.bool, (args, rowCount) => {
      const values = numbers(args[0], 'not');
      const out = new Float64Array(rowCount);
      for (let i = 0; i < rowCount; i++) out[i] = values[i] === 0 ? 1 : 0;
      return numberCol(T.bool, out);
    });
  },
};

export const LOGIC_FUNCTIONS: readonly ScalarFunctionDef[] = [variadic('and', Kind.And), variadic('or', Kind.Or), variadic('xor', Kind.Xor), not];
