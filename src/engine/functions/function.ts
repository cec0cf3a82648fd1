// The scalar function contract. A function is resolved once per call site against its argument
// types (errors here are the user's: wrong arity or types, with the function's name), and the
// resolved implementation is then evaluated per batch over whole columns (no per-row dispatch).
//
// NULL handling: with `nulls: 'propagate'` (the default) the compiler evaluates the function on
// the arguments as given and sets the result NULL wherever any argument is NULL; the function
// itself never looks at `nulls`. Functions that treat NULL specially (coalesce, if_null, is_null,
// multi_if, …) declare `nulls: 'custom'` and read `nulls` themselves.
import type { DataType } from '../../types/data-type.ts';
import type { Col } from '../column.ts';

export interface EvalContext {
  /** The query's start time in ms: now()/now64()/today() are fixed for a whole query. */
  readonly nowMs: number;
}

export interface ScalarImpl {
  readonly returnType: DataType;
  readonly nulls?: 'propagate' | 'custom';
  /** Evaluates over `rowCount` rows. Arguments' `values` must not be modified. */
  evaluate(args: readonly Col[], rowCount: number, context: EvalContext): Col;
}

export interface ScalarFunctionDef {
  /** Canonical Timeplus snake_case name, lower case. */
  readonly name: string;
  /** Other accepted names (ClickHouse camelCase, SQL spellings); matched case-insensitively. */
  readonly aliases?: readonly string[];
  /**
   * Checks arity and argument types and picks the implementation. `constants[i]` holds the value of
   * argument i when it is a literal (e.g. a regular expression, a JSON path), else undefined.
   * Throws DbError INVALID_ARGUMENT naming the function and what was wrong.
   */
  resolve(argTypes: readonly DataType[], constants: readonly (unknown | undefined)[]): ScalarImpl;
}
