// DDL and catalog queries: CREATE/DROP DATABASE, CREATE/DROP STREAM, USE, SHOW DATABASES|STREAMS,
// SHOW CREATE STREAM, DESCRIBE. Results of SHOW/DESCRIBE are ordinary row sets (string columns).
import { DbError } from '../../core/errors.ts';
import {
  type CreateStreamStatement,
  type Statement,
  formatExpression,
  formatIdentifier,
  formatString,
} from '../../sql/index.ts';
import type { ColumnDef, StreamDef } from '../../storage/catalog/catalog-types.ts';
import { changedStreamSettings } from '../../storage/catalog/stream-settings.ts';
import type { Storage } from '../../storage/storage.ts';
import type { Column } from '../../types/batch.ts';
import { T, dataTypeFromSpec, formatDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { compileExpr } from '../expr/compile.ts';
import { Scope } from '../expr/scope.ts';
import type { EvalContext } from '../functions/function.ts';
import { settingsMap } from '../settings-values.ts';

export interface RowSet {
  readonly schema: readonly Column[];
  readonly rows: readonly (readonly Value[])[];
}

/** `[db.]name` as (database, name), the session's database when none is written. */
export function splitName(parts: readonly string[], database: string): [string, string] {
  return parts.length === 1 ? [database, parts[0]] : [parts.slice(0, -1).join('.'), parts[parts.length - 1]];
}

export async function createStream(statement: CreateStreamStatement, storage: Storage, database: string, context: EvalContext): Promise<StreamDef> {
  const [db, name] = splitName(statement.name.parts, database);
  const columns: ColumnDef[] = statement.columns.map((c) => {
    const type = dataTypeFromSpec(c.type);
    if (c.default === null) return { name: c.name, type };
    // The default must compile on its own (a constant or a function of nothing, such as now64(3)).
    compileExpr(c.default, new Scope([]), { context });
    return { name: c.name, type, default: formatExpression(c.default) };
  });
  if (columns.length === 0) throw new DbError('INVALID_ARGUMENT', `CREATE STREAM ${db}.${name}: a stream needs at least one column`);
  const settings: Record<string, string | number | boolean> = {};
  for (const [key, value] of settingsMap(statement.settings)) {
    if (value === null) throw new DbError('INVALID_SETTING', `setting ${key} cannot be NULL`);
    settings[key] = value;
  }
  return storage.createStream(db, name, columns, settings, { ifNotExists: statement.ifNotExists });
}

export async function executeDdl(statement: Statement, storage: Storage, database: string): Promise<void> {
  switch (statement.kind) {
    case 'CreateDatabase':
      await storage.catalog.createDatabase(statement.name, { ifNotExists: statement.ifNotExists });
      return;
    case 'DropDatabase':
      await storage.dropDatabase(statement.name, { ifExists: statement.ifExists, cascade: true });
      return;
    case 'DropStream': {
      const [db, name] = splitName(statement.name.parts, database);
      await storage.dropStream(db, name, { ifExists: statement.ifExists });
      return;
    }
    default:
      throw new DbError('INTERNAL', `executeDdl got ${statement.kind}`);
  }
}

const NAME: Column[] = [{ name: 'name', type: T.string }];

export function showDatabases(storage: Storage): RowSet {
  return { schema: NAME, rows: storage.catalog.listDatabases().map((d) => [d.name]) };
}

export function showStreams(storage: Storage, database: string): RowSet {
  if (storage.catalog.findDatabase(database) === undefined) throw new DbError('DATABASE_NOT_FOUND', database);
  const streams = storage.catalog.listStreams(database).map((s) => s.name);
  const objects = storage.catalog.listObjects('external_stream', database).map((o) => o.name);
  return { schema: NAME, rows: [...streams, ...objects].sort().map((n) => [n]) };
}

export function showCreateStream(storage: Storage, parts: readonly string[], database: string): RowSet {
  const [db, name] = splitName(parts, database);
  const stream = storage.catalog.getStream(db, name);
  const columns = stream.columns.map((c) => `  ${formatIdentifier(c.name)} ${formatDataType(c.type)}${c.default === undefined ? '' : ` DEFAULT ${c.default}`}`);
  const changed = changedStreamSettings(stream.settings);
  const settings = Object.entries(changed).map(([k, v]) => `${k} = ${typeof v === 'string' ? formatString(v) : String(v)}`);
  const text = `CREATE STREAM ${formatIdentifier(db)}.${formatIdentifier(name)}\n(\n${columns.join(',\n')}\n)${settings.length > 0 ? `\nSETTINGS ${settings.join(', ')}` : ''}`;
  return { schema: [{ name: 'statement', type: T.string }], rows: [[text]] };
}

export function describeStream(storage: Storage, parts: readonly string[], database: string): RowSet {
  const [db, name] = splitName(parts, database);
  const stream = storage.catalog.getStream(db, name);
  return {
    schema: [
      { name: 'name', type: T.string },
      { name: 'type', type: T.string },
      { name: 'default_expression', type: T.string },
    ],
    rows: stream.columns.map((c) => [c.name, formatDataType(c.type), c.default ?? '']),
  };
}
