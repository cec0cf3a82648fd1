// The SELECT planner: binds a query's names against the catalog and turns it into a pipeline of
// operators (operators/), checking types along the way so errors surface before any row is read.
//
// Shape of a plan:  source → [window bounds] → [WHERE] → [aggregate → HAVING] → [ORDER BY]
//                   → projection → [DISTINCT] → [LIMIT]
//
// Sources: a stream (`FROM s`: streaming, starting at the tail unless a seek is given),
// `table(s)` (bounded), window table functions `tumble|hop|session(s | table(s), [time,] …)`,
// a subquery or CTE, or nothing (`SELECT 1`). Seeks come from WHERE conjuncts comparing `_tp_time`
// or `_tp_sn` with a constant, or from `SETTINGS seek_to='earliest'|'latest'|'<time>'`; the WHERE
// clause is still applied to every row, so a seek only decides where reading starts.
import { DbError } from '../../core/errors.ts';
import type { Clock } from '../../core/clock.ts';
import {
  type Expr,
  type FromItem,
  type FunctionCall,
  type QueryStatement,
  type Select,
  type SelectItem,
  formatExpression,
  parseStatement,
} from '../../sql/index.ts';
import type { Storage } from '../../storage/storage.ts';
import type { CatalogObject, StreamDef } from '../../storage/catalog/catalog-types.ts';
import { VIRTUAL_COLUMNS } from '../../storage/log/virtual-columns.ts';
import type { Column } from '../../types/batch.ts';
import { type DataType, T, formatDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { lookupAggregateFunction } from '../aggregates/index.ts';
import { baseType, colFromValues, colValueAt, isTimeType } from '../column.ts';
import type { RowSet } from '../statements/ddl.ts';
import { EMIT_INTERVAL_MS_DEFAULT } from '../engine-limits.ts';
import type { ExecBatch } from '../exec-batch.ts';
import { type CompiledExpr, compileExpr } from '../expr/compile.ts';
import { fixedIntervalMs } from '../expr/interval.ts';
import { Scope, type ScopeColumn } from '../expr/scope.ts';
import type { EvalContext } from '../functions/function.ts';
import { castCol } from '../functions/index.ts';
import { type AggregateSpec, type AggregateStats, type WindowSpec, aggregate } from '../operators/aggregate.ts';
import { batchesAsPulses, withTicks } from '../operators/pulse.ts';
import { type SortKey, distinct, filter, limit, project, sort } from '../operators/relational.ts';
import { interleave } from '../operators/interleave.ts';
import { scan } from '../operators/scan.ts';
import { StringInterner } from '../string-interner.ts';
import { conjuncts, findAggregates, substituteAliases, walkExpr } from './ast-walk.ts';
import { type PlainSetting, settingsMap } from '../settings-values.ts';
import type { Authorize } from '../auth/access.ts';
import type { RemoteStreams } from '../external/remote-streams.ts';
import { type ExternalSourcePlan, planExternalSource, readShard, remoteSelectSql } from './external-source.ts';

export interface PlanEnv {
  readonly storage: Storage;
  readonly database: string;
  readonly context: EvalContext;
  readonly params: ReadonlyMap<string, Value>;
  readonly clock: Clock;
  readonly ctes?: ReadonlyMap<string, QueryStatement>;
  /** Throws ACCESS_DENIED unless the session's user may read the stream; called before it is looked up. */
  readonly authorize: Authorize;
  /** Reaches remote nodes for external streams; without it, querying one is NOT_SUPPORTED. */
  readonly remotes?: RemoteStreams;
  /**
   * Replaces the reader of the query's stream or external stream (a materialized view feeds the
   * plan its own batches, with their source positions). Called once per source when the plan runs.
   */
  readonly sourceOverride?: (request: SourceRequest) => AsyncIterable<ExecBatch>;
  /** The rows of `system.<name>` tables served by higher layers (system.tasks), or undefined. */
  readonly systemTable?: (name: string) => RowSet | undefined;
}

/** What a stream or external-stream source reads, as handed to PlanEnv.sourceOverride. */
export type SourceRequest =
  | { readonly kind: 'stream'; readonly stream: StreamDef; readonly schema: readonly Column[]; readonly streaming: boolean; readonly seek: Seek; readonly signal: AbortSignal }
  | {
      readonly kind: 'external_stream';
      readonly plan: ExternalSourcePlan;
      readonly streaming: boolean;
      readonly seekTo: string | number | boolean | null;
      readonly signal: AbortSignal;
    };

export interface QueryStats {
  lateRows: number;
  emittedWindows: number;
  droppedRows: number;
}

export interface QueryPlan {
  readonly schema: readonly Column[];
  readonly streaming: boolean;
  readonly stats: QueryStats;
  run(signal: AbortSignal): AsyncGenerator<ExecBatch>;
}

type Pipeline = (signal: AbortSignal) => AsyncIterable<ExecBatch>;

export function planQuery(query: QueryStatement, env: PlanEnv): QueryPlan {
  if (query.kind === 'Union') return planUnion(query.selects, env);
  return planSelect(query, env);
}

// ---------------------------------------------------------------------------------------------
// Sources

interface Source {
  readonly scope: Scope;
  readonly schema: readonly Column[];
  readonly streaming: boolean;
  /** The local stream read directly, when the source is one (seeks apply to it). */
  readonly stream: StreamDef | null;
  /** Set for an external stream: the planner passes SETTINGS seek_to through to the remote. */
  readonly external?: boolean;
  readonly window: WindowCall | null;
  open(signal: AbortSignal, seek: Seek, stats: QueryStats): AsyncIterable<ExecBatch>;
}

interface WindowCall {
  readonly kind: 'tumble' | 'hop' | 'session';
  readonly timeExpr: Expr;
  readonly args: readonly Expr[];
}

export interface Seek {
  fromSn?: number;
  fromTimeMs?: number;
  minTimeMs?: number;
  maxTimeMs?: number;
}

const WINDOW_FUNCTIONS = new Set(['tumble', 'hop', 'session']);

function planSource(from: FromItem | null, select: Select, env: PlanEnv): Source {
  if (from === null) {
    const schema: Column[] = [];
    return {
      scope: new Scope([]),
      schema,
      streaming: false,
      stream: null,
      window: null,
      open: async function* () {
        yield { schema, cols: [], rowCount: 1 };
      },
    };
  }
  switch (from.kind) {
    case 'TableRef': {
      const parts = from.name.parts;
      if (parts.length === 1 && env.ctes?.has(parts[0])) return subquerySource(env.ctes.get(parts[0])!, from.alias ?? parts[0], env);
      return relationSource(parts, from.alias, true, select, env);
    }
    case 'SubqueryTable':
      return subquerySource(from.query, from.alias, env);
    case 'TableFunction': {
      const name = from.name.toLowerCase();
      if (name === 'table') {
        const target = from.args[0];
        if (from.args.length !== 1 || target.kind !== 'ColumnRef') throw new DbError('INVALID_ARGUMENT', `table() takes one stream name, e.g. table(sensors)`);
        return relationSource(target.parts, from.alias ?? target.parts[target.parts.length - 1], false, select, env);
      }
      if (WINDOW_FUNCTIONS.has(name)) return windowSource(name as WindowCall['kind'], from.args, from.alias, select, env);
      throw new DbError('INVALID_ARGUMENT', `unknown table function '${from.name}'; known: table, tumble, hop, session`);
    }
    case 'Join':
      throw new DbError('INVALID_ARGUMENT', 'JOIN is not supported yet');
  }
}

type ResolvedRelation =
  | { readonly kind: 'stream'; readonly stream: StreamDef }
  | { readonly kind: 'external_stream'; readonly object: CatalogObject }
  | { readonly kind: 'view_query'; readonly query: QueryStatement };

/** The stream, external stream or view (its target) a name in FROM refers to. */
function resolveRelation(parts: readonly string[], env: PlanEnv): ResolvedRelation {
  const database = parts.length === 1 ? env.database : parts.slice(0, -1).join('.');
  const name = parts[parts.length - 1];
  // Before the lookup: a user without SELECT learns nothing about whether the stream exists.
  env.authorize('SELECT', database, name);
  const relation = env.storage.catalog.findRelation(database, name);
  if (relation === undefined) {
    if (env.storage.catalog.findDatabase(database) === undefined) throw new DbError('DATABASE_NOT_FOUND', database);
    throw new DbError('STREAM_NOT_FOUND', `${database}.${name}`);
  }
  if (relation.kind === 'stream') return relation;
  if (relation.kind === 'external_stream') return { kind: 'external_stream', object: relation.object };
  // A materialized view reads as its target stream; a plain view as its query.
  const definition = relation.object.definition as { target?: { database: string; name: string } | null; query?: string };
  const target = definition.target;
  if (target === undefined || target === null) {
    if (definition.query === undefined) throw new DbError('INVALID_ARGUMENT', `${database}.${name} is a view without a query or target`);
    const query = parseStatement(definition.query);
    if (query.kind !== 'Select' && query.kind !== 'Union') throw new DbError('INTERNAL', `view ${database}.${name} holds a ${query.kind}`);
    return { kind: 'view_query', query };
  }
  const resolved = env.storage.catalog.findRelation(target.database, target.name);
  if (resolved === undefined) throw new DbError('STREAM_NOT_FOUND', `${target.database}.${target.name} (the target of view ${database}.${name})`);
  if (resolved.kind === 'stream') return resolved;
  if (resolved.kind === 'external_stream') return { kind: 'external_stream', object: resolved.object };
  throw new DbError('INVALID_ARGUMENT', `view ${database}.${name} targets ${target.database}.${target.name}, which is a view`);
}

function relationSource(parts: readonly string[], alias: string | null, streaming: boolean, select: Select, env: PlanEnv): Source {
  if (parts.length === 2 && parts[0] === 'system') {
    const rows = env.systemTable?.(parts[1]);
    if (rows !== undefined) return rowSetSource(rows, alias ?? parts[1]);
  }
  const relation = resolveRelation(parts, env);
  if (relation.kind === 'stream') return streamSource(relation.stream, alias, streaming, select, env);
  if (relation.kind === 'view_query') return subquerySource(relation.query, alias ?? parts[parts.length - 1], env);
  return externalStreamSource(relation.object, alias, streaming, select, env);
}

/** A bounded source over rows held in memory (system tables). */
function rowSetSource(set: RowSet, alias: string): Source {
  const schema = [...set.schema];
  const scope = new Scope(schema.map((c, index) => ({ name: c.name, qualifier: alias, type: c.type, index, hidden: false })));
  return {
    scope,
    schema,
    streaming: false,
    stream: null,
    window: null,
    open: async function* () {
      yield { schema, cols: schema.map((c, i) => colFromValues(c.type, set.rows.map((r) => r[i]))), rowCount: set.rows.length };
    },
  };
}

function externalStreamSource(object: CatalogObject, alias: string | null, streaming: boolean, select: Select, env: PlanEnv): Source {
  const { names, star } = referencedNames(select);
  const plan = planExternalSource(object, alias, names, star, select.where);
  const seekTo = settingsMap(select.settings).get('seek_to') ?? null;
  const remotes = env.remotes;
  return {
    scope: plan.scope,
    schema: plan.schema,
    streaming,
    stream: null,
    external: true,
    window: null,
    open: (signal) => {
      if (env.sourceOverride !== undefined) return env.sourceOverride({ kind: 'external_stream', plan, streaming, seekTo, signal });
      if (remotes === undefined) throw new DbError('NOT_SUPPORTED', `querying external stream ${plan.name}: this node has no remote connector`);
      const sql = remoteSelectSql(plan.config, plan.remoteColumns, plan.pushdown, { bounded: !streaming, seekTo });
      const interner = new StringInterner();
      const shards = plan.config.hosts.map((_, shard) => readShard(remotes, plan, shard, sql, signal, interner));
      return shards.length === 1 ? shards[0] : mergeStreams(shards, (b) => b);
    },
  };
}

/** Names of columns the query refers to (last part of every column reference), and whether it uses `*`. */
function referencedNames(select: Select): { names: Set<string>; star: boolean } {
  const names = new Set<string>();
  let star = false;
  const visit = (e: Expr) => {
    if (e.kind === 'ColumnRef') names.add(e.parts[e.parts.length - 1]);
    if (e.kind === 'Star') star = true;
    if (e.kind === 'FunctionCall' && lookupAggregateFunction(e.name)?.needsEventTime === true) names.add('_tp_time');
  };
  const exprs: Expr[] = [...select.items.map((i) => i.expr), ...select.groupBy, ...select.orderBy.map((o) => o.expr)];
  if (select.where !== null) exprs.push(select.where);
  if (select.having !== null) exprs.push(select.having);
  if (select.from?.kind === 'TableFunction') exprs.push(...select.from.args);
  for (const e of exprs) walkExpr(e, visit);
  return { names, star };
}

function streamSource(stream: StreamDef, alias: string | null, streaming: boolean, select: Select, env: PlanEnv): Source {
  const { names, star } = referencedNames(select);
  const qualifier = alias ?? stream.name;
  const stored = stream.columns.filter((c) => star || names.has(c.name) || c.name === '_tp_time');
  const virtual = VIRTUAL_COLUMNS.filter((c) => names.has(c.name));
  const schema: Column[] = [...stored.map((c) => ({ name: c.name, type: c.type })), ...virtual];
  const scopeColumns: ScopeColumn[] = schema.map((c, index) => ({
    name: c.name,
    qualifier,
    type: c.type,
    index,
    hidden: index >= stored.length,
  }));
  const log = env.storage.log(stream.database, stream.name);
  return {
    scope: new Scope(scopeColumns, new Map(), stream.columns.map((c) => c.name)),
    schema,
    streaming,
    stream,
    window: null,
    open: (signal, seek, stats) =>
      env.sourceOverride !== undefined ? env.sourceOverride({ kind: 'stream', stream, schema, streaming, seek, signal }) : scan({
        log,
        streaming,
        schema,
        ...seek,
        signal,
        onGap: (fromSn, toSn) => {
          stats.droppedRows += toSn - fromSn;
        },
      }),
  };
}

function subquerySource(query: QueryStatement, alias: string | null, env: PlanEnv): Source {
  const plan = planQuery(query, env);
  const scope = new Scope(plan.schema.map((c, index) => ({ name: c.name, qualifier: alias, type: c.type, index, hidden: false })));
  return { scope, schema: plan.schema, streaming: plan.streaming, stream: null, window: null, open: (signal) => plan.run(signal) };
}

function windowSource(kind: WindowCall['kind'], args: readonly Expr[], alias: string | null, select: Select, env: PlanEnv): Source {
  const usage = { tumble: 'tumble(stream, [time_column,] size)', hop: 'hop(stream, [time_column,] slide, size)', session: 'session(stream, [time_column,] gap)' }[kind];
  const intervals = kind === 'hop' ? 2 : 1;
  if (args.length !== 1 + intervals && args.length !== 2 + intervals) throw new DbError('INVALID_ARGUMENT', `${kind} takes ${usage}`);
  const target = args[0];
  let inner: Source;
  if (target.kind === 'ColumnRef') inner = relationSource(target.parts, alias ?? target.parts[target.parts.length - 1], true, select, env);
  else if (target.kind === 'FunctionCall' && target.name.toLowerCase() === 'table' && target.args.length === 1 && target.args[0].kind === 'ColumnRef') {
    const parts = target.args[0].parts;
    inner = relationSource(parts, alias ?? parts[parts.length - 1], false, select, env);
  } else if (target.kind === 'Subquery') inner = subquerySource(target.query, alias, env);
  else throw new DbError('INVALID_ARGUMENT', `${kind}: the first argument must be a stream, table(stream) or a subquery; ${usage}`);
  const timeExpr: Expr = args.length === 2 + intervals ? args[1] : { kind: 'ColumnRef', parts: ['_tp_time'] };
  return { ...inner, window: { kind, timeExpr, args: args.slice(args.length - intervals) } };
}

// ---------------------------------------------------------------------------------------------
// SELECT

function planSelect(original: Select, outerEnv: PlanEnv): QueryPlan {
  const ctes = new Map(outerEnv.ctes ?? []);
  const constants: Expr[] = [];
  for (const item of original.with) {
    if (item.kind === 'CommonTableExpr') ctes.set(item.name, item.query);
    else constants.push(item.expr);
  }
  const env: PlanEnv = { ...outerEnv, ctes };
  const select = withAliasesResolved(original, env);
  if (select.with.some((w) => w.kind === 'WithExpr')) throw new DbError('INVALID_ARGUMENT', 'WITH <expression> AS <name> is not supported yet; use WITH name AS (SELECT …)');
  const settings = settingsMap(select.settings);
  const source = planSource(select.from, select, env);
  const compileOptions = { params: env.params, context: env.context };
  const compile = (e: Expr, scope: Scope) => compileExpr(e, scope, compileOptions);
  const streaming = source.streaming;
  const stats: QueryStats = { lateRows: 0, emittedWindows: 0, droppedRows: 0 };

  // Seeks.
  const seek: Seek = {};
  if (source.stream !== null && select.where !== null) extractSeek(select.where, source.scope, compile, seek);
  const seekTo = settings.get('seek_to');
  if (seekTo !== undefined && seekTo !== null && streaming) applySeekTo(seekTo, seek, env);

  let pipeline: Pipeline = (signal) => source.open(signal, seek, stats);
  let scope = source.scope;
  let schema = source.schema;

  // Aggregation.
  const isAggregate = (name: string) => lookupAggregateFunction(name) !== undefined;
  const aggregateCalls: FunctionCall[] = [];
  for (const item of select.items) findAggregates(item.expr, isAggregate, aggregateCalls);
  if (select.having !== null) findAggregates(select.having, isAggregate, aggregateCalls);
  for (const order of select.orderBy) findAggregates(order.expr, isAggregate, aggregateCalls);
  const aggregating = aggregateCalls.length > 0 || select.groupBy.length > 0;

  // WHERE. Before an aggregation whose keys and arguments are plain columns, the predicate is fused
  // into the aggregation as a skip mask (no copy of the surviving rows); those expressions cannot fail
  // on a row WHERE excludes. Otherwise it is a filter operator.
  let fusedFilter: CompiledExpr | null = null;
  if (select.where !== null) {
    const predicate = compile(select.where, scope);
    checkBoolean(predicate, 'WHERE');
    const plainColumns = (e: Expr) => e.kind === 'ColumnRef' || e.kind === 'Star' || e.kind === 'IntegerLiteral' || e.kind === 'FloatLiteral' || e.kind === 'StringLiteral';
    const fusable =
      aggregating &&
      source.window === null &&
      select.groupBy.every(plainColumns) &&
      aggregateCalls.every((call) => call.args.every(plainColumns) && (call.params ?? []).every(plainColumns));
    if (fusable) fusedFilter = predicate;
    else {
      const input = pipeline;
      pipeline = (signal) => filter(input(signal), predicate, env.context);
    }
  }
  if (source.window !== null && source.window.kind !== 'tumble' && !aggregating) {
    throw new DbError('INVALID_ARGUMENT', `${source.window.kind} windows need an aggregation (e.g. count()) and GROUP BY window_start`);
  }
  if (source.window !== null && !aggregating) {
    // tumble without aggregation: every row gets its window bounds.
    const sizeMs = fixedIntervalMs(source.window.args[0], (e) => compile(e, new Scope([])).constant?.value, 'tumble');
    const time = compile(source.window.timeExpr, scope);
    checkTime(time, 'tumble');
    const bounds = addWindowBounds(scope, schema);
    const input = pipeline;
    const startType = T.datetime64('UTC');
    pipeline = async function* (signal) {
      for await (const batch of input(signal)) {
        const t = time.evaluate(batch, env.context).values as Float64Array;
        const starts = new Float64Array(batch.rowCount);
        for (let i = 0; i < batch.rowCount; i++) starts[i] = Math.floor(t[i] / sizeMs) * sizeMs;
        const ends = starts.map((s) => s + sizeMs);
        yield { schema: bounds.schema, cols: [...batch.cols, { type: startType, values: starts, nulls: null }, { type: startType, values: ends, nulls: null }], rowCount: batch.rowCount };
      }
    };
    scope = bounds.scope;
    schema = bounds.schema;
  }

  if (aggregating) {
    const planned = planAggregation(select, aggregateCalls, source, scope, compile, env, settings, stats, fusedFilter);
    const input = pipeline;
    pipeline = (signal) => planned.run(input, signal);
    scope = planned.scope;
    schema = planned.schema;
    if (select.having !== null) {
      const predicate = compile(select.having, scope);
      checkBoolean(predicate, 'HAVING');
      const before = pipeline;
      pipeline = (signal) => filter(before(signal), predicate, env.context);
    }
  } else if (select.having !== null) {
    throw new DbError('INVALID_ARGUMENT', 'HAVING needs GROUP BY or an aggregate function');
  }

  // Projection (ORDER BY before it, over the same scope, with select aliases usable).
  const items = expandItems(select.items, scope);
  const exprs = items.map((item) => compile(item.expr, scope));
  const outSchema: Column[] = items.map((item, i) => ({ name: item.name, type: exprs[i].type }));
  const aliases = new Map<string, Expr>();
  for (const item of select.items) if (item.alias !== null) aliases.set(item.alias, item.expr);

  if (select.orderBy.length > 0) {
    const windowed = source.window !== null && aggregating;
    if (streaming && !windowed) throw new DbError('INVALID_ARGUMENT', 'ORDER BY on an unbounded stream needs a window (it sorts each emitted window); or query table(stream)');
    const keys: SortKey[] = select.orderBy.map((o) => {
      const expr = o.expr.kind === 'ColumnRef' && o.expr.parts.length === 1 && aliases.has(o.expr.parts[0]) && !hasColumn(scope, o.expr.parts[0]) ? aliases.get(o.expr.parts[0])! : o.expr;
      const resolved = expr.kind === 'IntegerLiteral' ? positional(select.items, Number(expr.text)) : expr;
      return { expr: compile(resolved, scope), descending: o.direction === 'DESC', nullsFirst: o.nulls === 'FIRST' };
    });
    const input = pipeline;
    const sortSchema = schema;
    pipeline = streaming
      ? async function* (signal) {
          for await (const batch of input(signal)) yield* sort(one(batch), keys, sortSchema, env.context);
        }
      : (signal) => sort(input(signal), keys, sortSchema, env.context);
  }

  const beforeProjection = pipeline;
  pipeline = (signal) => project(beforeProjection(signal), exprs, outSchema, env.context);
  if (select.distinct) {
    const input = pipeline;
    pipeline = (signal) => distinct(input(signal));
  }
  if (select.limit !== null) {
    const count = constantInteger(select.limit.count, 'LIMIT', compile);
    const offset = select.limit.offset === null ? 0 : constantInteger(select.limit.offset, 'OFFSET', compile);
    const input = pipeline;
    pipeline = (signal) => limit(input(signal), count, offset);
  }
  const final = pipeline;
  return {
    schema: outSchema,
    streaming,
    stats,
    run: (signal) => runPipeline(final, signal),
  };
}

/**
 * Fix (SQL corpus): SELECT aliases used in WHERE and HAVING are replaced by their expressions
 * (ClickHouse semantics). A name that is a column of the FROM source stays the column; the source's
 * columns are looked up without planning it (names of a stream, or of a subquery's select items).
 */
function withAliasesResolved(select: Select, env: PlanEnv): Select {
  if (select.where === null && select.having === null) return select;
  const aliases = new Map<string, Expr>();
  for (const item of select.items) if (item.alias !== null && !(item.expr.kind === 'ColumnRef' && item.expr.parts.length === 1 && item.expr.parts[0] === item.alias)) aliases.set(item.alias, item.expr);
  if (aliases.size === 0) return select;
  let columnNames: Set<string>;
  try {
    columnNames = new Set(planSource(select.from, select, env).scope.columns.map((c) => c.name));
  } catch {
    return select;
  }
  const isColumn = (name: string) => columnNames.has(name);
  return {
    ...select,
    where: select.where === null ? null : substituteAliases(select.where, aliases, isColumn),
    having: select.having === null ? null : substituteAliases(select.having, aliases, isColumn),
  };
}

async function* one(batch: ExecBatch): AsyncGenerator<ExecBatch> {
  yield batch;
}

async function* runPipeline(pipeline: Pipeline, signal: AbortSignal): AsyncGenerator<ExecBatch> {
  yield* pipeline(signal);
}

function hasColumn(scope: Scope, name: string): boolean {
  return scope.columns.some((c) => c.name === name);
}

function positional(items: readonly SelectItem[], position: number): Expr {
  const item = items[position - 1];
  if (item === undefined || item.expr.kind === 'Star') throw new DbError('INVALID_ARGUMENT', `ORDER BY ${position}: there is no select item ${position}`);
  return item.expr;
}

function addWindowBounds(scope: Scope, schema: readonly Column[]): { scope: Scope; schema: Column[] } {
  const type = T.datetime64('UTC');
  const extended: Column[] = [...schema, { name: 'window_start', type }, { name: 'window_end', type }];
  const columns: ScopeColumn[] = [
    ...scope.columns,
    { name: 'window_start', qualifier: null, type, index: schema.length, hidden: false },
    { name: 'window_end', qualifier: null, type, index: schema.length + 1, hidden: false },
  ];
  return { scope: new Scope(columns), schema: extended };
}

function checkBoolean(expr: CompiledExpr, clause: string): void {
  const kind = baseType(expr.type).kind;
  if (kind !== 'bool' && kind !== 'uint8' && kind !== 'int8' && kind !== 'int32' && kind !== 'int64' && kind !== 'uint64') {
    throw new DbError('INVALID_ARGUMENT', `${clause} must be a condition, got ${formatDataType(expr.type)}: ${expr.text}`);
  }
}

function checkTime(expr: CompiledExpr, what: string): void {
  if (!isTimeType(expr.type)) throw new DbError('INVALID_ARGUMENT', `${what}: the time column must be a datetime64, datetime or date, got ${formatDataType(expr.type)}`);
}

function constantInteger(expr: Expr, clause: string, compile: (e: Expr, s: Scope) => CompiledExpr): number {
  const compiled = compile(expr, new Scope([]));
  const value = compiled.constant?.value;
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new DbError('INVALID_ARGUMENT', `${clause} must be a non-negative integer constant, got ${compiled.text}`);
  return n;
}

/** Select items with `*` / `s.*` expanded to the visible columns of the scope. */
function expandItems(items: readonly SelectItem[], scope: Scope): { expr: Expr; name: string }[] {
  const out: { expr: Expr; name: string }[] = [];
  for (const item of items) {
    if (item.expr.kind === 'Star') {
      const qualifier = item.expr.qualifier.length > 0 ? item.expr.qualifier.join('.') : null;
      const columns = scope.columns.filter((c) => !c.hidden && (qualifier === null || c.qualifier === qualifier));
      if (qualifier !== null && columns.length === 0) throw new DbError('INVALID_ARGUMENT', `${qualifier}.* matches no stream in FROM`);
      for (const c of columns) out.push({ expr: { kind: 'ColumnRef', parts: c.qualifier === null ? [c.name] : [c.qualifier, c.name] }, name: c.name });
      continue;
    }
    const name = item.alias ?? (item.expr.kind === 'ColumnRef' ? item.expr.parts[item.expr.parts.length - 1] : formatExpression(item.expr));
    out.push({ expr: item.expr, name });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Seeks

function extractSeek(where: Expr, scope: Scope, compile: (e: Expr, s: Scope) => CompiledExpr, seek: Seek): void {
  const empty = new Scope([]);
  for (const conjunct of conjuncts(where)) {
    if (conjunct.kind !== 'Binary' || !['>', '>=', '<', '<=', '='].includes(conjunct.op)) continue;
    let column: string | null = null;
    let other: Expr | null = null;
    let op = conjunct.op;
    if (conjunct.left.kind === 'ColumnRef') {
      column = conjunct.left.parts[conjunct.left.parts.length - 1];
      other = conjunct.right;
    } else if (conjunct.right.kind === 'ColumnRef') {
      column = conjunct.right.parts[conjunct.right.parts.length - 1];
      other = conjunct.left;
      op = ({ '>': '<', '>=': '<=', '<': '>', '<=': '>=', '=': '=' } as const)[op as '>' | '>=' | '<' | '<=' | '='];
    }
    if (column !== '_tp_time' && column !== '_tp_sn') continue;
    let value: Value | undefined;
    try {
      const compiled = compile(other!, empty);
      if (compiled.constant === null || compiled.constant.value === null) continue;
      const target = column === '_tp_sn' ? T.int64 : scope.resolve(['_tp_time']).type;
      value = colValueAt(castCol(compiled.evaluate({ schema: [], cols: [], rowCount: 1 }, { nowMs: 0 } as EvalContext), baseType(target), 1), 0);
    } catch {
      continue; // not a constant this planner can use: the filter still applies
    }
    const n = typeof value === 'bigint' ? Number(value) : Number(value);
    if (!Number.isFinite(n)) continue;
    if (column === '_tp_sn') {
      if (op === '>') seek.fromSn = Math.max(seek.fromSn ?? 0, Math.floor(n) + 1);
      else if (op === '>=' || op === '=') seek.fromSn = Math.max(seek.fromSn ?? 0, Math.ceil(n));
    } else {
      if (op === '>' || op === '>=' || op === '=') {
        seek.fromTimeMs = Math.max(seek.fromTimeMs ?? -Infinity, n);
        seek.minTimeMs = seek.fromTimeMs;
      }
      if (op === '<' || op === '<=' || op === '=') seek.maxTimeMs = Math.min(seek.maxTimeMs ?? Infinity, n);
    }
  }
}

function applySeekTo(value: string | number | boolean, seek: Seek, env: PlanEnv): void {
  const text = String(value).trim().toLowerCase();
  if (text === 'latest') return;
  if (text === 'earliest') {
    seek.fromSn = 0;
    return;
  }
  const relative = /^-(\d+)([smhd])$/.exec(text);
  if (relative !== null) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    seek.fromTimeMs = env.context.nowMs - Number(relative[1]) * unit;
    return;
  }
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(String(value)) ? String(value) : `${String(value).replace(' ', 'T')}Z`);
  if (!Number.isFinite(ms)) {
    throw new DbError('INVALID_SETTING', `seek_to must be 'earliest', 'latest', a time like '2026-01-01 00:00:00' or '-5m', got '${String(value)}'`);
  }
  seek.fromTimeMs = ms;
}

// ---------------------------------------------------------------------------------------------
// Aggregation

interface PlannedAggregation {
  readonly scope: Scope;
  readonly schema: readonly Column[];
  run(input: Pipeline, signal: AbortSignal): AsyncIterable<ExecBatch>;
}

function planAggregation(
  select: Select,
  calls: readonly FunctionCall[],
  source: Source,
  scope: Scope,
  compile: (e: Expr, s: Scope) => CompiledExpr,
  env: PlanEnv,
  settings: ReadonlyMap<string, PlainSetting>,
  stats: QueryStats,
  filter: CompiledExpr | null,
): PlannedAggregation {
  const empty = new Scope([]);
  const constantValue = (e: Expr): Value => {
    const compiled = compile(e, empty);
    if (compiled.constant === null) throw new DbError('INVALID_ARGUMENT', `${compiled.text} must be a constant`);
    return compiled.constant.value;
  };
  // Window.
  let window: WindowSpec | null = null;
  if (source.window !== null) {
    const w = source.window;
    const time = compile(w.timeExpr, scope);
    checkTime(time, w.kind);
    const ms = (e: Expr, what: string) => fixedIntervalMs(e, (x) => compile(x, empty).constant?.value, what);
    window =
      w.kind === 'tumble'
        ? { kind: 'tumble', time, sizeMs: ms(w.args[0], 'tumble size') }
        : w.kind === 'hop'
          ? { kind: 'hop', time, slideMs: ms(w.args[0], 'hop slide'), sizeMs: ms(w.args[1], 'hop size') }
          : { kind: 'session', time, gapMs: ms(w.args[0], 'session gap') };
    if (window.kind === 'hop' && window.sizeMs % window.slideMs !== 0) {
      throw new DbError('INVALID_ARGUMENT', `hop: the window size must be a multiple of the slide`);
    }
  }
  // Group keys (window bounds are implicit keys of a windowed aggregation).
  const itemAliases = new Map<string, Expr>();
  for (const item of select.items) if (item.alias !== null) itemAliases.set(item.alias, item.expr);
  const keyExprs: Expr[] = [];
  for (const g of select.groupBy) {
    if (g.kind === 'ColumnRef' && g.parts.length === 1 && (g.parts[0] === 'window_start' || g.parts[0] === 'window_end') && window !== null) continue;
    if (g.kind === 'ColumnRef' && g.parts.length === 1 && itemAliases.has(g.parts[0]) && !hasColumn(scope, g.parts[0])) keyExprs.push(itemAliases.get(g.parts[0])!);
    else if (g.kind === 'IntegerLiteral') keyExprs.push(positional(select.items, Number(g.text)));
    else keyExprs.push(g);
  }
  if (window === null && select.groupBy.some((g) => g.kind === 'ColumnRef' && (g.parts[0] === 'window_start' || g.parts[0] === 'window_end'))) {
    throw new DbError('INVALID_ARGUMENT', 'window_start and window_end need a window: FROM tumble(stream, 5s), hop(…) or session(…)');
  }
  const keys = keyExprs.map((e) => compile(e, scope));
  // Aggregates (deduplicated by SQL text).
  const unique = new Map<string, FunctionCall>();
  for (const call of calls) unique.set(formatExpression(call), call);
  const specs: AggregateSpec[] = [];
  const aggTypes: DataType[] = [];
  for (const call of unique.values()) {
    const def = lookupAggregateFunction(call.name)!;
    const isStar = call.args.length === 1 && call.args[0].kind === 'Star';
    const argExprs = isStar ? [] : call.args;
    const split = def.constantArgsFrom ?? argExprs.length;
    const columnArgs = argExprs.slice(0, split).map((a) => compile(a, scope));
    const params = [...(call.params ?? []).map(constantValue), ...argExprs.slice(split).map(constantValue)];
    if (def.needsEventTime) columnArgs.push(compile({ kind: 'ColumnRef', parts: ['_tp_time'] }, scope));
    const impl = def.resolve(columnArgs.map((a) => a.type), params, call.distinct);
    specs.push({ impl, args: columnArgs });
    aggTypes.push(impl.returnType);
  }
  // Output schema and the scope after aggregation.
  const type = T.datetime64('UTC');
  const schema: Column[] = [];
  const columns: ScopeColumn[] = [];
  const computed = new Map<string, number>();
  if (window !== null) {
    for (const name of ['window_start', 'window_end']) {
      columns.push({ name, qualifier: null, type, index: schema.length, hidden: false });
      schema.push({ name, type });
    }
  }
  keyExprs.forEach((e, k) => {
    const text = formatExpression(e);
    const name = e.kind === 'ColumnRef' ? e.parts[e.parts.length - 1] : text;
    const qualifier = e.kind === 'ColumnRef' ? (scope.resolve(e.parts).qualifier ?? null) : null;
    computed.set(text, schema.length);
    columns.push({ name, qualifier, type: keys[k].type, index: schema.length, hidden: false });
    schema.push({ name, type: keys[k].type });
  });
  [...unique.keys()].forEach((text, a) => {
    computed.set(text, schema.length);
    columns.push({ name: text, qualifier: null, type: aggTypes[a], index: schema.length, hidden: true });
    schema.push({ name: text, type: aggTypes[a] });
  });
  const streaming = source.streaming;
  let emitIntervalMs = EMIT_INTERVAL_MS_DEFAULT;
  if (select.emit?.policy?.kind === 'EmitPeriodic') emitIntervalMs = fixedIntervalMs(select.emit.policy.interval, (x) => compile(x, empty).constant?.value, 'EMIT PERIODIC');
  const lateness = settings.get('allowed_lateness') ?? settings.get('lateness');
  const allowedLatenessMs = lateness === undefined || lateness === null ? 0 : parseLateness(lateness);
  const aggStats: AggregateStats = { lateRows: 0, emittedWindows: 0 };
  const options = { filter, keys, aggregates: specs, window, streaming, emitIntervalMs, allowedLatenessMs, schema, context: env.context };
  return {
    scope: new Scope(columns, computed),
    schema,
    run: (input, signal) => {
      const pulses = streaming && window === null ? withTicks(input(signal), emitIntervalMs, env.clock, signal) : batchesAsPulses(input(signal));
      return trackStats(aggregate(pulses, options, aggStats), aggStats, stats);
    },
  };
}

async function* trackStats(source: AsyncIterable<ExecBatch>, from: AggregateStats, to: QueryStats): AsyncGenerator<ExecBatch> {
  try {
    for await (const batch of source) {
      to.lateRows = from.lateRows;
      to.emittedWindows = from.emittedWindows;
      yield batch;
    }
  } finally {
    to.lateRows = from.lateRows;
    to.emittedWindows = from.emittedWindows;
  }
}

function parseLateness(value: string | number | boolean): number {
  if (typeof value === 'number' && value >= 0) return value;
  const match = /^(\d+)(ms|s|m|h)?$/.exec(String(value).trim());
  if (match === null) throw new DbError('INVALID_SETTING', `allowed_lateness must be milliseconds or like '2s', got '${String(value)}'`);
  return Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
}

// ---------------------------------------------------------------------------------------------
// UNION ALL

function planUnion(selects: readonly Select[], env: PlanEnv): QueryPlan {
  const plans = selects.map((s) => planSelect(s, env));
  const schema = plans[0].schema;
  for (const [i, plan] of plans.entries()) {
    if (plan.schema.length !== schema.length) {
      throw new DbError('INVALID_ARGUMENT', `UNION ALL: select ${i + 1} has ${plan.schema.length} columns, the first has ${schema.length}`);
    }
  }
  const streaming = plans.some((p) => p.streaming);
  const stats: QueryStats = { lateRows: 0, emittedWindows: 0, droppedRows: 0 };
  const conform = (batch: ExecBatch): ExecBatch => ({
    schema,
    cols: batch.cols.map((col, c) => (formatDataType(col.type) === formatDataType(schema[c].type) ? col : castCol(col, schema[c].type, batch.rowCount))),
    rowCount: batch.rowCount,
  });
  return {
    schema,
    streaming,
    stats,
    run: streaming
      ? (signal) => mergeStreams(plans.map((p) => p.run(signal)), conform)
      : async function* (signal) {
          for (const plan of plans) for await (const batch of plan.run(signal)) yield conform(batch);
        },
  };
}

/** Interleaves several (streaming) inputs as their batches arrive. */
async function* mergeStreams(inputs: AsyncGenerator<ExecBatch>[], conform: (b: ExecBatch) => ExecBatch): AsyncGenerator<ExecBatch> {
  for await (const { value } of interleave(inputs)) yield conform(value);
}
