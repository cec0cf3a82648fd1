// filter-processor: keeps the rows of a lane for which the pipe's predicate is true (NULL and false
// drop the row), as a SQL WHERE would.
//
// The predicate is SQL over the lane's measurement names and the time (`time`, `timestamp` in any
// case, or `_tp_time`; all three are the event time, so `time >= '2024-01-01 00:00:00'` and
// `time >= 1704067200000` compare with it). It is checked twice:
// - at CREATE PIPE (parseFilterPredicate): it must parse, name columns by plain identifiers only (no
//   `d.s`, `*`, subqueries, parameters), call no aggregate and nothing that reads the clock (now(),
//   now64(), today()): a replay after a crash must keep exactly the rows it kept the first time;
// - per lane (createFilterProcessor): a name that is not a column the lane reads (a measurement the
//   stream lacks, or one the pattern does not select) is NULL there, typed nullable(float64), so
//   `v >= 90` drops every row of such a stream; a predicate that then does not compile (NULL
//   compared with a string function, say) stops the pipe with the error naming the stream.
// The predicate is compiled once per lane (engine expression compiler) and evaluated per batch over
// whole columns; the surviving rows are gathered with the engine's filterRows.
import { DbError } from '../../../core/errors.ts';
import { type Expr, parseExpression } from '../../../sql/index.ts';
import type { Column } from '../../../types/batch.ts';
import { T, formatDataType } from '../../../types/data-type.ts';
import { isAggregateFunction } from '../../../engine/aggregates/index.ts';
import { type Col, baseType, constantCol } from '../../../engine/column.ts';
import { type ExecBatch, filterRows } from '../../../engine/exec-batch.ts';
import { type CompiledExpr, compileExpr } from '../../../engine/expr/compile.ts';
import { Scope } from '../../../engine/expr/scope.ts';
import type { EvalContext } from '../../../engine/functions/function.ts';
import { rewriteColumnRefs, walkExpr } from '../../../engine/plan/ast-walk.ts';
import { TIME_COLUMN } from '../../../storage/catalog/names.ts';
import type { PipeProcessor } from '../pipe-types.ts';

/** Names that read the clock: refused, so a replay keeps the same rows. */
const CLOCK_FUNCTIONS = ['now', 'now64', 'today'];
/** Names of the event time in a predicate (compared case-insensitively), besides `_tp_time`. */
const TIME_NAMES = ['time', 'timestamp'];
/** The predicate reads no clock (refused above), so the evaluation context carries none. */
const FILTER_CONTEXT: EvalContext = { nowMs: 0 };
/** Result types a predicate may have (as the SELECT planner's WHERE): bool, or an integer as truth. */
const CONDITION_KINDS = ['bool', 'uint8', 'int8', 'int32', 'int64', 'uint64'];
/** The type of a measurement a lane's stream lacks: NULL throughout. */
const MISSING_TYPE = T.nullable(T.float64);

/**
 * Parses and checks a predicate at CREATE PIPE; returns it with every time name written `_tp_time`.
 * Throws INVALID_SETTING saying what is wrong.
 */
export function parseFilterPredicate(text: string): Expr {
  let expr: Expr;
  try {
    expr = parseExpression(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DbError('INVALID_SETTING', `filter '${text}' is not an SQL expression: ${reason}`, {}, { cause: error });
  }
  walkExpr(expr, (node) => {
    const problem = nodeProblem(node);
    if (problem !== null) throw new DbError('INVALID_SETTING', `filter '${text}': ${problem}`);
  });
  return rewriteColumnRefs(expr, (ref) => (isTimeName(ref.parts[0]!) ? { kind: 'ColumnRef', parts: [TIME_COLUMN] } : ref));
}

/** The measurement names (not the time) a predicate refers to, in first-use order. */
export function filterColumnNames(predicate: Expr): string[] {
  const names: string[] = [];
  walkExpr(predicate, (node) => {
    if (node.kind === 'ColumnRef' && node.parts[0] !== TIME_COLUMN && !names.includes(node.parts[0]!)) names.push(node.parts[0]!);
  });
  return names;
}

/** A filter for one lane whose batches have the columns `input` (`_tp_time` first). */
export function createFilterProcessor(predicateText: string, input: readonly Column[], streamName: string): PipeProcessor {
  const predicate = parseFilterPredicate(predicateText);
  const where = `pipe filter '${predicateText}' on stream ${streamName}`;
  const names = input.map((column) => column.name);
  // A measurement this stream does not have reads as NULL (the pattern may cover devices with other
  // measurements: `temperature > 30` keeps no row of a device without a temperature).
  const missing = filterColumnNames(predicate).filter((name) => !names.includes(name));
  const scopeColumns: Column[] = [...input, ...missing.map((name) => ({ name, type: MISSING_TYPE }))];
  const scope = new Scope(scopeColumns.map((column, index) => ({ name: column.name, qualifier: null, type: column.type, index, hidden: false })));
  let compiled: CompiledExpr;
  try {
    compiled = compileExpr(predicate, scope, { context: FILTER_CONTEXT });
  } catch (error) {
    if (!(error instanceof DbError)) throw error;
    throw new DbError(error.code, `${where}: ${error.message}`, error.details, { cause: error });
  }
  if (!CONDITION_KINDS.includes(baseType(compiled.type).kind)) {
    throw new DbError('INVALID_SETTING', `${where}: the filter must be a condition, got ${formatDataType(compiled.type)}`);
  }
  return {
    schema: input,
    lateRows: 0,
    process(batch: ExecBatch): ExecBatch | null {
      if (batch.rowCount === 0) return null;
      const scoped = missing.length === 0 ? batch : { ...batch, cols: [...batch.cols, ...missing.map(() => constantCol(MISSING_TYPE, null, batch.rowCount))] };
      const kept = filterRows(batch, asNumberMask(compiled.evaluate(scoped, FILTER_CONTEXT)));
      return kept.rowCount === 0 ? null : kept;
    },
    snapshot: () => null,
  };
}

function nodeProblem(node: Expr): string | null {
  switch (node.kind) {
    case 'ColumnRef':
      return node.parts.length === 1 ? null : `'${node.parts.join('.')}' is qualified; name measurements of the stream by their plain names`;
    case 'Star':
      return '* is not a value';
    case 'Subquery':
      return 'subqueries are not allowed';
    case 'Parameter':
      return `parameter {${node.name}} has no value in a pipe`;
    case 'FunctionCall': {
      const name = node.name.toLowerCase();
      if (isAggregateFunction(name)) return `${node.name}() is an aggregate; a filter tests one row at a time`;
      if (CLOCK_FUNCTIONS.includes(name)) return `${node.name}() reads the clock, so a replay could keep other rows; compare with a fixed time`;
      return null;
    }
    default:
      return null;
  }
}

function isTimeName(name: string): boolean {
  return name === TIME_COLUMN || TIME_NAMES.includes(name.toLowerCase());
}

/** filterRows reads the mask as doubles; an int64 condition beyond 2^53 arrives as bigints. */
function asNumberMask(mask: Col): Col {
  if (mask.values instanceof Float64Array) return mask;
  const source = mask.values as ArrayLike<number | bigint>;
  const values = new Float64Array(source.length);
  for (let i = 0; i < values.length; i++) values[i] = source[i] === 0 || source[i] === 0n ? 0 : 1;
  return { type: mask.type, values, nulls: mask.nulls };
}
