// INSERT: VALUES, SELECT and FORMAT into a local stream. Every value is converted to its column's
// type first; a value that does not convert is an error naming the row and column, and nothing is
// written (the whole statement is one append: one batch, acknowledged when durable).
// Columns left out get their DEFAULT (evaluated once per statement, e.g. now64(3)), else NULL for
// nullable columns, else zero / ''.
import { DbError } from '../../core/errors.ts';
import { BATCH_ROWS_MAX } from '../../core/limits.ts';
import { type Expr, type InsertStatement, formatExpression, parseExpression } from '../../sql/index.ts';
import type { ColumnDef, StreamDef } from '../../storage/catalog/catalog-types.ts';
import type { Storage } from '../../storage/storage.ts';
import { type DataType, T, formatDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { type Col, colFromValues, constantCol, valueClassOf, baseType } from '../column.ts';
import { INSERT_VALUES_ROWS_MAX } from '../engine-limits.ts';
import { type ExecBatch, batchFromExec, concatRows, sliceRows } from '../exec-batch.ts';
import { compileExpr } from '../expr/compile.ts';
import { Scope } from '../expr/scope.ts';
import { type LooseValue, parseInputRows } from '../format/input-formats.ts';
import type { EvalContext } from '../functions/function.ts';
import { castCol } from '../functions/index.ts';
import type { PlanEnv } from '../plan/select-planner.ts';
import { planQuery } from '../plan/select-planner.ts';

export interface InsertResult {
  readonly rows: number;
}

export async function executeInsert(statement: InsertStatement, env: PlanEnv, signal: AbortSignal): Promise<InsertResult> {
  const stream = resolveTarget(statement.target.parts, env);
  const body = statement.body;
  const targetColumns = chooseColumns(stream, statement.columns, body);
  let cells: ColumnCells;
  if (body.kind === 'InsertValues') cells = valuesCells(body.rows, targetColumns, env);
  else if (body.kind === 'InsertFormat') cells = formatCells(body.format, body.data, targetColumns, statement.columns !== null);
  else return insertSelect(stream, statement.columns, body, env, signal);
  const batch = buildBatch(stream, targetColumns, cells, env.context);
  if (batch.rowCount === 0) return { rows: 0 };
  await env.storage.append(stream.database, stream.name, batchFromExec(batch, stream.columns.map((c) => ({ name: c.name, type: c.type }))));
  return { rows: batch.rowCount };
}

function resolveTarget(parts: readonly string[], env: PlanEnv): StreamDef {
  const database = parts.length === 1 ? env.database : parts.slice(0, -1).join('.');
  const name = parts[parts.length - 1];
  const relation = env.storage.catalog.findRelation(database, name);
  if (relation === undefined) throw new DbError('STREAM_NOT_FOUND', `${database}.${name}`);
  if (relation.kind !== 'stream') throw new DbError('NOT_SUPPORTED', `inserting into a ${relation.kind.replace('_', ' ')} (${database}.${name})`);
  return relation.stream;
}

/** The columns values are given for: the list, or every column (without `_tp_time` when the rows are one short). */
function chooseColumns(stream: StreamDef, listed: readonly string[] | null, body: InsertStatement['body']): ColumnDef[] {
  if (listed !== null) {
    const seen = new Set<string>();
    return listed.map((name) => {
      const column = stream.columns.find((c) => c.name === name);
      if (column === undefined) throw new DbError('INVALID_ARGUMENT', `stream ${stream.database}.${stream.name} has no column '${name}'`);
      if (seen.has(name)) throw new DbError('INVALID_ARGUMENT', `column '${name}' is listed twice`);
      seen.add(name);
      return column;
    });
  }
  const withoutTime = stream.columns.filter((c) => c.name !== '_tp_time');
  if (body.kind === 'InsertValues' && body.rows.length > 0 && body.rows[0].length === withoutTime.length && withoutTime.length !== stream.columns.length) return withoutTime;
  return [...stream.columns];
}

/** Per target column, the given values with the type each arrived as. */
/** Per target column: the cells with the type each arrived as, or (fast path) the whole column already typed. */
type CellsOfColumn = { readonly types: DataType[]; readonly values: Value[]; readonly col?: undefined } | { readonly col: Col };
type ColumnCells = { readonly rowCount: number; readonly columns: CellsOfColumn[] };

function valuesCells(rows: readonly (readonly Expr[])[], columns: readonly ColumnDef[], env: PlanEnv): ColumnCells {
  if (rows.length > INSERT_VALUES_ROWS_MAX) {
    throw new DbError('LIMIT_EXCEEDED', `INSERT VALUES has ${rows.length} rows, more than INSERT_VALUES_ROWS_MAX (${INSERT_VALUES_ROWS_MAX}); use FORMAT or several statements`);
  }
  const out = columns.map(() => ({ types: [] as DataType[], values: [] as Value[] }));
  const empty = new Scope([]);
  rows.forEach((row, r) => {
    if (row.length !== columns.length) throw new DbError('INVALID_ARGUMENT', `VALUES row ${r + 1} has ${row.length} values, expected ${columns.length} (${columns.map((c) => c.name).join(', ')})`);
    row.forEach((expr, c) => {
      const compiled = compileExpr(expr, empty, { params: env.params, context: env.context });
      if (compiled.constant === null) throw new DbError('INVALID_ARGUMENT', `VALUES row ${r + 1}: ${formatExpression(expr)} is not a constant`);
      out[c].types.push(compiled.type);
      out[c].values.push(compiled.constant.value);
    });
  });
  return { rowCount: rows.length, columns: out };
}

function formatCells(format: string, data: string, columns: readonly ColumnDef[], listed: boolean): ColumnCells {
  const parsed = parseInputRows(format, data);
  if (parsed.names === null && parsed.rows.length > 0 && !Array.isArray(parsed.rows[0])) {
    return objectCells(format, parsed.rows as Record<string, LooseValue>[], columns);
  }
  const out = columns.map(() => ({ types: [] as DataType[], values: [] as Value[] }));
  const order = parsed.names ?? columns.map((c) => c.name);
  const known = new Set(columns.map((c) => c.name));
  parsed.rows.forEach((row, r) => {
    // Fix (SQL corpus): a positional field that is undefined (empty CSV field) is left out of the
    // record, so the column's default applies.
    const record: Record<string, LooseValue> = Array.isArray(row)
      ? Object.fromEntries(order.flatMap((name, i) => (i < row.length && row[i] === undefined ? [] : [[name, row[i] ?? null]])))
      : (row as Record<string, LooseValue>);
    if (Array.isArray(row) && row.length !== order.length) throw new DbError('INVALID_VALUE', `${format} row ${r + 1} has ${row.length} fields, expected ${order.length}`);
    for (const key of Object.keys(record)) {
      if (!known.has(key)) {
        if (listed || !Array.isArray(row)) throw new DbError('INVALID_VALUE', `${format} row ${r + 1}: unknown column '${key}'`);
      }
    }
    for (let c = 0; c < columns.length; c++) {
      const value = Object.hasOwn(record, columns[c].name) ? record[columns[c].name] : undefined;
      if (value === undefined) {
        out[c].types.push(MISSING);
        out[c].values.push(null);
      } else {
        out[c].types.push(looseType(value, columns[c].type));
        out[c].values.push(looseValue(value, columns[c].type));
      }
    }
  });
  return { rowCount: parsed.rows.length, columns: out };
}

/**
 * Rows given as objects (JSONEachRow). Each column whose values all arrived as one JSON kind —
 * numbers or strings, none missing or null — is built in one pass into a typed column and cast as a
 * whole; any other column goes through the per-cell path (mixed kinds, nulls, defaults, arrays).
 */
function objectCells(format: string, rows: readonly Record<string, LooseValue>[], columns: readonly ColumnDef[]): ColumnCells {
  const known = new Set(columns.map((c) => c.name));
  for (let r = 0; r < rows.length; r++) {
    for (const key in rows[r]) {
      if (!known.has(key)) throw new DbError('INVALID_VALUE', `${format} row ${r + 1}: unknown column '${key}'`);
    }
  }
  const out = columns.map((column): CellsOfColumn => uniformColumn(rows, column) ?? perCellColumn(rows, column));
  return { rowCount: rows.length, columns: out };
}

function uniformColumn(rows: readonly Record<string, LooseValue>[], column: ColumnDef): CellsOfColumn | null {
  const name = column.name;
  const first = rows[0][name];
  if (typeof first === 'number') {
    const values = new Float64Array(rows.length);
    let integers = true;
    for (let r = 0; r < rows.length; r++) {
      const v = rows[r][name];
      if (typeof v !== 'number') return null;
      if (integers && !Number.isSafeInteger(v)) integers = false;
      values[r] = v;
    }
    return { col: { type: integers ? T.int64 : T.float64, values, nulls: null } };
  }
  if (typeof first === 'string') {
    const values = new Array<string>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const v = rows[r][name];
      if (typeof v !== 'string') return null;
      values[r] = v;
    }
    return { col: { type: T.string, values, nulls: null } };
  }
  return null;
}

