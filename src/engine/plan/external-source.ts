// The source of a query over an external stream (`type='timeplus'`): the query runs on the remote,
// one query per shard, and the batches are merged here as they arrive.
//
// What goes to the remote: the columns the query uses (projection pushdown), the WHERE conjuncts
// that name only the remote's columns (filter pushdown; `_tp_time`, `_tp_sn` and `_tp_index_time`
// included, so seeks such as `_tp_time > earliest_ts()` seek on the remote), `table(…)` for a
// bounded query, and `SETTINGS seek_to`. The whole WHERE clause still runs here too, so what is
// pushed decides only how much data crosses the link, never the result. `_tp_shard` (the shard's
// index in `hosts`, from 0) is added here.
//
// Errors from a shard are rethrown with the same code and a message that names the shard.
import { DbError, ERRORS } from '../../core/errors.ts';
import { type Expr, formatExpression, formatIdentifier } from '../../sql/index.ts';
import type { CatalogObject } from '../../storage/catalog/catalog-types.ts';
import type { Batch, Column } from '../../types/batch.ts';
import { T, formatDataType, parseDataType, sameType } from '../../types/data-type.ts';
import { constantCol, colFromVector } from '../column.ts';
import type { ExecBatch } from '../exec-batch.ts';
import { type ExternalStreamConfig, formatShard } from '../external/external-stream-config.ts';
import type { RemoteStreams } from '../external/remote-streams.ts';
import { Scope, type ScopeColumn } from '../expr/scope.ts';
import { StringInterner } from '../string-interner.ts';
import { conjuncts, rewriteColumnRefs, walkExpr } from './ast-walk.ts';

/** The catalog definition of an external stream (CatalogObject.definition). */
export interface ExternalStreamDefinition {
  readonly config: ExternalStreamConfig;
  /** The remote stream's columns (declared in CREATE, or fetched from the remote and cached). */
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly declared: boolean;
  /** The CREATE statement as given (SHOW CREATE prints it with the password redacted). */
  readonly sql: string;
}

/** Virtual columns the remote serves. */
export const REMOTE_VIRTUAL_COLUMNS: readonly Column[] = [
  { name: '_tp_sn', type: T.int64 },
  { name: '_tp_index_time', type: T.datetime64('UTC') },
];
/** Added locally: the shard's index in `hosts`. */
export const SHARD_COLUMN: Column = { name: '_tp_shard', type: T.int32 };

export function externalColumns(definition: ExternalStreamDefinition): Column[] {
  return definition.columns.map((c) => ({ name: c.name, type: parseDataType(c.type) }));
}

export interface ExternalSourcePlan {
  readonly scope: Scope;
  /** What the source yields: requested stored columns, then requested virtual ones. */
  readonly schema: readonly Column[];
  /** The columns asked of the remote (schema without `_tp_shard`). */
  readonly remoteColumns: readonly Column[];
  /** The WHERE conjuncts sent to the remote (unqualified), or null. */
  readonly pushdown: Expr | null;
  readonly config: ExternalStreamConfig;
  readonly name: string;
}

/**
 * Plans the columns and the pushed-down filter of a query over an external stream. `names`/`star`
 * say which columns the query refers to.
 */
export function planExternalSource(
  object: CatalogObject,
  alias: string | null,
  names: ReadonlySet<string>,
  star: boolean,
  where: Expr | null,
): ExternalSourcePlan {
  const definition = object.definition as ExternalStreamDefinition;
  const all = externalColumns(definition);
  const qualifier = alias ?? object.name;
  const stored = all.filter((c) => star || names.has(c.name) || c.name === '_tp_time');
  const virtual = REMOTE_VIRTUAL_COLUMNS.filter((c) => names.has(c.name));
  const shard = names.has(SHARD_COLUMN.name) ? [SHARD_COLUMN] : [];
  const remoteColumns = [...stored, ...virtual];
  const schema = [...remoteColumns, ...shard];
  const scopeColumns: ScopeColumn[] = schema.map((c, index) => ({ name: c.name, qualifier, type: c.type, index, hidden: index >= stored.length }));
  const remoteNames = new Set([...all.map((c) => c.name), ...REMOTE_VIRTUAL_COLUMNS.map((c) => c.name)]);
  const pushed: Expr[] = [];
  if (where !== null) {
    for (const conjunct of conjuncts(where)) {
      const unqualified = pushable(conjunct, remoteNames, qualifier);
      if (unqualified !== null) pushed.push(unqualified);
    }
  }
  const pushdown = pushed.length === 0 ? null : pushed.reduce((a, b): Expr => ({ kind: 'Binary', op: 'AND', left: a, right: b }) as Expr);
  return {
    scope: new Scope(scopeColumns, new Map(), all.map((c) => c.name)),
    schema,
    remoteColumns,
    pushdown,
    config: definition.config,
    name: `${object.database}.${object.name}`,
  };
}

