// Pure catalog state transitions and lookups: each function takes a CatalogState (never changed)
// and returns a new one, or throws a DbError that leaves everything as it was. No I/O here: the
// Catalog class decides when a new state becomes current (after it is durable).
//
// Invariants kept by every transition (and checked again by catalog-codec on load):
// - names are valid; `system` holds nothing; database-scoped names are unique per database across
//   streams, external streams and views; global names are unique per kind;
// - every stream and database-scoped object belongs to an existing database;
// - ids are unique, all below nextId, and nextId only grows (ids are never reused);
// - a stream's columns have unique names, at most COLUMNS_PER_STREAM_MAX, and include `_tp_time`
//   of type datetime64(3[, tz]).
import assert from 'node:assert/strict';
import { DbError } from '../../core/errors.ts';
import { COLUMNS_PER_STREAM_MAX, checkLimit } from '../../core/limits.ts';
import { T, formatDataType, parseDataType } from '../../types/data-type.ts';
import type { CatalogObject, CatalogState, ColumnDef, DatabaseDef, ObjectKind, Relation, StreamDef } from './catalog-types.ts';
import { OBJECT_SCOPE } from './catalog-types.ts';
import { deepFreeze } from './catalog-codec.ts';
import { DEFAULT_DATABASE, SYSTEM_DATABASE, TIME_COLUMN, describeKind, showName, validateColumnName } from './names.ts';
import type { StreamSettings } from './stream-settings.ts';

/** The column every stream has unless it declares its own `_tp_time`. */
export const TIME_COLUMN_DEF: ColumnDef = Object.freeze({
  name: TIME_COLUMN,
  type: T.datetime64('UTC'),
  default: 'now64(3)',
});

/** Lookup tables over one CatalogState; rebuilt whenever the state is replaced. */
export interface CatalogIndex {
  readonly databases: ReadonlyMap<string, DatabaseDef>;
  /** Key: relationKey(database, name). Streams, external streams and views. */
  readonly relations: ReadonlyMap<string, Relation>;
  readonly streamsById: ReadonlyMap<number, StreamDef>;
  /** Key: globalKey(kind, name). */
  readonly globals: ReadonlyMap<string, CatalogObject>;
}

export function emptyState(nowMs: number): CatalogState {
  return deepFreeze({ nextId: 1, databases: [{ name: DEFAULT_DATABASE, createdAt: nowMs }], streams: [], objects: [] });
}

export function buildIndex(state: CatalogState): CatalogIndex {
  const databases = new Map<string, DatabaseDef>();
  const relations = new Map<string, Relation>();
  const streamsById = new Map<number, StreamDef>();
  const globals = new Map<string, CatalogObject>();
  for (const d of state.databases) databases.set(d.name, d);
  for (const stream of state.streams) {
    relations.set(relationKey(stream.database, stream.name), { kind: 'stream', stream });
    streamsById.set(stream.id, stream);
  }
  for (const object of state.objects) {
    if (object.database === null) {
      globals.set(globalKey(object.kind, object.name), object);
    } else {
      assert(object.kind === 'view' || object.kind === 'external_stream');
      relations.set(relationKey(object.database, object.name), { kind: object.kind, object });
    }
  }
  return { databases, relations, streamsById, globals };
}

export function relationKey(database: string, name: string): string {
  return `${database}\u0000${name}`;
}

export function globalKey(kind: ObjectKind, name: string): string {
  return `${kind}\u0000${name}`;
}

/** `db.name`, as error messages and logs show a database-scoped name. */
export function qualified(database: string, name: string): string {
  return `${database}.${name}`;
}

// ---- databases ----

export function addDatabase(state: CatalogState, name: string, nowMs: number): CatalogState {
  const database: DatabaseDef = deepFreeze({ name, createdAt: nowMs });
  return { ...state, databases: [...state.databases, database] };
}

