// INSERT: VALUES, SELECT and FORMAT into a local stream. Every value is converted to its column's
// type first; a value that does not convert is an error naming the row and column, and nothing is
// written (the whole statement is one append: one batch, acknowledged when durable).
// Columns left out get their DEFAULT (evaluated once per statement, e.g. now64(3)), else NULL for
// nullable columns, else zero / ''.
// `FORMAT JSONEachRow` data is read by the columnar reader (format/json-each-row-reader.ts) straight
// into typed columns; what it declines goes through the generic row parser (format/input-formats.ts).
// Both paths build the same batch and fail with the same errors.
import { Buffer } from 'node:buffer';
import { DbError } from '../../core/errors.ts';
import { BATCH_ROWS_MAX, STRING_BYTES_MAX, checkLimit } from '../../core/limits.ts';
import { type Expr, type InsertFormat, type InsertStatement, formatExpression, parseExpression } from '../../sql/index.ts';
import type { ColumnDef, StreamDef } from '../../storage/catalog/catalog-types.ts';
import type { Storage } from '../../storage/storage.ts';
import { type DataType, T, formatDataType } from '../../types/data-type.ts';
import { type Batch, makeBatch } from '../../types/batch.ts';
import { type Value, type Vector, stringsOf } from '../../types/vector.ts';
import { type Col, colFromValues, constantCol, valueClassOf, baseType, vectorFromCol } from '../column.ts';
import { INSERT_VALUES_ROWS_MAX } from '../engine-limits.ts';
import { type ExecBatch, batchFromExec, concatRows, sliceRows } from '../exec-batch.ts';
import { compileExpr } from '../expr/compile.ts';
import { Scope } from '../expr/scope.ts';
import { type LooseValue, parseInputRows } from '../format/input-formats.ts';
import { insertDataBytes } from '../format/insert-data.ts';
import { type JsonColumn, type JsonReadResult, readJsonEachRow } from '../format/json-each-row-reader.ts';
import type { EvalContext } from '../functions/function.ts';
import { castCol } from '../functions/index.ts';
import type { PlanEnv } from '../plan/select-planner.ts';
import { planQuery } from '../plan/select-planner.ts';

export interface InsertResult {
  readonly rows: number;
}

/**
 * Where an insert's batches go when the target is not a local stream (an external stream): its
 * columns, and the function that delivers one batch (resolving once it is durable there).
 */
export interface InsertTarget {
  readonly stream: StreamDef;
  append(batch: Batch): Promise<void>;
}

export async function executeInsert(statement: InsertStatement, env: PlanEnv, signal: AbortSignal, target?: InsertTarget): Promise<InsertResult> {
  const stream = target?.stream ?? resolveTarget(statement.target.parts, env);
  const append = target?.append ?? ((batch: Batch) => env.storage.append(stream.database, stream.name, batch).then(() => undefined));
  const body = statement.body;
  const targetColumns = chooseColumns(stream, statement.columns, body);
  if (body.kind === 'InsertFormat') {
    // Nothing here refers to the batch after append() takes it: its arrays can be collected while
    // the write is made durable instead of surviving into the old generation (GC showed in profiles).
    return { rows: await appendBatch(formatBatch(stream, targetColumns, statement.columns !== null, body, env.context), append) };
  }
  if (body.kind !== 'InsertValues') return insertSelect(stream, statement.columns, body, env, signal, append);
  const batch = buildBatch(stream, targetColumns, valuesCells(body.rows, targetColumns, env), env.context);
  if (batch.rowCount === 0) return { rows: 0 };
  await append(batchFromExec(batch, stream.columns.map((c) => ({ name: c.name, type: c.type }))));
  return { rows: batch.rowCount };
}

/**
 * Appends the batch unless it is empty; resolves with its row count. Not async, so that no suspended
 * frame holds the batch while the append waits.
 */
function appendBatch(batch: Batch, append: (batch: Batch) => Promise<void>): Promise<number> {
  const rows = batch.rowCount;
  return rows === 0 ? Promise.resolve(0) : append(batch).then(() => rows);
}

/**
 * The batch `INSERT … FORMAT` appends to `stream` (`columns`: the target columns, `listed` when the
 * statement named them). JSONEachRow goes through the columnar reader unless `columnar` is false
 * (tests compare the two paths); what the reader declines takes the generic path.
 */
