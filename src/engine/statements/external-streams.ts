// External streams (`type='timeplus'|'tributary'`): CREATE, DROP, SHOW CREATE, DESCRIBE.
//
// CREATE validates the settings (and config_file), then takes the column list as written or, when
// there is none, fetches it from the remote (shard 0) and caches it in the catalog: a node whose
// remote is down at restart still starts, and only queries on that stream fail until it returns.
// With declared columns nothing is fetched, so the remote may be down at creation. The definition
// keeps the statement as given; SHOW CREATE prints it with the password redacted.
import { DbError } from '../../core/errors.ts';
import { type CreateExternalStreamStatement, formatStatement, parseStatement } from '../../sql/index.ts';
import type { CatalogObject, StreamDef } from '../../storage/catalog/catalog-types.ts';
import type { Batch } from '../../types/batch.ts';
import { batchFromExec, execFromBatch } from '../exec-batch.ts';
import { formatShard } from '../external/external-stream-config.ts';
import { compileSharding, splitByShard } from '../external/sharding.ts';
import type { InsertTarget } from './insert.ts';
import type { Storage } from '../../storage/storage.ts';
import { T, dataTypeFromSpec, formatDataType } from '../../types/data-type.ts';
import { parseExternalStreamSettings } from '../external/external-stream-config.ts';
import type { RemoteStreams } from '../external/remote-streams.ts';
import { type ExternalStreamDefinition, externalColumns, nameShard } from '../plan/external-source.ts';
import { settingsMap } from '../settings-values.ts';
import { type RowSet, splitName } from './ddl.ts';

export async function createExternalStream(
  statement: CreateExternalStreamStatement,
  storage: Storage,
  database: string,
  remotes: RemoteStreams | undefined,
  signal?: AbortSignal,
): Promise<CatalogObject | null> {
  const [db, name] = splitName(statement.name.parts, database);
  storage.catalog.getDatabase(db);
  const existing = storage.catalog.findRelation(db, name);
  if (existing !== undefined && statement.ifNotExists) return null;
  const config = parseExternalStreamSettings(settingsMap(statement.settings), `${db}.${name}`);
  let columns: { name: string; type: string }[];
  if (statement.columns.length > 0) {
    columns = statement.columns.map((c) => {
      if (c.default !== null) throw new DbError('INVALID_ARGUMENT', `external stream ${db}.${name}: column ${c.name} cannot have a DEFAULT (the remote stream owns defaults)`);
      return { name: c.name, type: formatDataType(dataTypeFromSpec(c.type)) };
    });
    if (!columns.some((c) => c.name === '_tp_time')) columns.unshift({ name: '_tp_time', type: formatDataType(T.datetime64('UTC')) });
  } else {
    if (remotes === undefined) throw new DbError('NOT_SUPPORTED', `external stream ${db}.${name}: this node has no remote connector; list the columns`);
    try {
      const fetched = await remotes.describe(config, signal);
      columns = fetched.map((c) => ({ name: c.name, type: formatDataType(c.type) }));
    } catch (error) {
      const message = (error as Error).message;
      throw new DbError(
        error instanceof DbError ? error.code : 'REMOTE_UNAVAILABLE',
        `external stream ${db}.${name}: cannot fetch the columns of ${config.db}.${config.stream}: ${message}. List the columns in CREATE EXTERNAL STREAM, or create it when the remote is reachable`,
        {},
        { cause: error },
      );
    }
  }
  if (config.shardingExpr !== null) {
    // Parsed now so a typo fails at CREATE, not at the first insert.
    parseStatement(`SELECT ${config.shardingExpr}`);
  }
  const definition: ExternalStreamDefinition = { config, columns, declared: statement.columns.length > 0, sql: formatStatement(statement) };
  return storage.catalog.createObject({ kind: 'external_stream', database: db, name, definition }, { ifNotExists: statement.ifNotExists });
}

export function findExternalStream(storage: Storage, parts: readonly string[], database: string): CatalogObject | undefined {
  const [db, name] = splitName(parts, database);
  const relation = storage.catalog.findRelation(db, name);
  return relation?.kind === 'external_stream' ? relation.object : undefined;
}

export function showCreateExternalStream(object: CatalogObject): RowSet {
  const definition = object.definition as ExternalStreamDefinition;
  const statement = parseStatement(definition.sql);
  return { schema: [{ name: 'statement', type: T.string }], rows: [[formatStatement(statement, { redactSecrets: true })]] };
}

export function describeExternalStream(object: CatalogObject): RowSet {
  return {
    schema: [
      { name: 'name', type: T.string },
      { name: 'type', type: T.string },
      { name: 'default_expression', type: T.string },
    ],
    rows: externalColumns(object.definition as ExternalStreamDefinition).map((c) => [c.name, formatDataType(c.type), '']),
  };
}

const roundRobin = new Map<number, number>();

/** The target of `INSERT INTO ext …`: batches spread over the shards, each acknowledged when durable there. */
export function externalInsertTarget(object: CatalogObject, remotes: RemoteStreams | undefined): InsertTarget {
  const definition = object.definition as ExternalStreamDefinition;
  const columns = externalColumns(definition);
  const name = `${object.database}.${object.name}`;
  if (remotes === undefined) throw new DbError('NOT_SUPPORTED', `inserting into external stream ${name}: this node has no remote connector`);
  const config = definition.config;
  const sharding = compileSharding(config, columns);
  const stream: StreamDef = { id: -1, database: object.database ?? 'default', name: object.name, columns, settings: {} as StreamDef['settings'], createdAt: object.createdAt };
  const where = (shard: number) => `external stream ${name}, shard ${shard} (${formatShard(config.hosts[shard])})`;
  const send = async (shard: number, batch: Batch) => {
    try {
      await remotes.insert(config, shard, batch, null);
    } catch (error) {
      throw nameShard(error, where(shard));
    }
  };
  return {
    stream,
    append: async (batch) => {
      if (sharding === null) {
        const next = roundRobin.get(object.id) ?? 0;
        roundRobin.set(object.id, (next + 1) % config.hosts.length);
        await send(next % config.hosts.length, batch);
        return;
      }
      const parts = splitByShard(execFromBatch(batch), sharding, config.hosts.length);
      await Promise.all(parts.map((part, shard) => (part === null ? undefined : send(shard, batchFromExec(part, batch.columns)))));
    },
  };
}