/** Removes a database and, when `cascade`, everything in it. Throws DATABASE_NOT_EMPTY otherwise. */
export function removeDatabase(state: CatalogState, name: string, cascade: boolean): { state: CatalogState; streams: StreamDef[] } {
  const streams = state.streams.filter((s) => s.database === name);
  const objects = state.objects.filter((o) => o.database === name);
  if (!cascade && streams.length + objects.length > 0) {
    const parts = [`${streams.length} stream(s)`, `${objects.length} view(s)/external stream(s)`];
    throw new DbError(
      'DATABASE_NOT_EMPTY',
      `${name} holds ${parts.join(' and ')}; drop them first or drop the database with cascade`,
      { database: name, streams: streams.length, objects: objects.length },
    );
  }
  return {
    state: {
      ...state,
      databases: state.databases.filter((d) => d.name !== name),
      streams: state.streams.filter((s) => s.database !== name),
      objects: state.objects.filter((o) => o.database !== name),
    },
    streams,
  };
}

// ---- streams ----

/**
 * Builds the column list of a new stream: names checked (valid, not reserved, unique), `_tp_time`
 * added first when not declared (a declared one must be datetime64 and gets default now64(3) if it
 * has none), count checked against COLUMNS_PER_STREAM_MAX.
 */
export function buildColumns(database: string, stream: string, declared: readonly ColumnDef[]): ColumnDef[] {
  const where = qualified(database, stream);
  checkLimit('COLUMNS_PER_STREAM_MAX', COLUMNS_PER_STREAM_MAX, declared.length, `column count of stream ${where}`);
  const seen = new Set<string>();
  const columns: ColumnDef[] = [];
  for (const column of declared) {
    validateColumnName(column.name);
    if (seen.has(column.name)) {
      throw new DbError('INVALID_NAME', `column ${showName(column.name)} is declared twice in stream ${where}`, {
        kind: 'column',
        name: column.name,
        rule: 'duplicate',
      });
    }
    seen.add(column.name);
    if (column.default !== undefined && typeof column.default !== 'string') {
      throw new DbError('INVALID_ARGUMENT', `default of column ${column.name} in stream ${where} must be SQL text`);
    }
    const copy = copyColumn(column);
    columns.push(copy.name === TIME_COLUMN ? timeColumn(copy, where) : copy);
  }
  if (!seen.has(TIME_COLUMN)) columns.unshift(TIME_COLUMN_DEF);
  checkLimit('COLUMNS_PER_STREAM_MAX', COLUMNS_PER_STREAM_MAX, columns.length, `column count of stream ${where} (with ${TIME_COLUMN})`);
  return columns;
}

function timeColumn(column: ColumnDef, where: string): ColumnDef {
  if (column.type.kind !== 'datetime64') {
    throw new DbError(
      'INVALID_TYPE',
      `column ${TIME_COLUMN} of stream ${where} must be datetime64(3[, 'timezone']), got ${formatDataType(column.type)}`,
      { column: TIME_COLUMN },
    );
  }
  return { name: column.name, type: column.type, default: column.default ?? TIME_COLUMN_DEF.default };
}

function copyColumn(column: ColumnDef): ColumnDef {
  // Round-trip the type through its text form: what is kept is exactly what reopening yields.
  const type = parseDataType(formatDataType(column.type));
  return column.default === undefined ? { name: column.name, type } : { name: column.name, type, default: column.default };
}

export interface NewStream {
  readonly database: string;
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly settings: StreamSettings;
}

export function addStream(state: CatalogState, spec: NewStream, nowMs: number): { state: CatalogState; stream: StreamDef } {
  const stream: StreamDef = deepFreeze({
    id: state.nextId,
    database: spec.database,
    name: spec.name,
    columns: [...spec.columns],
    settings: spec.settings,
    createdAt: nowMs,
  });
  return { state: { ...state, nextId: state.nextId + 1, streams: [...state.streams, stream] }, stream };
}

export function removeStream(state: CatalogState, id: number): CatalogState {
  return { ...state, streams: state.streams.filter((s) => s.id !== id) };
}

// ---- other objects ----

export interface NewObject {
  readonly kind: ObjectKind;
  readonly database: string | null;
  readonly name: string;
  readonly definition: unknown;
}

export function addObject(state: CatalogState, spec: NewObject, nowMs: number): { state: CatalogState; object: CatalogObject } {
  const object: CatalogObject = deepFreeze({
    kind: spec.kind,
    database: spec.database,
    name: spec.name,
    id: state.nextId,
    createdAt: nowMs,
    definition: copyDefinition(spec),
  });
  return { state: { ...state, nextId: state.nextId + 1, objects: [...state.objects, object] }, object };
}