export function formatBatch(stream: StreamDef, columns: readonly ColumnDef[], listed: boolean, body: InsertFormat, context: EvalContext, columnar = true): Batch {
  let read: JsonReadResult | null = null;
  if (columnar && body.format.toLowerCase() === 'jsoneachrow') {
    read = readJsonEachRow(insertDataBytes(body) ?? Buffer.from(body.data, 'utf8'), columns.map((c) => c.name));
    const batch = read.kind === 'columns' ? jsonBatch(stream, columns, read, context) : null;
    if (batch !== null) return batch;
  }
  const exec = buildBatch(stream, columns, formatCellsNamingPosition(body.format, body.data, columns, listed, read), context);
  if (exec.rowCount === 0) return EMPTY_BATCH;
  return batchFromExec(exec, stream.columns.map((c) => ({ name: c.name, type: c.type })));
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

/**
 * The generic path. When the columnar reader found the data malformed and this parser fails on the
 * same line, the reader's message is the one given: it also names the column and what was expected.
 */
function formatCellsNamingPosition(format: string, data: string, columns: readonly ColumnDef[], listed: boolean, read: JsonReadResult | null): ColumnCells {
  try {
    return formatCells(format, data, columns, listed);
  } catch (error) {
    if (read !== null && read.kind !== 'columns' && read.message !== undefined && error instanceof DbError && error.details.line === read.line) {
      throw new DbError('INVALID_VALUE', `JSONEachRow line ${read.line}, column ${read.column}: ${read.message}`, { line: read.line, column: read.column }, { cause: error });
    }
    throw error;
  }
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

// ---------------------------------------------------------------------------------------------
// JSONEachRow through the columnar reader (format/json-each-row-reader.ts)

/**
 * A target column of a columnar read: an engine column to cast, the storage vector itself (integers
 * into an integer column), or (strings into a string column) the storage vector's parts as read.
 */
type JsonTarget =
  | { readonly col: Col }
  | { readonly vector: Vector }
  | { readonly strings: Extract<JsonColumn, { kind: 'strings' }> | null; readonly nulls: Uint8Array | null };

/**
 * The batch of a columnar JSONEachRow read, exactly as the generic path would build it from the same
 * rows (uniformColumn, perCellColumn, convertCells and buildBatch, then batchFromExec): the same
 * casts, the same errors in the same order. Strings bound for string columns skip the engine column
 * and keep their UTF-8 bytes. Null when a column is one the generic path would build differently
 * (numbers and NULLs mixing integers with fractions or unsafe integers): that path then runs.
 */
function jsonBatch(stream: StreamDef, given: readonly ColumnDef[], read: Extract<JsonReadResult, { kind: 'columns' }>, context: EvalContext): Batch | null {
  const rowCount = read.rowCount;
  const sourceTypes: (DataType | null)[] = [];
  for (const column of read.columns) {
    if (column.kind !== 'numbers') sourceTypes.push(null);
    // Without NULLs, uniformColumn's type; with them, perCellColumn's one group (int64 or float64).
    else if (column.nulls === null || column.safeIntegers) sourceTypes.push(column.safeIntegers ? T.int64 : T.float64);
    else if (!column.someInteger) sourceTypes.push(T.float64);
    else return null;
  }
  if (rowCount === 0) return EMPTY_BATCH;
  if (rowCount > BATCH_ROWS_MAX) throw new DbError('LIMIT_EXCEEDED', `an insert of ${rowCount} rows is more than BATCH_ROWS_MAX (${BATCH_ROWS_MAX})`);
  // First every column is cast (buildBatch), then every column becomes a vector (batchFromExec).
  const targets: JsonTarget[] = stream.columns.map((column) => {
    const g = given.findIndex((c) => c.name === column.name);
    if (g < 0) return { col: defaultCol(column, rowCount, context) };
    const json = read.columns[g];
    if (json.kind === 'absent') return { col: checkNullable(column, defaultCol(column, rowCount, context)) };
    if (baseType(column.type).kind === 'string' && (json.kind === 'strings' || json.kind === 'nulls')) {
      const nulls = json.nulls;
      if (nulls !== null && column.type.kind !== 'nullable') {
        checkNullable(column, { type: column.type, values: [], nulls });
      }
      return { strings: json.kind === 'strings' ? json : null, nulls };
    }
    if (json.kind === 'numbers' && json.nulls === null && json.safeIntegers) {
      const vector = integerVector(json.values, column.type, rowCount);
      if (vector !== null) return { vector };
    }
    return { col: checkNullable(column, castCells(jsonCol(json, sourceTypes[g], rowCount), column, rowCount, (row) => row)) };
  });
  const vectors = targets.map((target, c) => {
    const type = stream.columns[c].type;
    if ('vector' in target) return target.vector;
    if ('col' in target) return vectorFromCol(target.col, rowCount, type);
    return stringVector(target, type, rowCount);
  });
  return makeBatch(stream.columns.map((c) => ({ name: c.name, type: c.type })), vectors);
}

const EMPTY_BATCH: Batch = { columns: [], vectors: [], rowCount: 0 };

/** The engine column the generic path would cast for these values. */
function jsonCol(json: Exclude<JsonColumn, { kind: 'absent' }>, numberType: DataType | null, rowCount: number): Col {
  switch (json.kind) {
    case 'nulls':
      return { type: NULL_STRING, values: new Array<string>(rowCount).fill(''), nulls: json.nulls };
    case 'numbers':
      return { type: withNulls(numberType as DataType, json.nulls), values: json.values, nulls: json.nulls };
    case 'bools':
      return { type: withNulls(T.bool, json.nulls), values: json.values, nulls: json.nulls };
    case 'strings':
      return { type: withNulls(T.string, json.nulls), values: stringsOf({ kind: 'string', type: T.string, rowCount, offsets: json.offsets, bytes: json.bytes }), nulls: json.nulls };
  }
}

function withNulls(type: DataType, nulls: Uint8Array | null): DataType {
  return nulls === null ? type : T.nullable(type);
}

const INTEGER_VECTOR_RANGES: Readonly<Record<string, readonly [number, number, new (length: number) => Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array]>> = {
  int8: [-128, 127, Int8Array],
  int16: [-32768, 32767, Int16Array],
  int32: [-2147483648, 2147483647, Int32Array],
  uint8: [0, 255, Uint8Array],
  uint16: [0, 65535, Uint16Array],
  uint32: [0, 4294967295, Uint32Array],
};

/**
 * Safe integers into an integer column, written straight into its typed array: what castCol and
 * vectorFromCol make of them when every value is in range. Null otherwise (or for other types), so
 * that the cast names the first value out of range.
 */
function integerVector(values: Float64Array, type: DataType, rowCount: number): Vector | null {
  const base = baseType(type);
  let inner: Vector;
  if (base.kind === 'int64' || base.kind === 'uint64') {
    // Two 32-bit halves per value (|v| < 2^53), no BigInt per row.
    const data = base.kind === 'int64' ? new BigInt64Array(rowCount) : new BigUint64Array(rowCount);
    const words = new Int32Array(data.buffer, data.byteOffset, rowCount * 2);
    const unsigned = base.kind === 'uint64';
    for (let i = 0; i < rowCount; i++) {
      const v = values[i];
      if (unsigned && v < 0) return null;
      const hi = Math.floor(v / 4294967296);
      words[2 * i] = v - hi * 4294967296;
      words[2 * i + 1] = hi;
    }
    inner = { kind: 'fixed', type: base, rowCount, data };
  } else {
    const range = INTEGER_VECTOR_RANGES[base.kind];
    if (range === undefined) return null;
    const [min, max, Ctor] = range;
    const data = new Ctor(rowCount);
    for (let i = 0; i < rowCount; i++) {
      const v = values[i];
      if (v < min || v > max) return null;
      data[i] = v;
    }
    inner = { kind: 'fixed', type: base, rowCount, data };
  }
  if (type.kind !== 'nullable') return inner;
  return { kind: 'nullable', type, rowCount, nulls: new Uint8Array((rowCount + 7) >>> 3), inner };
}

/** What vectorFromCol makes of a string column, from the bytes as read. */
function stringVector(target: Extract<JsonTarget, { strings: unknown }>, type: DataType, rowCount: number): Vector {
  const inner = type.kind === 'nullable' ? type.inner : type;
  const strings = target.strings;
  const offsets = strings === null ? new Uint32Array(rowCount + 1) : strings.offsets;
  if (strings !== null && strings.bytes.length > STRING_BYTES_MAX) {
    for (let i = 0; i < rowCount; i++) checkLimit('STRING_BYTES_MAX', STRING_BYTES_MAX, offsets[i + 1] - offsets[i], `string at row ${i + 1}`);
  }
  const vector: Vector = { kind: 'string', type: inner, rowCount, offsets, bytes: strings === null ? new Uint8Array(0) : strings.bytes };
  if (type.kind !== 'nullable') return vector;
  const bitmap = new Uint8Array((rowCount + 7) >>> 3);
  const nulls = target.nulls;
  if (nulls !== null) for (let i = 0; i < rowCount; i++) if (nulls[i] === 1) bitmap[i >>> 3] |= 1 << (i & 7);
  return { kind: 'nullable', type, rowCount, nulls: bitmap, inner: vector };
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

async function insertSelect(
  stream: StreamDef,
  listed: readonly string[] | null,
  query: Parameters<typeof planQuery>[0],
  env: PlanEnv,
  signal: AbortSignal,
  append: (batch: Batch) => Promise<void>,
): Promise<InsertResult> {
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
    await append(batchFromExec(batch, stream.columns.map((c) => ({ name: c.name, type: c.type }))));
    written += batch.rowCount;
  }
  return { rows: written };
}