function perCellColumn(rows: readonly Record<string, LooseValue>[], column: ColumnDef): CellsOfColumn {
  const types: DataType[] = new Array(rows.length);
  const values: Value[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const value = Object.hasOwn(rows[r], column.name) ? rows[r][column.name] : undefined;
    types[r] = value === undefined ? MISSING : looseType(value, column.type);
    values[r] = value === undefined ? null : looseValue(value, column.type);
  }
  return { types, values };
}

/** Marks a cell the input did not give (the column's default applies). */
const MISSING: DataType = Object.freeze({ kind: 'nullable', inner: T.uint8 });

/** The type a loose input value arrives as (one shared object per type, so cells group by identity). */
function looseType(value: LooseValue, target: DataType): DataType {
  if (value === null) return NULL_STRING;
  if (typeof value === 'string') return T.string;
  if (typeof value === 'boolean') return T.bool;
  if (typeof value === 'number') return Number.isInteger(value) ? T.int64 : T.float64;
  if (Array.isArray(value) && baseType(target).kind === 'array') return target;
  return T.string;
}

function looseValue(value: LooseValue, target: DataType): Value {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value) && baseType(target).kind === 'array') return value as Value;
  return JSON.stringify(value);
}

const NULL_STRING: DataType = T.nullable(T.string);

