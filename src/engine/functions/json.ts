// JSON functions over string columns, ClickHouse style: json_extract_string|int|uint|float|bool|raw,
// json_has, json_length, json_extract_keys, json_extract_array_raw, is_valid_json, json_value.
//
// Path: the arguments after the JSON text, each a key (string: object member) or an index
// (integer: array element, 1-based, negative from the end; 0 matches nothing):
// json_extract_string(j, 'a', 2, 'b') reads j.a[1].b. No path means the whole document.
// json_value(j, '$.a[0].b') takes a JSONPath of member and [index] steps (0-based, as JSONPath is).
// Each row's text is parsed once per call (JSON.parse). Text that is not valid JSON, a missing path,
// or a value of the wrong kind gives the empty result ('' / 0 / false / []), never an error, as in
// ClickHouse. Numbers are doubles, so integers beyond 2^53 lose precision.
// Results: string → the string itself (a non-string gives ''); int/uint → numbers truncated toward
// zero, bools 1/0; float → numbers, bools 1/0; bool → true only for JSON true; raw → the value
// re-serialized compactly (strings keep their quotes).
import { DbError } from '../../core/errors.ts';
import { type DataType, T } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import type { Col } from '../column.ts';
import type { ScalarFunctionDef } from './function.ts';
import { EXPECT_STRING, arrayCol, checkArity, expectString, isIntegral, isStringLike, numberCol, numbers, propagating, stringCol, strings, typeError } from './support.ts';

const MISSING: unique symbol = Symbol('missing');
type Found = unknown | typeof MISSING;
type PathStep = string | number;

function parseJson(text: string): Found {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return MISSING;
  }
}

function step(value: Found, key: PathStep): Found {
  if (typeof key === 'string') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return MISSING;
    return Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : MISSING;
  }
  if (!Array.isArray(value) || key === 0) return MISSING;
  const index = key > 0 ? key - 1 : value.length + key;
  return index >= 0 && index < value.length ? value[index] : MISSING;
}

function walk(root: Found, path: readonly PathStep[]): Found {
  let value = root;
  for (let k = 0; k < path.length && value !== MISSING; k++) value = step(value, path[k]);
  return value;
}

/** Reads each row's path: once when all path arguments are constants, else per row. */
function pathReader(args: readonly Col[], constants: readonly unknown[] | null, name: string): (row: number) => readonly PathStep[] {
  if (constants !== null) {
    const fixed = constants as PathStep[];
    return () => fixed;
  }
  const columns = args.slice(1).map((a) => (a.values instanceof Float64Array ? numbers(a, name) : strings(a, name)));
  const path: PathStep[] = new Array(columns.length);
  return (row) => {
    for (let k = 0; k < columns.length; k++) path[k] = columns[k][row];
    return path;
  };
}

/** The constant path, or null when any path argument is not a constant. */
function constantPath(name: string, argTypes: readonly DataType[], constants: readonly unknown[]): PathStep[] | null {
  const path: PathStep[] = [];
  for (let k = 1; k < argTypes.length; k++) {
    if (!isStringLike(argTypes[k]) && !isIntegral(argTypes[k])) throw typeError(name, k, 'a string key or an integer index', argTypes[k]);
    const c = constants[k];
    if (typeof c === 'string' || typeof c === 'number') path.push(c);
    else if (typeof c === 'bigint') path.push(Number(c));
    else return null;
  }
  return path;
}

/** A json_extract_* definition: `extract` maps the found value (or MISSING) to the row's result. */
function extractor<R extends number | string | Value[]>(
  name: string,
  returnType: DataType,
  extract: (value: Found) => R,
  aliases: readonly string[],
): ScalarFunctionDef {
  return {
    name,
    aliases,
    resolve(argTypes, constants) {
      checkArity(name, argTypes, 1, Infinity);
      expectString(name, argTypes, 0);
      const fixed = constantPath(name, argTypes, constants);
      return propagating(returnType, (args, rowCount) => {
        const texts = strings(args[0], name);
        const pathAt = pathReader(args, fixed, name);
        const out = returnType.kind === 'string' ? new Array<string>(rowCount) : returnType.kind === 'array' ? new Array<Value[]>(rowCount) : new Float64Array(rowCount);
        const target = out as unknown as { [row: number]: R };
        for (let i = 0; i < rowCount; i++) target[i] = extract(walk(parseJson(texts[i]), pathAt(i)));
        if (out instanceof Float64Array) return numberCol(returnType, out);
        return returnType.kind === 'array' ? arrayCol(returnType, out as Value[][]) : stringCol(returnType, out as string[]);
      });
    },
  };
}