export function replaceObject(state: CatalogState, old: CatalogObject, definition: unknown): { state: CatalogState; object: CatalogObject } {
  const object: CatalogObject = deepFreeze({ ...old, definition: copyDefinition({ ...old, definition }) });
  return { state: { ...state, objects: state.objects.map((o) => (o.id === old.id ? object : o)) }, object };
}

export function removeObject(state: CatalogState, id: number): CatalogState {
  return { ...state, objects: state.objects.filter((o) => o.id !== id) };
}

/** A JSON deep copy of a definition (so later edits by the caller cannot reach the catalog). */
function copyDefinition(spec: NewObject): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(spec.definition);
  } catch (cause) {
    throw new DbError('INVALID_ARGUMENT', `definition of ${describeKind(spec.kind)} ${spec.name} is not JSON: ${(cause as Error).message}`, {}, { cause });
  }
  if (text === undefined) {
    throw new DbError('INVALID_ARGUMENT', `definition of ${describeKind(spec.kind)} ${spec.name} is not JSON (${typeof spec.definition})`);
  }
  return JSON.parse(text);
}

/** Asserts that `database` matches the scope of `kind` (a programmer error otherwise). */
export function assertScope(kind: ObjectKind, database: string | null): void {
  if (OBJECT_SCOPE[kind] === 'database') assert(typeof database === 'string', `${kind} needs a database`);
  else assert(database === null, `${kind} is node-global: its database must be null`);
}

export function isSystemDatabase(name: string): boolean {
  return name === SYSTEM_DATABASE;
}

// ---- adding columns ----

/**
 * Adds nullable columns at the end of a stream's columns (IoTDB's CREATE TIMESERIES and schema
 * auto-creation). Only nullable columns without a default may be added: batches stored before the
 * change lack them and read them as NULL (operators/scan.ts), which is exactly what such a column
 * holds when an insert leaves it out, so old and new batches mean the same thing.
 * With `ifNotExists`, a column already there with the same type is skipped (a different type is
 * SCHEMA_MISMATCH); without it, any existing column is an error. Returns the state unchanged (null)
 * when there is nothing to add.
 */
export function addColumnsToStream(
  state: CatalogState,
  stream: StreamDef,
  requested: readonly ColumnDef[],
  ifNotExists: boolean,
): { state: CatalogState | null; stream: StreamDef } {
  const where = qualified(stream.database, stream.name);
  const known = new Map(stream.columns.map((c) => [c.name, c]));
  const added: ColumnDef[] = [];
  for (const column of requested) {
    validateColumnName(column.name);
    const copy = copyColumn(column);
    if (copy.type.kind !== 'nullable') {
      throw new DbError(
        'INVALID_TYPE',
        `column ${showName(copy.name)} added to stream ${where} must be nullable (batches stored before it read it as NULL), got ${formatDataType(copy.type)}`,
        { column: copy.name },
      );
    }
    if (copy.default !== undefined) {
      throw new DbError('INVALID_ARGUMENT', `column ${showName(copy.name)} added to stream ${where} cannot have a default (batches stored before it read it as NULL)`, {
        column: copy.name,
      });
    }
    const existing = known.get(copy.name);
    if (existing !== undefined) {
      if (!ifNotExists) {
        throw new DbError('INVALID_NAME', `stream ${where} already has a column ${showName(copy.name)}`, { kind: 'column', name: copy.name, rule: 'duplicate' });
      }
      if (formatDataType(existing.type) !== formatDataType(copy.type)) {
        throw new DbError(
          'SCHEMA_MISMATCH',
          `column ${showName(copy.name)} of stream ${where} is ${formatDataType(existing.type)}, not ${formatDataType(copy.type)}`,
          { column: copy.name },
        );
      }
      continue;
    }
    known.set(copy.name, copy);
    added.push(copy);
  }
  if (added.length === 0) return { state: null, stream };
  const columns = [...stream.columns, ...added];
  checkLimit('COLUMNS_PER_STREAM_MAX', COLUMNS_PER_STREAM_MAX, columns.length, `column count of stream ${where}`);
  const next: StreamDef = deepFreeze({ ...stream, columns });
  return { state: { ...state, streams: state.streams.map((s) => (s.id === stream.id ? next : s)) }, stream: next };
}