/** The conjunct with its column references unqualified, when the remote can evaluate it; else null. */
function pushable(expr: Expr, remoteNames: ReadonlySet<string>, qualifier: string): Expr | null {
  let ok = true;
  walkExpr(expr, (e) => {
    if (e.kind === 'Parameter' || e.kind === 'Subquery' || e.kind === 'Star') ok = false;
    if (e.kind === 'ColumnRef') {
      const name = e.parts[e.parts.length - 1];
      const prefix = e.parts.slice(0, -1).join('.');
      if (!remoteNames.has(name) || (prefix !== '' && prefix !== qualifier && !qualifier.endsWith(`.${prefix}`) && !prefix.endsWith(`.${qualifier}`))) ok = false;
    }
  });
  if (!ok) return null;
  return rewriteColumnRefs(expr, (ref) => ({ ...ref, parts: [ref.parts[ref.parts.length - 1]] }));
}

export interface RemoteSqlOptions {
  readonly bounded: boolean;
  /** Only rows with `_tp_sn` greater than this (a view resuming from its checkpoint). */
  readonly afterSn?: number;
  readonly seekTo?: string | number | boolean | null;
}

/** The SQL a shard runs: `SELECT cols FROM [table(]db.stream[)] [WHERE …] [SETTINGS seek_to=…]`. */
export function remoteSelectSql(config: ExternalStreamConfig, columns: readonly Column[], pushdown: Expr | null, options: RemoteSqlOptions): string {
  const target = `${formatIdentifier(config.db)}.${formatIdentifier(config.stream)}`;
  const from = options.bounded ? `table(${target})` : target;
  const conditions: string[] = [];
  if (pushdown !== null) conditions.push(`(${formatExpression(pushdown)})`);
  if (options.afterSn !== undefined) conditions.push(`_tp_sn > ${options.afterSn}`);
  const where = conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
  const seek =
    options.seekTo === undefined || options.seekTo === null || options.bounded
      ? ''
      : ` SETTINGS seek_to = ${typeof options.seekTo === 'string' ? `'${options.seekTo.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(options.seekTo)}`;
  const list = columns.length === 0 ? '_tp_time' : columns.map((c) => formatIdentifier(c.name)).join(', ');
  return `SELECT ${list} FROM ${from}${where}${seek}`;
}

/**
 * Opens one shard's query and converts its batches: checks the remote returned the requested columns
 * with their types, and adds `_tp_shard` when the schema asks for it.
 */
export async function* readShard(
  remotes: RemoteStreams,
  plan: Pick<ExternalSourcePlan, 'config' | 'schema' | 'remoteColumns' | 'name'>,
  shard: number,
  sql: string,
  signal: AbortSignal,
  /** One per query, shared by every shard: codes from two interners must never meet in one operator. */
  interner: StringInterner,
): AsyncGenerator<ExecBatch> {
  const where = `external stream ${plan.name}, shard ${shard} (${formatShard(plan.config.hosts[shard])})`;
  const query = remotes.query(plan.config, shard, sql, signal);
  const withShard = plan.schema.length > plan.remoteColumns.length;
  let checked = false;
  try {
    for await (const batch of query) {
      if (!checked) {
        checkRemoteColumns(batch, plan.remoteColumns, where);
        checked = true;
      }
      // With an interner, string columns stay lazy views of the received bytes: passed through
      // (views, SELECT *) they go out again without being decoded, hashed or re-encoded.
      const cols = batch.vectors.map((vector) => colFromVector(vector, interner));
      if (withShard) cols.push(constantCol(SHARD_COLUMN.type, shard, batch.rowCount));
      yield { schema: plan.schema, cols, rowCount: batch.rowCount };
    }
  } catch (error) {
    if (signal.aborted) return;
    throw nameShard(error, where);
  } finally {
    query.cancel();
  }
}

/** The error with the shard named in its message (same code), so a failed shard is identifiable. */
export function nameShard(error: unknown, where: string): DbError {
  if (error instanceof DbError) {
    if (error.message.includes(where)) return error;
    const prefix = `${ERRORS[error.code].text}: `;
    const detail = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    return new DbError(error.code, `${where}: ${detail}`, error.details, { cause: error });
  }
  return new DbError('REMOTE_ERROR', `${where}: ${(error as Error).message}`, {}, { cause: error });
}

function checkRemoteColumns(batch: Batch, expected: readonly Column[], where: string): void {
  const got = batch.columns;
  const same = got.length === expected.length && got.every((c, i) => c.name === expected[i].name && sameType(c.type, expected[i].type));
  if (!same) {
    const show = (cols: readonly Column[]) => cols.map((c) => `${c.name} ${formatDataType(c.type)}`).join(', ');
    throw new DbError('SCHEMA_MISMATCH', `${where}: the remote stream returned (${show(got)}), expected (${show(expected)}); recreate the external stream to refresh its columns`);
  }
}