/** Converts the cells of each column to its type and fills left-out columns with defaults. */
function buildBatch(stream: StreamDef, given: readonly ColumnDef[], cells: ColumnCells, context: EvalContext): ExecBatch {
  const rowCount = cells.rowCount;
  if (rowCount > BATCH_ROWS_MAX) throw new DbError('LIMIT_EXCEEDED', `an insert of ${rowCount} rows is more than BATCH_ROWS_MAX (${BATCH_ROWS_MAX})`);
  const cols: Col[] = stream.columns.map((column) => {
    const g = given.findIndex((c) => c.name === column.name);
    const fallback = () => defaultCol(column, rowCount, context);
    if (g < 0) return fallback();
    return convertCells(cells.columns[g], column, rowCount, fallback);
  });
  return { schema: stream.columns.map((c) => ({ name: c.name, type: c.type })), cols, rowCount };
}

function convertCells(cells: CellsOfColumn, column: ColumnDef, rowCount: number, fallback: () => Col): Col {
  if (cells.col !== undefined) return checkNullable(column, castCells(cells.col, column, rowCount, (row) => row));
  // Cells are grouped by the type they arrived as (by identity: input formats share one object per
  // type), each group cast once, then scattered back. The common case — one type for the whole
  // column — casts the values as they are.
  const first = cells.types[0];
  if (rowCount > 0 && first !== MISSING && cells.types.every((type) => type === first)) {
    return checkNullable(column, castCells(colFromValues(first, cells.values), column, rowCount, (row) => row));
  }
  const groups = new Map<DataType | 'missing', { type: DataType; rows: number[] }>();
  for (let r = 0; r < rowCount; r++) {
    const type = cells.types[r];
    const key = type === MISSING ? 'missing' : type;
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { type, rows: [] }));
    group.rows.push(r);
  }
  const result: Value[] = new Array(rowCount);
  for (const [key, group] of groups) {
    const converted =
      key === 'missing'
        ? fallback()
        : castCells(colFromValues(group.type, group.rows.map((r) => cells.values[r])), column, group.rows.length, (row) => group.rows[row - 1] + 1);
    group.rows.forEach((r, i) => {
      const at = key === 'missing' ? r : i;
      result[r] = converted.nulls !== null && converted.nulls[at] === 1 ? null : (converted.values as ArrayLike<Value>)[at];
    });
  }
  return checkNullable(column, colFromValues(column.type, result));
}

