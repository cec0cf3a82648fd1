// IoTDB statements on Tributary's model (paths and types: iotdb/paths.ts):
//   CREATE DATABASE root.x                    a database named `root.x` (IoTDB databases do not nest)
//   CREATE TIMESERIES root.x.d.s WITH DATATYPE=INT32[, ENCODING=RLE][, COMPRESSOR=SNAPPY]
//                                             stream `d` of `root.x` gets column `s nullable(int32)`
//   INSERT INTO root.x.d(time|timestamp, s, …) VALUES (…), …
//                                             one append to stream `d`; databases, devices and
//                                             measurements are created first when missing (unless
//                                             the node's autoCreateSchema is off)
//   SELECT ** | * | s, … FROM root[.prefix] [WHERE time …] [ORDER BY time [DESC]] [LIMIT n [OFFSET m]]
//                                             IoTDB's aligned result: Time, then one column per series
//   FLUSH                                     every stream log synced to disk
//
// Every statement validates everything (paths, types, values, privileges) before it changes
// anything, so a failing statement changes nothing. Schema changes then run as catalog mutations
// that tolerate a concurrent statement doing the same (ifNotExists), and the rows go in as one
// append. A column added to an existing stream is nullable: batches stored before it read it as
// NULL (operators/scan.ts), and writers that learnt the columns before accept it too
// (storage.checkBatchSchema).
//
// SELECT semantics: a series is a column (other than `_tp_time`) of a stream in a database named
// `root.…`. `**` matches the series at any depth below the FROM path, `*` those exactly one level
// below, `a.b` the series FROM-path.a.b, `a.*` those one level below FROM-path.a. Columns come in
// the order the selectors are written, each selector's series sorted by path (node by node), a
// series selected twice once. Rows are the distinct times over every selected series, ascending
// (or descending with ORDER BY time DESC); a series with no value at a time is NULL there, and when
// a series has several rows at one time (IoTDB overwrites a point) the last non-NULL value written
// wins. Only streams the user may SELECT are read: others are skipped, as if absent. The result is
// bounded (it reads each stream as `table(…)` does) and holds at most QUERY_RESULT_ROWS_MAX times.
//
// Errors name the statement's text: when the caller passes the SQL (Session.execute/executeAll),
// messages start with `line L, column C:` pointing at the offending token.
import { DbError, type ErrorCode } from '../../core/errors.ts';
import { BATCH_ROWS_MAX } from '../../core/limits.ts';
import {
  type CreateDatabaseStatement,
  type CreateTimeseriesStatement,
  type Expr,
  type InsertStatement,
  type InsertValues,
  type Select,
  type Statement,
  type Token,
  TokenKind,
  formatExpression,
  positionOf,
  statementTokens,
} from '../../sql/index.ts';
import type { ColumnDef, StreamDef } from '../../storage/catalog/catalog-types.ts';
import { TIME_COLUMN } from '../../storage/catalog/names.ts';
import type { Storage } from '../../storage/storage.ts';
import type { Batch, Column } from '../../types/batch.ts';
import { type DataType, T, formatDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { type Col, baseType, colFromValues, colValueAt, nullableOf } from '../column.ts';
import { INSERT_VALUES_ROWS_MAX, QUERY_RESULT_ROWS_MAX } from '../engine-limits.ts';
import { type ExecBatch, batchFromExec } from '../exec-batch.ts';
import { compileExpr } from '../expr/compile.ts';
import { Scope } from '../expr/scope.ts';
import type { EvalContext } from '../functions/function.ts';
import { castCol, parseTimeMs } from '../functions/index.ts';
import { MS_PER_DAY, MS_PER_SECOND, TIME_MS_ABS_MAX } from '../functions/calendar.ts';
import {
  IOTDB_COMPRESSORS,
  type IotdbDataType,
  PathProblem,
  columnTypeOf,
  comparePaths,
  encodingProblem,
  formatPath,
  inferIotdbType,
  isIotdbDatabaseName,
  isPrefix,
  isRootPath,
  locateDevice,
  measurementProblem,
  nodeWithDot,
  normalizeDatabaseName,
  normalizeRoot,
  overlappingDatabase,
  parseIotdbDataType,
  seriesNodes,
} from '../iotdb/paths.ts';
import type { ExecuteResult } from '../node.ts';
import { scan } from '../operators/scan.ts';
import type { Authorize } from '../auth/access.ts';
import { defaultCol } from './conform.ts';

/** The SQL a statement came from: the whole text and the statement's index in it (0 for one statement). */
export interface StatementSource {
  readonly text: string;
  readonly index: number;
}

export interface IotdbContext {
  readonly storage: Storage;
  readonly context: EvalContext;
  readonly params: ReadonlyMap<string, Value>;
  readonly authorize: Authorize;
  /** IoTDB's enable_auto_create_schema: INSERT creates missing databases, devices and measurements. */
  readonly autoCreateSchema: boolean;
  readonly signal: AbortSignal;
  readonly source?: StatementSource;
}

/** The column of the aligned result that holds the time. */
export const TIME_RESULT_COLUMN = 'Time';

/**
 * True for the statements that take IoTDB's path semantics and check their own privileges (on the
 * database and stream a path maps to): CREATE TIMESERIES, INSERT INTO root.…(…) VALUES without
 * `_tp_time` in its column list, and SELECT … FROM root[.…].
 */
export function isIotdbPathStatement(statement: Statement): boolean {
  switch (statement.kind) {
    case 'CreateTimeseries':
      return true;
    case 'Insert':
      return isRootPath(statement.target.parts) && statement.body.kind === 'InsertValues' && statement.columns !== null && !statement.columns.includes(TIME_COLUMN);
    case 'Select':
      return statement.from?.kind === 'TableRef' && isRootPath(statement.from.name.parts);
    default:
      return false;
  }
}

/** Runs a statement for which isIotdbPathStatement holds. */
export async function executeIotdbPathStatement(statement: Statement, ctx: IotdbContext): Promise<ExecuteResult> {
  const at = new Locator(ctx.source);
  switch (statement.kind) {
    case 'CreateTimeseries':
      await createTimeseries(statement, ctx, at);
      return { kind: 'ok', writtenRows: 0 };
    case 'Insert':
      return { kind: 'ok', writtenRows: await insertValues(statement, statement.body as InsertValues, ctx, at) };
    case 'Select':
      return selectAligned(statement, ctx, at);
    default:
      throw new DbError('INTERNAL', `not an IoTDB path statement: ${statement.kind}`);
  }
}

export { isIotdbDatabaseName };

/**
 * CREATE DATABASE root.…: the name written with `root` first, refused when it overlaps an existing
 * `root.…` database (IoTDB databases do not nest: a device path must map to one database).
 */
export async function createIotdbDatabase(statement: CreateDatabaseStatement, storage: Storage, source?: StatementSource): Promise<void> {
  const at = new Locator(source);
  const name = normalizeDatabaseName(statement.name);
  const nameToken = () => at.path(name.split('.'), 0);
  const databases = storage.catalog.listDatabases().map((d) => d.name);
  if (databases.includes(name)) {
    if (statement.ifNotExists) return;
    throw at.error('DATABASE_EXISTS', `${name} has already been created as database`, nameToken());
  }
  const other = overlappingDatabase(name, databases);
  if (other !== null) {
    const message = other.length < name.length ? `${other} has already been created as database` : `some children of ${name} have already been created as database (${other})`;
    throw at.error('DATABASE_EXISTS', `cannot create database ${name}: ${message}; IoTDB databases do not nest`, nameToken());
  }
  await storage.catalog.createDatabase(name, { ifNotExists: statement.ifNotExists });
}

/** FLUSH: every stream log's written data synced to disk (acknowledged inserts under fsync=interval|never included). */
export async function flushAll(storage: Storage): Promise<void> {
  for (const stream of storage.catalog.listStreams()) await storage.logById(stream.id)?.syncNow();
}

// ---------------------------------------------------------------------------------------------
// CREATE TIMESERIES

async function createTimeseries(statement: CreateTimeseriesStatement, ctx: IotdbContext, at: Locator): Promise<void> {
  const path = normalizeRoot(statement.path.parts);
  if (!isRootPath(path)) throw at.error('INVALID_NAME', `timeseries path ${path.join('.')} is not under root`, at.path(path, 0));
  const measurement = path[path.length - 1]!;
  const device = path.slice(0, -1);
  const location = locate(device, ctx, at);
  const problem = measurementProblem(measurement);
  if (problem !== null) throw at.error('INVALID_NAME', problem, at.path(path, path.length - 1));
  const dataType = parseIotdbDataType(statement.dataType);
  if (dataType === null) {
    throw at.error('INVALID_TYPE', `unknown IoTDB data type '${statement.dataType}' (one of BOOLEAN, INT32, INT64, FLOAT, DOUBLE, TEXT)`, at.word(statement.dataType, 'DATATYPE'));
  }
  for (const option of statement.options) checkTimeseriesOption(option.key, option.value, dataType, at);
  if (!location.databaseExists && !ctx.autoCreateSchema) {
    throw at.error(
      'DATABASE_NOT_FOUND',
      `no database holds ${formatPath(path)} and automatic schema creation is off (enable_auto_create_schema): CREATE DATABASE ${location.database} first`,
      at.path(path, 0),
    );
  }
  const existing = ctx.storage.catalog.findRelation(location.database, location.stream);
  if (existing !== undefined && existing.kind !== 'stream') {
    throw at.error('INVALID_ARGUMENT', `${location.database}.${location.stream} is ${existing.kind === 'view' ? 'a view' : 'an external stream'}, not a device`, at.path(path, 0));
  }
  if (existing?.stream.columns.some((c) => c.name === measurement) === true) {
    throw at.error('OBJECT_EXISTS', `timeseries ${formatPath(path)} already exists`, at.path(path, path.length - 1));
  }
  if (!location.databaseExists) ctx.authorize('CREATE', location.database, null);
  ctx.authorize('CREATE', location.database, location.stream);
  await ensureSchema(ctx.storage, location, [{ name: measurement, type: columnTypeOf(dataType) }], at, path);
}

function checkTimeseriesOption(key: string, value: string, type: IotdbDataType, at: Locator): void {
  if (key === 'ENCODING') {
    const problem = encodingProblem(value, type);
    if (problem !== null) throw at.error('INVALID_ARGUMENT', problem, at.optionValue('ENCODING', value));
    return;
  }
  if (key === 'COMPRESSOR' || key === 'COMPRESSION') {
    if (!IOTDB_COMPRESSORS.includes(value.toUpperCase())) {
      throw at.error('INVALID_ARGUMENT', `unknown compressor '${value}' (one of ${IOTDB_COMPRESSORS.join(', ')})`, at.optionValue(key, value));
    }
    return;
  }
  throw at.error('INVALID_ARGUMENT', `unknown timeseries option ${key} (ENCODING, COMPRESSOR)`, at.word(key));
}

// ---------------------------------------------------------------------------------------------
// INSERT

interface MeasurementInput {
  readonly name: string;
  /** Index in the statement's column list. */
  readonly index: number;
}

async function insertValues(statement: InsertStatement, body: InsertValues, ctx: IotdbContext, at: Locator): Promise<number> {
  const device = normalizeRoot(statement.target.parts);
  const location = locate(device, ctx, at);
  const listed = statement.columns ?? [];
  let timeIndex = -1;
  const measurements: MeasurementInput[] = [];
  const seen = new Set<string>();
  listed.forEach((name, index) => {
    const lower = name.toLowerCase();
    if (lower === 'time' || lower === 'timestamp') {
      if (timeIndex >= 0) throw at.error('INVALID_ARGUMENT', `the time column is listed twice`, at.listedColumn(index));
      timeIndex = index;
      return;
    }
    const problem = measurementProblem(name);
    if (problem !== null) throw at.error('INVALID_NAME', problem, at.listedColumn(index));
    if (seen.has(name)) throw at.error('INVALID_ARGUMENT', `measurement '${name}' is listed twice`, at.listedColumn(index));
    seen.add(name);
    measurements.push({ name, index });
  });
  if (measurements.length === 0) throw at.error('INVALID_ARGUMENT', `INSERT INTO ${formatPath(device)} lists no measurement`, at.path(device, 0));
  const rows = body.rows;
  if (rows.length > INSERT_VALUES_ROWS_MAX) {
    throw new DbError('LIMIT_EXCEEDED', `INSERT VALUES has ${rows.length} rows, more than INSERT_VALUES_ROWS_MAX (${INSERT_VALUES_ROWS_MAX})`);
  }
  if (rows.length > BATCH_ROWS_MAX) throw new DbError('LIMIT_EXCEEDED', `an insert of ${rows.length} rows is more than BATCH_ROWS_MAX (${BATCH_ROWS_MAX})`);

  // Evaluate every value first: times in ms, measurement cells with the SQL type they arrived as.
  const times = new Array<number>(rows.length);
  const cells = measurements.map(() => ({ types: new Array<DataType>(rows.length), values: new Array<Value>(rows.length) }));
  const scope = new Scope([]);
  rows.forEach((row, r) => {
    if (row.length !== listed.length) {
      throw at.error('INVALID_ARGUMENT', `VALUES row ${r + 1} has ${row.length} values, expected ${listed.length} (${listed.join(', ')})`, at.valuesCell(r, 0));
    }
    times[r] = timeIndex < 0 ? Math.floor(ctx.context.nowMs) : timeValueMs(row[timeIndex]!, ctx, at, () => `VALUES row ${r + 1}, time`, () => at.valuesCell(r, timeIndex));
    measurements.forEach((m, i) => {
      const expr = row[m.index]!;
      const compiled = compileExpr(expr, scope, { params: ctx.params, context: ctx.context });
      if (compiled.constant === null) throw at.error('INVALID_ARGUMENT', `VALUES row ${r + 1}, ${m.name}: ${formatExpression(expr)} is not a constant`, at.valuesCell(r, m.index));
      cells[i]!.types[r] = compiled.type;
      cells[i]!.values[r] = compiled.constant.value;
    });
  });

  if (!location.databaseExists && !ctx.autoCreateSchema) {
    throw at.error('DATABASE_NOT_FOUND', `no database holds device ${formatPath(device)} and automatic schema creation is off (enable_auto_create_schema)`, at.path(device, 0));
  }
  // The type of each measurement: its column's, or the inferred one (a measurement given only NULLs is skipped).
  const relation = location.databaseExists ? ctx.storage.catalog.findRelation(location.database, location.stream) : undefined;
  if (relation !== undefined && relation.kind !== 'stream') {
    throw at.error('INVALID_ARGUMENT', `${location.database}.${location.stream} is ${relation.kind === 'view' ? 'a view' : 'an external stream'}, not a device`, at.path(device, 0));
  }
  const stream = relation?.stream;
  const targets: { readonly input: MeasurementInput; readonly type: DataType; readonly values: Value[] }[] = [];
  const added: ColumnDef[] = [];
  measurements.forEach((m, i) => {
    const given = cells[i]!;
    const first = given.values.findIndex((v) => v !== null);
    const column = stream?.columns.find((c) => c.name === m.name);
    let type: DataType;
    if (column !== undefined) {
      type = column.type;
      const nullRow = type.kind === 'nullable' ? -1 : given.values.indexOf(null);
      if (nullRow >= 0) {
        throw at.error('INVALID_VALUE', `VALUES row ${nullRow + 1}, ${m.name}: NULL in column ${m.name} of type ${formatDataType(type)}, which is not nullable`, at.valuesCell(nullRow, m.index));
      }
    } else {
      if (first < 0) return;
      const path = formatPath([...device, m.name]);
      if (!ctx.autoCreateSchema) {
        throw at.error('OBJECT_NOT_FOUND', `timeseries ${path} does not exist and automatic schema creation is off (enable_auto_create_schema): CREATE TIMESERIES ${path} first`, at.listedColumn(m.index));
      }
      const inferred = inferIotdbType(given.types[first]!);
      if (inferred === null) {
        throw at.error('INVALID_TYPE', `cannot infer an IoTDB data type for ${m.name} from a value of type ${formatDataType(given.types[first]!)}`, at.valuesCell(first, m.index));
      }
      type = columnTypeOf(inferred);
      added.push({ name: m.name, type });
    }
    const values = given.values.map((value, r) => (value === null ? null : convertCell(value, given.types[r]!, type, () => `VALUES row ${r + 1}, ${m.name}`, at, () => at.valuesCell(r, m.index))));
    targets.push({ input: m, type, values });
  });

  if (targets.every((t) => t.values.every((v) => v === null))) return 0; // only NULLs: IoTDB stores nothing
  if (!location.databaseExists) ctx.authorize('CREATE', location.database, null);
  if (stream === undefined || added.length > 0) ctx.authorize('CREATE', location.database, location.stream);
  ctx.authorize('INSERT', location.database, location.stream);

  // Everything checked: create what is missing, then append once.
  const target = stream === undefined || added.length > 0 || !location.databaseExists ? await ensureSchema(ctx.storage, location, added, at, device) : stream;
  const batch = buildBatch(target, times, targets, ctx.context);
  await ctx.storage.append(location.database, location.stream, batch);
  return rows.length;
}

/** The time of a VALUES cell in ms: now(), an integer (epoch ms), a time, or a time text (UTC unless it says otherwise). */
function timeValueMs(expr: Expr, ctx: IotdbContext, at: Locator, where: () => string, token: () => Token | undefined): number {
  if (expr.kind === 'FunctionCall' && expr.name.toLowerCase() === 'now' && expr.args.length === 0) return Math.floor(ctx.context.nowMs);
  const compiled = compileExpr(expr, new Scope([]), { params: ctx.params, context: ctx.context });
  const value = compiled.constant?.value ?? null;
  const kind = baseType(compiled.type).kind;
  let ms = NaN;
  if (compiled.constant !== null && value !== null) {
    if (kind === 'datetime64') ms = Number(value);
    else if (kind === 'datetime') ms = Number(value) * MS_PER_SECOND;
    else if (kind === 'date') ms = Number(value) * MS_PER_DAY;
    else if (kind === 'string') ms = parseTimeMs(String(value).trim().replace(/^(\d{4})[./](\d{1,2})[./](\d{1,2})/, '$1-$2-$3'));
    else if (/^u?int\d+$/.test(kind)) ms = Number(value);
  }
  if (!Number.isSafeInteger(ms) || Math.abs(ms) > TIME_MS_ABS_MAX) {
    throw at.error(
      'INVALID_VALUE',
      `${where()}: ${formatExpression(expr)} is not a timestamp (epoch milliseconds, now() or a time such as '2022-03-30 00:00:00')`,
      token(),
    );
  }
  return ms;
}

/** One value converted to a measurement's column type (a failure names the row and measurement). */
function convertCell(value: Value, from: DataType, to: DataType, where: () => string, at: Locator, token: () => Token | undefined): Value {
  try {
    return colValueAt(castCol(colFromValues(from, [value]), to, 1), 0);
  } catch (error) {
    const reason = error instanceof DbError ? error.message.replace(/^[^:]*: /, '').replace(/ \(row \d+\)$/, '') : String(error);
    throw at.error('INVALID_VALUE', `${where()}: ${reason}`, token());
  }
}

function buildBatch(stream: StreamDef, times: readonly number[], targets: readonly { readonly input: MeasurementInput; readonly values: Value[] }[], context: EvalContext): Batch {
  const rowCount = times.length;
  const byName = new Map(targets.map((t) => [t.input.name, t.values]));
  const cols: Col[] = stream.columns.map((column) => {
    if (column.name === TIME_COLUMN) return colFromValues(column.type, times);
    const values = byName.get(column.name);
    if (values !== undefined) return colFromValues(column.type, values);
    return defaultCol(column, rowCount, context);
  });
  const schema: Column[] = stream.columns.map((c) => ({ name: c.name, type: c.type }));
  const exec: ExecBatch = { schema, cols, rowCount };
  return batchFromExec(exec, schema);
}

// ---------------------------------------------------------------------------------------------
// Schema

function locate(device: readonly string[], ctx: IotdbContext, at: Locator): ReturnType<typeof locateDevice> {
  try {
    return locateDevice(device, ctx.storage.catalog.listDatabases().map((d) => d.name));
  } catch (error) {
    if (error instanceof PathProblem) throw at.error('INVALID_NAME', error.message, at.path(device, error.node));
    throw error;
  }
}

/**
 * Creates the database (refusing overlaps), the stream and the columns that are missing; tolerates
 * a concurrent statement creating the same. Returns the stream as it is afterwards.
 */
async function ensureSchema(
  storage: Storage,
  location: ReturnType<typeof locateDevice>,
  columns: readonly ColumnDef[],
  at: Locator,
  path: readonly string[],
): Promise<StreamDef> {
  const catalog = storage.catalog;
  if (catalog.findDatabase(location.database) === undefined) {
    const other = overlappingDatabase(location.database, catalog.listDatabases().map((d) => d.name));
    if (other !== null) {
      throw at.error('DATABASE_EXISTS', `cannot create database ${location.database} for ${formatPath(path)}: ${other} is a database and IoTDB databases do not nest`, at.path(path, 0));
    }
    await catalog.createDatabase(location.database, { ifNotExists: true });
  }
  let stream = catalog.findStream(location.database, location.stream);
  if (stream === undefined) stream = await storage.createStream(location.database, location.stream, columns, {}, { ifNotExists: true });
  const missing = columns.filter((c) => !stream!.columns.some((existing) => existing.name === c.name));
  if (missing.length > 0) stream = await catalog.addColumns(location.database, location.stream, missing, { ifNotExists: true });
  for (const column of columns) {
    const now = stream.columns.find((c) => c.name === column.name);
    if (now !== undefined && formatDataType(now.type) !== formatDataType(column.type)) {
      throw new DbError('SCHEMA_MISMATCH', `${formatPath([...path.slice(0, -1), column.name])} was created concurrently as ${formatDataType(now.type)}; retry the statement`);
    }
  }
  return stream;
}

// ---------------------------------------------------------------------------------------------
// SELECT (aligned by time)

interface Series {
  readonly database: string;
  readonly stream: StreamDef;
  readonly column: ColumnDef;
  readonly nodes: readonly string[];
  readonly key: string;
}

interface Selected {
  readonly series: Series;
  readonly name: string;
  readonly type: DataType;
}

interface TimeBound {
  readonly op: '=' | '!=' | '<' | '<=' | '>' | '>=';
  readonly ms: number;
}

async function selectAligned(select: Select, ctx: IotdbContext, at: Locator): Promise<ExecuteResult> {
  checkSelectShape(select, at);
  const from = select.from;
  if (from?.kind !== 'TableRef') throw new DbError('INTERNAL', 'IoTDB SELECT without a path');
  const prefix = normalizeRoot(from.name.parts);
  const all = visibleSeries(ctx);
  const chosen: Selected[] = [];
  const taken = new Set<string>();
  for (const item of select.items) {
    const matches: Series[] = [];
    const expr = item.expr;
    if (expr.kind === 'Star') {
      const base = [...prefix, ...expr.qualifier];
      for (const series of all) {
        if (!isPrefix(base, series.nodes) || series.nodes.length === base.length) continue;
        if (expr.deep || series.nodes.length === base.length + 1) matches.push(series);
      }
      matches.sort((a, b) => comparePaths(a.nodes, b.nodes));
    } else if (expr.kind === 'ColumnRef') {
      const nodes = [...prefix, ...expr.parts];
      const series = all.find((s) => s.nodes.length === nodes.length && isPrefix(nodes, s.nodes));
      if (series !== undefined) matches.push(series);
    } else {
      throw at.error(
        'NOT_SUPPORTED',
        `IoTDB SELECT takes series paths, * and ** (${formatExpression(expr)} is not one); for expressions query the stream with Tributary SQL, e.g. FROM table(\`${prefix.slice(0, 2).join('.')}\`.${prefix.slice(2).join('.') || 'device'})`,
        at.keyword('SELECT'),
      );
    }
    for (const series of matches) {
      if (taken.has(series.key)) continue;
      taken.add(series.key);
      const alias = expr.kind === 'ColumnRef' ? item.alias : null;
      const type = series.column.type.kind === 'array' ? series.column.type : nullableOf(series.column.type);
      chosen.push({ series, name: alias ?? formatPath(series.nodes), type });
    }
  }
  const bounds = timeBounds(select.where, ctx, at);
  const descending = orderDescending(select, at);
  const { offset, count } = limitOf(select, ctx, at);

  // Read every stream involved once, merging by time; later non-NULL values overwrite earlier ones.
  const timeIndex = new Map<number, number>();
  const times: number[] = [];
  const columns: Value[][] = chosen.map(() => []);
  const byStream = new Map<number, { stream: StreamDef; database: string; picks: { column: string; out: number }[] }>();
  chosen.forEach((c, out) => {
    const entry = byStream.get(c.series.stream.id) ?? { stream: c.series.stream, database: c.series.database, picks: [] };
    entry.picks.push({ column: c.series.column.name, out });
    byStream.set(c.series.stream.id, entry);
  });
  const min = Math.max(-Infinity, ...bounds.filter((b) => b.op === '>' || b.op === '>=' || b.op === '=').map((b) => b.ms));
  const max = Math.min(Infinity, ...bounds.filter((b) => b.op === '<' || b.op === '<=' || b.op === '=').map((b) => b.ms));
  for (const { stream, database, picks } of byStream.values()) {
    const current = ctx.storage.catalog.findStream(database, stream.name);
    if (current === undefined || current.id !== stream.id) continue; // dropped meanwhile
    const schema: Column[] = [
      { name: TIME_COLUMN, type: current.columns.find((c) => c.name === TIME_COLUMN)!.type },
      ...picks.map((p) => ({ name: p.column, type: current.columns.find((c) => c.name === p.column)!.type })),
    ];
    const batches = scan({
      log: ctx.storage.log(database, stream.name),
      streaming: false,
      schema,
      minTimeMs: Number.isFinite(min) ? min : undefined,
      maxTimeMs: Number.isFinite(max) ? max : undefined,
      signal: ctx.signal,
    });
    for await (const batch of batches) {
      const timeCol = batch.cols[0]!;
      for (let r = 0; r < batch.rowCount; r++) {
        const t = Number(colValueAt(timeCol, r));
        if (!bounds.every((b) => compareTime(t, b))) continue;
        let row = timeIndex.get(t);
        for (let p = 0; p < picks.length; p++) {
          const value = colValueAt(batch.cols[p + 1]!, r);
          if (value === null) continue;
          if (row === undefined) {
            row = times.length;
            if (row >= QUERY_RESULT_ROWS_MAX) {
              throw new DbError('LIMIT_EXCEEDED', `the aligned result has more than QUERY_RESULT_ROWS_MAX (${QUERY_RESULT_ROWS_MAX}) times; narrow it with WHERE time …`);
            }
            timeIndex.set(t, row);
            times.push(t);
          }
          columns[picks[p]!.out]![row] = value;
        }
      }
    }
    if (ctx.signal.aborted) throw new DbError('QUERY_CANCELLED', 'cancelled by the caller');
  }

  const order = times.map((_, i) => i).sort((a, b) => (descending ? times[b]! - times[a]! : times[a]! - times[b]!));
  const rows = order.slice(offset, count === null ? undefined : offset + count);
  const schema: Column[] = [{ name: TIME_RESULT_COLUMN, type: T.datetime64('UTC') }, ...chosen.map((c) => ({ name: c.name, type: c.type }))];
  const batches: Batch[] = [];
  for (let start = 0; start === 0 || start < rows.length; start += RESULT_BATCH_ROWS) {
    const part = rows.slice(start, start + RESULT_BATCH_ROWS);
    const cols: Col[] = [
      colFromValues(schema[0]!.type, part.map((i) => times[i]!)),
      ...chosen.map((c, k) => colFromValues(c.type, part.map((i) => columns[k]![i] ?? (c.type.kind === 'array' ? [] : null)))),
    ];
    batches.push(batchFromExec({ schema, cols, rowCount: part.length }, schema));
  }
  return { kind: 'rows', schema, batches, rowCount: rows.length };
}

const RESULT_BATCH_ROWS = 65_536;

function checkSelectShape(select: Select, at: Locator): void {
  const unsupported = (what: string, keyword: string): never => {
    throw at.error('NOT_SUPPORTED', `${what} in an IoTDB SELECT (FROM root…): it supports series paths, *, **, WHERE on time, ORDER BY time, LIMIT/OFFSET`, at.keyword(keyword));
  };
  if (select.with.length > 0) unsupported('WITH', 'WITH');
  if (select.distinct) unsupported('DISTINCT', 'DISTINCT');
  if (select.groupBy.length > 0) unsupported('GROUP BY', 'GROUP');
  if (select.having !== null) unsupported('HAVING', 'HAVING');
  if (select.emit !== null) unsupported('EMIT', 'EMIT');
  if (select.settings.length > 0) unsupported('SETTINGS', 'SETTINGS');
  if (select.from?.kind === 'TableRef' && select.from.alias !== null) unsupported('an alias of the FROM path', 'FROM');
  const dot = nodeWithDot(select.from?.kind === 'TableRef' ? select.from.name.parts : []);
  if (dot >= 0) throw at.error('INVALID_NAME', `path node contains '.'`, at.keyword('FROM'));
}

/** Every series the user may read: columns of streams in `root.…` databases. */
function visibleSeries(ctx: IotdbContext): Series[] {
  const out: Series[] = [];
  for (const stream of ctx.storage.catalog.listStreams()) {
    if (!isIotdbDatabaseName(stream.database)) continue;
    try {
      ctx.authorize('SELECT', stream.database, stream.name);
    } catch {
      continue;
    }
    for (const column of stream.columns) {
      if (column.name === TIME_COLUMN) continue;
      const nodes = seriesNodes(stream.database, stream.name, column.name);
      out.push({ database: stream.database, stream, column, nodes, key: nodes.join('\u0000') });
    }
  }
  return out;
}

function isTimeRef(expr: Expr): boolean {
  if (expr.kind !== 'ColumnRef' || expr.parts.length !== 1) return false;
  const name = expr.parts[0]!.toLowerCase();
  return name === 'time' || name === 'timestamp' || name === TIME_COLUMN;
}

const FLIPPED: Readonly<Record<string, TimeBound['op']>> = { '=': '=', '!=': '!=', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/** WHERE as a list of comparisons of the time with constants (ANDed); anything else is NOT_SUPPORTED. */
function timeBounds(where: Expr | null, ctx: IotdbContext, at: Locator): TimeBound[] {
  if (where === null) return [];
  const out: TimeBound[] = [];
  const fail = (expr: Expr): never => {
    throw at.error('NOT_SUPPORTED', `IoTDB SELECT filters on time only (time >= …, time < …, BETWEEN, AND); not ${formatExpression(expr)}`, at.keyword('WHERE'));
  };
  const timeOf = (expr: Expr) => timeValueMs(expr, ctx, at, () => 'WHERE', () => at.keyword('WHERE'));
  const visit = (expr: Expr): void => {
    if (expr.kind === 'Binary' && expr.op === 'AND') {
      visit(expr.left);
      visit(expr.right);
    } else if (expr.kind === 'Binary' && expr.op in FLIPPED) {
      const op = expr.op as TimeBound['op'];
      if (isTimeRef(expr.left)) out.push({ op, ms: timeOf(expr.right) });
      else if (isTimeRef(expr.right)) out.push({ op: FLIPPED[op]!, ms: timeOf(expr.left) });
      else fail(expr);
    } else if (expr.kind === 'Between' && !expr.negated && isTimeRef(expr.operand)) {
      out.push({ op: '>=', ms: timeOf(expr.low) }, { op: '<=', ms: timeOf(expr.high) });
    } else {
      fail(expr);
    }
  };
  visit(where);
  return out;
}

function compareTime(t: number, bound: TimeBound): boolean {
  switch (bound.op) {
    case '=':
      return t === bound.ms;
    case '!=':
      return t !== bound.ms;
    case '<':
      return t < bound.ms;
    case '<=':
      return t <= bound.ms;
    case '>':
      return t > bound.ms;
    case '>=':
      return t >= bound.ms;
  }
}

function orderDescending(select: Select, at: Locator): boolean {
  if (select.orderBy.length === 0) return false;
  const item = select.orderBy[0]!;
  if (select.orderBy.length > 1 || !isTimeRef(item.expr)) {
    throw at.error('NOT_SUPPORTED', 'an IoTDB SELECT is ordered by time only (ORDER BY time [ASC|DESC])', at.keyword('ORDER'));
  }
  return item.direction === 'DESC';
}

function limitOf(select: Select, ctx: IotdbContext, at: Locator): { offset: number; count: number | null } {
  if (select.limit === null) return { offset: 0, count: null };
  const number = (expr: Expr): number => {
    const compiled = compileExpr(expr, new Scope([]), { params: ctx.params, context: ctx.context });
    const value = Number(compiled.constant?.value ?? NaN);
    if (!Number.isSafeInteger(value) || value < 0) throw at.error('INVALID_ARGUMENT', `LIMIT and OFFSET take a non-negative integer, not ${formatExpression(expr)}`, at.keyword('LIMIT'));
    return value;
  };
  return { offset: select.limit.offset === null ? 0 : number(select.limit.offset), count: number(select.limit.count) };
}

// ---------------------------------------------------------------------------------------------
// Positions

/** Finds tokens of the statement's source to point errors at (lazily: only when an error is raised). */
class Locator {
  private readonly source: StatementSource | undefined;
  private lexed: Token[] | null = null;

  constructor(source: StatementSource | undefined) {
    this.source = source;
  }

  /** A DbError whose message starts with the token's line and column (when known). */
  error(code: ErrorCode, message: string, token: Token | undefined): DbError {
    if (this.source === undefined || token === undefined) return new DbError(code, message);
    const { line, column } = positionOf(this.source.text, token.start);
    return new DbError(code, `line ${line}, column ${column}: ${message}`, { line, column, offset: token.start });
  }

  private tokens(): Token[] {
    if (this.lexed === null) this.lexed = this.source === undefined ? [] : (statementTokens(this.source.text)[this.source.index] ?? []);
    return this.lexed;
  }

  /** The first word (any case) equal to `upper`. */
  keyword(upper: string): Token | undefined {
    return this.tokens().find((t) => t.kind === TokenKind.Word && t.upper === upper);
  }

  /** The first token whose text is `text` (any case), after the word `after` when given. */
  word(text: string, after?: string): Token | undefined {
    const tokens = this.tokens();
    const from = after === undefined ? 0 : Math.max(0, tokens.findIndex((t) => t.upper === after));
    return tokens.slice(from).find((t) => t.kind !== TokenKind.Op && t.text.toUpperCase() === text.toUpperCase());
  }

  /** The value token of `KEY = value`. */
  optionValue(key: string, value: string): Token | undefined {
    const tokens = this.tokens();
    for (let i = 0; i + 2 < tokens.length; i++) {
      if (tokens[i]!.upper === key && tokens[i + 1]!.text === '=' && tokens[i + 2]!.text === value) return tokens[i + 2];
    }
    return this.word(value);
  }

  /** The token of node `node` of the dotted path `parts` (its first node when the walk fails). */
  path(parts: readonly string[], node: number): Token | undefined {
    const tokens = this.tokens();
    const matches = (token: Token | undefined, part: string, first: boolean) =>
      token !== undefined && token.kind !== TokenKind.Op && token.kind !== TokenKind.String && (first ? token.text.toLowerCase() === part.toLowerCase() : token.text === part);
    let fallback: Token | undefined;
    for (let i = 0; i < tokens.length; i++) {
      if (!matches(tokens[i], parts[0]!, true)) continue;
      fallback ??= tokens[i];
      let j = i;
      let k = 0;
      while (k < node && tokens[j + 1]?.text === '.' && matches(tokens[j + 2], parts[k + 1]!, false)) {
        j += 2;
        k++;
      }
      if (k === node) return tokens[j];
    }
    return fallback;
  }

  /** The `index`-th name (0-based) of INSERT's column list. */
  listedColumn(index: number): Token | undefined {
    const tokens = this.tokens();
    const open = tokens.findIndex((t) => t.kind === TokenKind.Op && t.text === '(');
    let seen = 0;
    for (let i = open + 1; open >= 0 && i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind === TokenKind.Op && t.text === ')') break;
      if ((t.kind === TokenKind.Word || t.kind === TokenKind.QuotedIdent) && seen++ === index) return t;
    }
    return undefined;
  }

  /** The first token of cell `cell` of VALUES row `row` (0-based). */
  valuesCell(row: number, cell: number): Token | undefined {
    const tokens = this.tokens();
    let i = tokens.findIndex((t) => t.upper === 'VALUES');
    if (i < 0) return undefined;
    let depth = 0;
    let currentRow = -1;
    let currentCell = 0;
    for (i++; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t.kind === TokenKind.Op && (t.text === '(' || t.text === '[')) {
        depth++;
        if (depth === 1) {
          currentRow++;
          currentCell = 0;
          if (currentRow === row && cell === 0) return tokens[i + 1];
        }
      } else if (t.kind === TokenKind.Op && (t.text === ')' || t.text === ']')) {
        depth--;
      } else if (depth === 1 && t.text === ',' && t.kind === TokenKind.Op) {
        currentCell++;
        if (currentRow === row && currentCell === cell) return tokens[i + 1];
      }
    }
    return undefined;
  }
}