function asString(value: Found): string {
  return typeof value === 'string' ? value : '';
}

function asInteger(value: Found): number {
  if (typeof value === 'number') return Math.trunc(value) + 0;
  return value === true ? 1 : 0;
}

function asUnsigned(value: Found): number {
  const n = asInteger(value);
  return n >= 0 ? n : 0;
}

function asFloat(value: Found): number {
  if (typeof value === 'number') return value;
  return value === true ? 1 : 0;
}

function asRaw(value: Found): string {
  return value === MISSING ? '' : JSON.stringify(value);
}

function lengthOf(value: Found): number {
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === 'object') return Object.keys(value).length;
  return 0;
}

function keysOf(value: Found): Value[] {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
}

function arrayRawOf(value: Found): Value[] {
  return Array.isArray(value) ? value.map((v) => JSON.stringify(v)) : [];
}

// ---------------------------------------------------------------------------------------------
// json_value: JSONPath

const JSON_PATH_STEP = /^(?:\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\])/;

/** Parses '$.a[0].b' / "$['a b']" into steps (indexes made 1-based for `step`). */
export function parseJsonPath(name: string, text: string): PathStep[] {
  if (!text.startsWith('$')) throw new DbError('INVALID_ARGUMENT', `function ${name}: JSON path '${text}' must start with '$'`);
  const steps: PathStep[] = [];
  let rest = text.slice(1);
  while (rest !== '') {
    const m = JSON_PATH_STEP.exec(rest);
    if (m === null) throw new DbError('INVALID_ARGUMENT', `function ${name}: cannot read JSON path '${text}' at '${rest}'`);
    if (m[2] !== undefined) steps.push(Number(m[2]) + 1);
    else steps.push(m[1] ?? m[3] ?? m[4]);
    rest = rest.slice(m[0].length);
  }
  return steps;
}

/** json_value(j, path): the scalar at path as text (strings unquoted); objects, arrays, missing → ''. */
const jsonValue: ScalarFunctionDef = {
  name: 'json_value',
  resolve(argTypes, constants) {
    checkArity('json_value', argTypes, 2);
    expectString('json_value', argTypes, 0);
    if (!isStringLike(argTypes[1])) throw typeError('json_value', 1, EXPECT_STRING, argTypes[1]);
    const fixed = typeof constants[1] === 'string' ? parseJsonPath('json_value', constants[1]) : null;
    return propagating(T.string, (args, rowCount) => {
      const texts = strings(args[0], 'json_value');
      const paths = strings(args[1], 'json_value');
      const out = new Array<string>(rowCount);
      for (let i = 0; i < rowCount; i++) {
        const value = walk(parseJson(texts[i]), fixed ?? parseJsonPath('json_value', paths[i]));
        out[i] = value === MISSING || value === null || typeof value === 'object' ? '' : String(value);
      }
      return stringCol(T.string, out);
    });
  },
};

export const JSON_FUNCTIONS: readonly ScalarFunctionDef[] = [
  extractor('json_extract_string', T.string, asString, ['JSONExtractString']),
  extractor('json_extract_int', T.int64, asInteger, ['JSONExtractInt']),
  extractor('json_extract_uint', T.uint64, asUnsigned, ['JSONExtractUInt']),
  extractor('json_extract_float', T.float64, asFloat, ['JSONExtractFloat']),
  extractor('json_extract_bool', T.bool, (v) => (v === true ? 1 : 0), ['JSONExtractBool']),
  extractor('json_extract_raw', T.string, asRaw, ['JSONExtractRaw']),
  extractor('json_has', T.bool, (v) => (v === MISSING ? 0 : 1), ['JSONHas']),
  extractor('json_length', T.uint64, lengthOf, ['JSONLength']),
  extractor('json_extract_keys', T.array(T.string), keysOf, ['JSONExtractKeys']),
  extractor('json_extract_array_raw', T.array(T.string), arrayRawOf, ['JSONExtractArrayRaw']),
  extractor('is_valid_json', T.bool, (v) => (v === MISSING ? 0 : 1), ['isValidJSON']),
  jsonValue,
];
