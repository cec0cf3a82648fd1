// Conditionals and NULL handling: if, multi_if, coalesce, if_null, null_if, is_null, is_not_null,
// assume_not_null. All read `nulls` themselves (nulls: 'custom').
//
// Branch type: the common type of the value branches (support.ts commonType: numbers → float64 if
// any float else int64, times → the finest, string with string; otherwise INVALID_ARGUMENT naming
// the types), nullable when any branch is. Branches convert with castCol. A NULL condition counts
// as false (ClickHouse). coalesce is nullable only when every argument is.
//
// The compiler types a NULL literal after its first non-NULL sibling, which for if/multi_if is the
// condition: `CASE WHEN c THEN 'a' END` arrives as multi_if(bool, string, nullable(bool)). So a
// nullable(bool) (or nullable(uint8), the compiler's own NULL type) branch that has no common type
// with the others is taken as that NULL and converted to the others' type; into an array type it
// becomes empty arrays, since arrays cannot be NULL.
import { DbError, isDbError } from '../../core/errors.ts';
import { type DataType, T, formatDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { type Col, baseType, nullableOf } from '../column.ts';
import { castCol } from './cast.ts';
import { CompareOp, resolveComparison } from './comparison.ts';
import type { ScalarFunctionDef } from './function.ts';
import { anyNullable, checkArity, commonType, custom, expectPlainNumber, gatherRows, numberCol, numbers } from './support.ts';

function looksLikeNullLiteral(type: DataType): boolean {
  return type.kind === 'nullable' && (type.inner.kind === 'bool' || type.inner.kind === 'uint8');
}

/** The common base type of value branches, tolerating the compiler's NULL-literal typing (see header). */
export function branchType(name: string, types: readonly DataType[]): DataType {
  try {
    return commonType(name, types);
  } catch (error) {
    if (!isDbError(error, 'INVALID_ARGUMENT')) throw error;
    const others = types.filter((t) => !looksLikeNullLiteral(t));
    if (others.length === 0 || others.length === types.length) throw error;
    return commonType(name, others);
  }
}

/** A branch converted to the result's base type (NULL rows stay NULL). */
function toBranch(col: Col, base: DataType, rowCount: number): Col {
  if (base.kind === 'array' && baseType(col.type).kind !== 'array') {
    const empty: Value[][] = new Array(rowCount);
    for (let i = 0; i < rowCount; i++) empty[i] = [];
    return { type: base, values: empty, nulls: null };
  }
  return castCol(col, base, rowCount);
}

function finish(type: DataType, gathered: Col): Col {
  // Arrays cannot be NULL: a NULL branch row reads as [] there.
  return type.kind === 'array' ? { type, values: gathered.values, nulls: null } : { type, values: gathered.values, nulls: gathered.nulls };
}

/** multi_if(c1, v1, …, else); if(c, a, b) is the one-condition case. */
function resolveMultiIf(name: string, argTypes: readonly DataType[]) {
  const conditionCount = (argTypes.length - 1) / 2;
  const valueTypes: DataType[] = [];
  for (let k = 0; k < conditionCount; k++) {
    expectPlainNumber(name, argTypes, 2 * k);
    valueTypes.push(argTypes[2 * k + 1]);
  }
  valueTypes.push(argTypes[argTypes.length - 1]);
  const base = branchType(name, valueTypes);
  const returnType = anyNullable(valueTypes) ? nullableOf(base) : base;
  return custom(returnType, (args, rowCount) => {
    const choice = new Int32Array(rowCount).fill(conditionCount);
    for (let k = conditionCount - 1; k >= 0; k--) {
      const condition = numbers(args[2 * k], name);
      const nulls = args[2 * k].nulls;
      for (let i = 0; i < rowCount; i++) if (condition[i] !== 0 && (nulls === null || nulls[i] === 0)) choice[i] = k;
    }
    const branches: Col[] = [];
    for (let k = 0; k < conditionCount; k++) branches.push(toBranch(args[2 * k + 1], base, rowCount));
    branches.push(toBranch(args[args.length - 1], base, rowCount));
    return finish(returnType, gatherRows(returnType, branches, choice, rowCount));
  });
}

const ifFunction: ScalarFunctionDef = {
  name: 'if',
  resolve(argTypes) {
    checkArity('if', argTypes, 3);
    return resolveMultiIf('if', argTypes);
  },
};

const multiIf: ScalarFunctionDef = {
  name: 'multi_if',
  resolve(argTypes) {
    if (argTypes.length < 3 || argTypes.length % 2 === 0) {
      throw new DbError('INVALID_ARGUMENT', `function multi_if takes an odd number of arguments (at least 3: condition, value, else), got ${argTypes.length}`);
    }
    return resolveMultiIf('multi_if', argTypes);
  },
};

function resolveCoalesce(name: string, argTypes: readonly DataType[]) {
  const base = branchType(name, argTypes);
  const returnType = argTypes.every((t) => t.kind === 'nullable') ? nullableOf(base) : base;
  return custom(returnType, (args, rowCount) => {
    const last = args.length - 1;
    const choice = new Int32Array(rowCount).fill(last);
    for (let k = last - 1; k >= 0; k--) {
      const nulls = args[k].nulls;
      if (nulls === null) choice.fill(k);
      else for (let i = 0; i < rowCount; i++) if (nulls[i] === 0) choice[i] = k;
    }
    const branches = args.map((a) => toBranch(a, base, rowCount));
    const gathered = gatherRows(returnType, branches, choice, rowCount);
    return finish(returnType.kind === 'nullable' || gathered.nulls === null ? returnType : nullableOf(base), gathered);
  });
}

const coalesce: ScalarFunctionDef = {
  name: 'coalesce',
  resolve(argTypes) {
    checkArity('coalesce', argTypes, 1, Infinity);
    return resolveCoalesce('coalesce', argTypes);
  },
};

const ifNull: ScalarFunctionDef = {
  name: 'if_null',
  aliases: ['nvl'],
  resolve(argTypes) {
    checkArity('if_null', argTypes, 2);
    return resolveCoalesce('if_null', argTypes);
  },
};

/** null_if(a, b): NULL where a = b (equals' rules), else a. */
const nullIf: ScalarFunctionDef = {
  name: 'null_if',
  resolve(argTypes, constants) {
    const equals = resolveComparison('null_if', CompareOp.Equals, argTypes, constants);
    const base = baseType(argTypes[0]);
    if (base.kind === 'array') throw new DbError('INVALID_ARGUMENT', `function null_if: argument 1 must not be an array, got ${formatDataType(base)}`);
    const returnType = nullableOf(base);
    return custom(returnType, (args, rowCount, context) => {
      const equal = equals.evaluate(args, rowCount, context).values as Float64Array;
      const leftNulls = args[0].nulls;
      const rightNulls = args[1].nulls;
      const nulls = leftNulls === null ? new Uint8Array(rowCount) : leftNulls.slice(0, rowCount);
      for (let i = 0; i < rowCount; i++) if (equal[i] === 1 && (rightNulls === null || rightNulls[i] === 0)) nulls[i] = 1;
      return { type: returnType, values: args[0].values, nulls };
    });
  },
};

function nullTest(name: string, whenNull: number): ScalarFunctionDef {
  return {
    name,
    resolve(argTypes) {
      checkArity(name, argTypes, 1);
      return custom(T.bool, (args, rowCount) => {
        const nulls = args[0].nulls;
        const out = new Float64Array(rowCount).fill(1 - whenNull);
        if (nulls !== null) for (let i = 0; i < rowCount; i++) if (nulls[i] === 1) out[i] = whenNull;
        return numberCol(T.bool, out);
      });
    },
  };
}

const assumeNotNull: ScalarFunctionDef = {
  name: 'assume_not_null',
  resolve(argTypes) {
    checkArity('assume_not_null', argTypes, 1);
    const returnType = baseType(argTypes[0]);
    return custom(returnType, (args) => ({ type: returnType, values: args[0].values, nulls: null }));
  },
};

export const CONDITIONAL_FUNCTIONS: readonly ScalarFunctionDef[] = [
  ifFunction,
  multiIf,
  coalesce,
  ifNull,
  nullIf,
  nullTest('is_null', 1),
  nullTest('is_not_null', 0),
  assumeNotNull,
];
