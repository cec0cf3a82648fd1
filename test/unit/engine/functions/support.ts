// Builders and a call helper for the scalar function tests. `call` mirrors the expression compiler
// (src/engine/expr/compile.ts): resolve once against the argument types and constants, evaluate over
// the columns, and for NULL-propagating functions null the result wherever an argument is NULL.
import assert from 'node:assert/strict';
import { type ErrorCode, isDbError } from '../../../../src/core/errors.ts';
import { type DataType, T } from '../../../../src/types/data-type.ts';
import type { Value } from '../../../../src/types/vector.ts';
import { type Col, colValueAt, constantCol, nullableOf } from '../../../../src/engine/column.ts';
import type { EvalContext } from '../../../../src/engine/functions/function.ts';
import { lookupScalarFunction } from '../../../../src/engine/functions/index.ts';

export { T };

/** A number-class column; NULLs make it nullable(type). */
export function numCol(values: readonly (number | null)[], type: DataType = T.float64): Col {
  const nulls = new Uint8Array(values.length);
  const out = new Float64Array(values.length);
  let any = false;
  values.forEach((v, i) => {
    if (v === null) any = (nulls[i] = 1) === 1;
    else out[i] = v;
  });
  return { type: any ? nullableOf(type) : type, values: out, nulls: any ? nulls : null };
}

export function boolCol(values: readonly (boolean | null)[]): Col {
  return numCol(values.map((v) => (v === null ? null : v ? 1 : 0)), T.bool);
}

export function strCol(values: readonly (string | null)[], type: DataType = T.string): Col {
  const nulls = new Uint8Array(values.length);
  let any = false;
  const out = values.map((v, i) => {
    if (v === null) any = (nulls[i] = 1) === 1;
    return v ?? '';
  });
  return { type: any ? nullableOf(type) : type, values: out, nulls: any ? nulls : null };
}

export function arrCol(values: readonly Value[][], element: DataType): Col {
  return { type: T.array(element), values: values.map((v) => [...v]), nulls: null };
}

/** A datetime64(3) column from ISO text (or NULL). */
export function timeCol(texts: readonly (string | null)[]): Col {
  return numCol(texts.map((t) => (t === null ? null : Date.parse(t.endsWith('Z') ? t : `${t.replace(' ', 'T')}Z`))), T.datetime64());
}

/** A literal argument: broadcast to the row count and passed as a constant to resolve. */
export interface Lit {
  readonly literal: Value;
  readonly type: DataType;
}

export function lit(value: Value, type?: DataType): Lit {
  const inferred = type ?? (typeof value === 'string' ? T.string : typeof value === 'boolean' ? T.bool : Number.isInteger(value) ? T.int64 : T.float64);
  return { literal: value, type: value === null ? nullableOf(inferred) : inferred };
}

export type Arg = Col | Lit;

function isLit(arg: Arg): arg is Lit {
  return 'literal' in arg;
}

export const CONTEXT: EvalContext = { nowMs: Date.UTC(2026, 0, 2, 3, 4, 5, 678) };

/** Resolves and evaluates like the compiler does; returns the result column. */
export function call(name: string, args: readonly Arg[], rowCount?: number, context: EvalContext = CONTEXT): Col {
  const def = lookupScalarFunction(name);
  assert.ok(def !== undefined, `no function ${name}`);
  const firstCol = args.find((a) => !isLit(a)) as Col | undefined;
  const rows = rowCount ?? (firstCol === undefined ? 1 : (firstCol.values as ArrayLike<unknown>).length);
  const argTypes = args.map((a) => a.type);
  const constants = args.map((a) => (isLit(a) && a.literal !== null ? a.literal : undefined));
  const impl = def.resolve(argTypes, constants);
  const cols = args.map((a) => (isLit(a) ? constantCol(a.type, a.literal, rows) : a));
  const result = impl.evaluate(cols, rows, context);
  assert.equal((result.values as ArrayLike<unknown>).length, rows, `${name}: result length`);
  if (impl.nulls === 'custom') return result;
  let nulls = result.nulls;
  for (const col of cols) {
    if (col.nulls === null) continue;
    if (nulls === null) nulls = new Uint8Array(col.nulls);
    else for (let i = 0; i < rows; i++) nulls[i] |= col.nulls[i];
  }
  return { type: nulls === null ? result.type : nullableOf(result.type), values: result.values, nulls };
}

/** The result's values as user-facing Values (bool → boolean, NULL → null). */
export function valuesOf(col: Col): Value[] {
  const out: Value[] = [];
  for (let i = 0; i < (col.values as ArrayLike<unknown>).length; i++) out.push(colValueAt(col, i));
  return out;
}

/** call + valuesOf. */
export function run(name: string, args: readonly Arg[], rowCount?: number): Value[] {
  return valuesOf(call(name, args, rowCount));
}

/** The return type a call site gets. */
export function returnTypeOf(name: string, argTypes: readonly DataType[], constants: readonly unknown[] = []): DataType {
  const def = lookupScalarFunction(name);
  assert.ok(def !== undefined, `no function ${name}`);
  return def.resolve(argTypes, constants).returnType;
}

/** Asserts that `fn` throws a DbError with `code` whose message contains `text`. */
export function throwsDb(fn: () => unknown, code: ErrorCode, text: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isDbError(error, code), `expected DbError ${code}, got ${String(error)}`);
    assert.ok((error as Error).message.includes(text), `message '${(error as Error).message}' lacks '${text}'`);
    return true;
  });
}

/** Asserts that resolving `name` over `argTypes` fails with INVALID_ARGUMENT containing `text`. */
export function resolveFails(name: string, argTypes: readonly DataType[], text: string, constants: readonly unknown[] = []): void {
  throwsDb(() => lookupScalarFunction(name)!.resolve(argTypes, constants), 'INVALID_ARGUMENT', text);
}

export function ms(text: string): number {
  return Date.parse(text.endsWith('Z') || /[+-]\d\d:\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}
