// Miscellaneous: to_type_name(x) (the argument's SQL type as text, e.g. 'nullable(int32)'), and
// has(array, x) (whether any element equals x; elements compare by value, bools as 0/1, a NULL x
// finds NULL elements, as in ClickHouse). length/empty/not_empty/reverse of arrays are with the
// string functions, which take both.
import { type DataType, T, formatDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { baseType, colValueAt } from '../column.ts';
import type { ScalarFunctionDef } from './function.ts';
import { EXPECT_ARRAY, checkArity, custom, isArray, numberCol, typeError } from './support.ts';

const toTypeName: ScalarFunctionDef = {
  name: 'to_type_name',
  resolve(argTypes) {
    checkArity('to_type_name', argTypes, 1);
    const text = formatDataType(argTypes[0]);
    return custom(T.string, (_args, rowCount) => ({ type: T.string, values: new Array<string>(rowCount).fill(text), nulls: null }));
  },
};

function sameElement(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const x = typeof a === 'boolean' ? (a ? 1 : 0) : typeof a === 'bigint' ? Number(a) : a;
  const y = typeof b === 'boolean' ? (b ? 1 : 0) : typeof b === 'bigint' ? Number(b) : b;
  return x === y;
}

const has: ScalarFunctionDef = {
  name: 'has',
  resolve(argTypes) {
    checkArity('has', argTypes, 2);
    if (!isArray(argTypes[0])) throw typeError('has', 0, EXPECT_ARRAY, argTypes[0]);
    const element = (baseType(argTypes[0]) as Extract<DataType, { kind: 'array' }>).element;
    const elementBase = baseType(element);
    const needleBase = baseType(argTypes[1]);
    const numeric = (t: DataType) => t.kind !== 'string' && t.kind !== 'uuid' && t.kind !== 'array';
    if (numeric(elementBase) !== numeric(needleBase) || needleBase.kind === 'array') {
      throw typeError('has', 1, `comparable with ${formatDataType(element)}`, argTypes[1]);
    }
    return custom(T.bool, (args, rowCount) => {
      const arrays = args[0].values as Value[][];
      const out = new Float64Array(rowCount);
      for (let i = 0; i < rowCount; i++) {
        const needle = colValueAt(args[1], i);
        const row = arrays[i];
        for (let k = 0; k < row.length; k++) {
          if (sameElement(row[k], needle)) {
            out[i] = 1;
            break;
          }
        }
      }
      return numberCol(T.bool, out);
    });
  },
};

export const MISC_FUNCTIONS: readonly ScalarFunctionDef[] = [toTypeName, has];