/**
 * Casts one group of cells; a failure names the statement's row (`statementRow` maps the cast's
 * 1-based row within the group to the statement's 1-based row).
 */
function castCells(source: Col, column: ColumnDef, rowCount: number, statementRow: (row: number) => number): Col {
  try {
    return castCol(source, column.type, rowCount);
  } catch (error) {
    let message = (error as Error).message;
    const groupRow = error instanceof DbError ? error.details.row : undefined;
    const row = typeof groupRow === 'number' ? statementRow(groupRow) : undefined;
    if (row !== undefined) message = message.replace(/\(row \d+\)$/, `(row ${row})`);
    throw new DbError('INVALID_VALUE', `column '${column.name}': ${message}`, row === undefined ? {} : { row }, { cause: error });
  }
}

function checkNullable(column: ColumnDef, col: Col): Col {
  if (col.nulls !== null && column.type.kind !== 'nullable') {
    const row = col.nulls.indexOf(1);
    if (row >= 0) throw new DbError('INVALID_VALUE', `column '${column.name}' (${formatDataType(column.type)}) is not nullable: NULL in row ${row + 1}`);
  }
  return col;
}

function defaultCol(column: ColumnDef, rowCount: number, context: EvalContext): Col {
  if (column.default !== undefined) {
    const compiled = compileExpr(parseExpression(column.default), new Scope([]), { context });
    const value = compiled.constant?.value ?? null;
    return castCol(constantCol(compiled.type, value, rowCount), column.type, rowCount);
  }
  if (column.type.kind === 'nullable') return constantCol(column.type, null, rowCount);
  const cls = valueClassOf(column.type);
  return constantCol(column.type, cls === 'string' ? (baseType(column.type).kind === 'uuid' ? '00000000-0000-0000-0000-000000000000' : '') : cls === 'array' ? [] : 0, rowCount);
}

async function insertSelect(stream: StreamDef, listed: readonly string[] | null, query: Parameters<typeof planQuery>[0], env: PlanEnv, signal: AbortSignal): Promise<InsertResult> {
  const plan = planQuery(query, env);
  if (plan.streaming) {
    throw new DbError('INVALID_ARGUMENT', 'INSERT … SELECT from a stream never ends: select FROM table(stream), or create a materialized view');
  }
  // Result columns match target columns by name (or by the listed names, in order).
  const names = listed ?? plan.schema.map((c) => c.name);
  if (names.length !== plan.schema.length) throw new DbError('INVALID_ARGUMENT', `INSERT lists ${names.length} columns, the SELECT returns ${plan.schema.length}`);
  const targets = names.map((name) => {
    const column = stream.columns.find((c) => c.name === name);
    if (column === undefined) throw new DbError('INVALID_ARGUMENT', `stream ${stream.database}.${stream.name} has no column '${name}' (from the SELECT)`);
    return column;
  });
  const batches: ExecBatch[] = [];
  for await (const batch of plan.run(signal)) batches.push(batch);
  const all = concatRows(plan.schema, batches);
  let written = 0;
  for (let start = 0; start < all.rowCount; start += BATCH_ROWS_MAX) {
    const part = sliceRows(all, start, start + BATCH_ROWS_MAX);
    const cells: ColumnCells = {
      rowCount: part.rowCount,
      columns: part.cols.map((col) => ({
        types: new Array(part.rowCount).fill(col.type),
        values: Array.from({ length: part.rowCount }, (_, r) => (col.nulls !== null && col.nulls[r] === 1 ? null : (col.values as ArrayLike<Value>)[r])),
      })),
    };
    const batch = buildBatch(stream, targets, cells, env.context);
    await env.storage.append(stream.database, stream.name, batchFromExec(batch, stream.columns.map((c) => ({ name: c.name, type: c.type }))));
    written += batch.rowCount;
  }
  return { rows: written };
}
