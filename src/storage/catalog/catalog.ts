// The catalog: databases, streams (columns, settings) and the other named objects (external
// streams, views, pipes, pipe sinks, users, grants) of one node, kept in `<dataDir>/catalog.json`
// (format in catalog-codec.ts).
//
// Durability and atomicity (the order matters; do not reorder):
//   1. a mutation is validated and applied to a copy of the current state (catalog-state.ts);
//   2. the copy is encoded, checked against CATALOG_BYTES_MAX, and written with writeFileAtomic
//      (temp file, fsync, rename, fsync directory), mode 0600 because users' password hashes
//      live here;
//   3. only then does the copy become the current state, and the mutation resolve.
// So a mutation that fails (bad input, limit, I/O) changes nothing, in memory or on disk, and a
// crash at any moment leaves the previous or the new catalog, never a torn one. Mutations run one
// at a time, in call order (a promise chain); reads are synchronous and see the last committed
// state. If the directory fsync after the rename fails, the outcome on disk is unknown: the catalog
// then refuses further mutations until the node restarts and reads back what the disk holds.
//
// Storage directories are named by stream id. Storage creates a stream's directory after
// createStream resolves and deletes it after dropStream/dropDatabase resolves; a directory whose
// id is not in the catalog is an orphan of a crash between the two steps. `createdFresh` says the
// catalog file did not exist: storage must then refuse to treat existing stream directories as
// orphans (a lost catalog must never lead to deleting data).
//
// Every stream has `_tp_time datetime64(3, 'UTC') DEFAULT now64(3)` as its first column unless the
// user declared `_tp_time` (then it stays where declared, must be datetime64, and defaults to
// now64(3) if declared without a default). The database `system` is reserved (names.ts).
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../../core/clock.ts';
import { DbError, ioError, isDbError } from '../../core/errors.ts';
import { CATALOG_BYTES_MAX, checkLimit } from '../../core/limits.ts';
import { removeStaleTemp, writeFileAtomic } from './atomic-file.ts';
import { decodeCatalog, encodeCatalog } from './catalog-codec.ts';
import {
  type CatalogIndex,
  type NewObject,
  addColumnsToStream,
  addDatabase,
  addObject,
  addStream,
  assertScope,
  buildColumns,
  buildIndex,
  emptyState,
  globalKey,
  qualified,
  relationKey,
  removeDatabase,
  removeObject,
  removeStream,
  replaceObject,
} from './catalog-state.ts';
import type { CatalogObject, CatalogState, ColumnDef, DatabaseDef, ObjectKind, Relation, StreamDef } from './catalog-types.ts';
import { SYSTEM_DATABASE, describeKind, validateDatabaseNameForChange, validateName } from './names.ts';
import { type StreamSettingsInput, resolveStreamSettings } from './stream-settings.ts';

export const CATALOG_FILE_NAME = 'catalog.json';
/** The catalog holds password hashes and connector secrets: owner read/write only. */
export const CATALOG_FILE_MODE = 0o600;

export interface CatalogOptions {
  readonly clock?: Clock;
}

export interface IfNotExists {
  readonly ifNotExists?: boolean;
}

export interface IfExists {
  readonly ifExists?: boolean;
}

export interface DropDatabaseOptions extends IfExists {
  /** Drop the database's streams and objects too; without it a non-empty database is DATABASE_NOT_EMPTY. */
  readonly cascade?: boolean;
}

export type { NewObject } from './catalog-state.ts';

/** The result of a mutation step: the next state (null: nothing to write) and what to return. */
interface Change<R> {
  readonly state: CatalogState | null;
  readonly result: R;
}

export class Catalog {
  readonly path: string;
  /** True when open() found no catalog file and started a new one (see the header). */
  readonly createdFresh: boolean;
  private readonly clock: Clock;
  private state: CatalogState;
  private index: CatalogIndex;
  private queue: Promise<void> = Promise.resolve();
  /** Set when a write's outcome is unknown; every later mutation fails with it. */
  private failure: DbError | null = null;
  private closed = false;

  private constructor(path: string, state: CatalogState, createdFresh: boolean, clock: Clock) {
    this.path = path;
    this.state = state;
    this.index = buildIndex(state);
    this.createdFresh = createdFresh;
    this.clock = clock;
  }

  /**
   * Opens `<dataDir>/catalog.json`, or creates it (with the database `default`) when absent.
   * Removes a stale `catalog.json.tmp`. A file that cannot be decoded is CATALOG_CORRUPT.
   */
  static async open(dataDir: string, options: CatalogOptions = {}): Promise<Catalog> {
    const clock = options.clock ?? systemClock;
    const path = join(dataDir, CATALOG_FILE_NAME);
    try {
      await mkdir(dataDir, { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw ioError(`creating data directory ${dataDir}`, cause);
    }
    await removeStaleTemp(path);
    const text = await readCatalogText(path);
    if (text !== undefined) return new Catalog(path, decodeCatalog(text, path), false, clock);
    const state = emptyState(Math.floor(clock.nowMs()));
    await writeFileAtomic(path, encodeCatalog(state), { mode: CATALOG_FILE_MODE });
    return new Catalog(path, state, true, clock);
  }

  /** Waits for pending mutations; later mutations are a programmer error. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue;
  }

  // ---- databases ----

  async createDatabase(name: string, options: IfNotExists = {}): Promise<DatabaseDef> {
    validateDatabaseNameForChange(name, 'create');
    return this.mutate((state, index) => {
      const existing = index.databases.get(name);
      if (existing !== undefined) {
        if (options.ifNotExists === true) return { state: null, result: existing };
        throw new DbError('DATABASE_EXISTS', name, { database: name });
      }
      const next = addDatabase(state, name, this.nowMs());
      return { state: next, result: next.databases[next.databases.length - 1] };
    });
  }

  /** Drops a database; returns the ids of the streams dropped with it (their directories can go). */
  async dropDatabase(name: string, options: DropDatabaseOptions = {}): Promise<number[]> {
    validateDatabaseNameForChange(name, 'drop');
    return this.mutate((state, index) => {
      if (!index.databases.has(name)) {
        if (options.ifExists === true) return { state: null, result: [] };
        throw databaseNotFound(name);
      }
      const removed = removeDatabase(state, name, options.cascade === true);
      return { state: removed.state, result: removed.streams.map((s) => s.id) };
    });
  }

  listDatabases(): DatabaseDef[] {
    return [...this.state.databases].sort((a, b) => compare(a.name, b.name));
  }

  findDatabase(name: string): DatabaseDef | undefined {
    return this.index.databases.get(name);
  }

  /** Throws DATABASE_NOT_FOUND. */
  getDatabase(name: string): DatabaseDef {
    const database = this.index.databases.get(name);
    if (database === undefined) throw databaseNotFound(name);
    return database;
  }

  // ---- streams ----

  /**
   * Creates a stream. Columns are checked and `_tp_time` added (see the header); settings are
   * resolved with their defaults. With ifNotExists, an existing stream of that name is returned
   * unchanged (even if its columns differ); a view or external stream of that name is still an error.
   */
  async createStream(
    database: string,
    name: string,
    columns: readonly ColumnDef[],
    settingsInput: StreamSettingsInput = {},
    options: IfNotExists = {},
  ): Promise<StreamDef> {
    checkDatabaseForObjects(database);
    validateName('stream', name);
    const spec = { database, name, columns: buildColumns(database, name, columns), settings: resolveStreamSettings(settingsInput) };
    return this.mutate((state, index) => {
      if (!index.databases.has(database)) throw databaseNotFound(database);
      const existing = index.relations.get(relationKey(database, name));
      if (existing !== undefined) {
        if (existing.kind === 'stream' && options.ifNotExists === true) return { state: null, result: existing.stream };
        throw relationExists(existing);
      }
      const added = addStream(state, spec, this.nowMs());
      return { state: added.state, result: added.stream };
    });
  }

  /**
   * Adds nullable columns (no default) at the end of a stream's columns; returns the stream as it
   * is afterwards. Batches stored before read the new columns as NULL (see addColumnsToStream).
   * With ifNotExists, columns already present with the same type are skipped.
   */
  async addColumns(database: string, name: string, columns: readonly ColumnDef[], options: IfNotExists = {}): Promise<StreamDef> {
    return this.mutate((state, index) => {
      const stream = requireStream(index, database, name);
      const added = addColumnsToStream(state, stream, columns, options.ifNotExists === true);
      return { state: added.state, result: added.stream };
    });
  }

  /** Drops a stream; returns it (storage deletes its directory by id), or null with ifExists. */
  async dropStream(database: string, name: string, options: IfExists = {}): Promise<StreamDef | null> {
    return this.mutate((state, index) => {
      if (options.ifExists === true && streamIn(index, database, name) === undefined) return { state: null, result: null };
      const stream = requireStream(index, database, name);
      return { state: removeStream(state, stream.id), result: stream };
    });
  }

  /** Throws DATABASE_NOT_FOUND or STREAM_NOT_FOUND (naming `db.name`, and what the name is if not a stream). */
  getStream(database: string, name: string): StreamDef {
    return requireStream(this.index, database, name);
  }

  findStream(database: string, name: string): StreamDef | undefined {
    return streamIn(this.index, database, name);
  }

  /** Streams sorted by database, then name; only those of `database` when given (DATABASE_NOT_FOUND if absent). */
  listStreams(database?: string): StreamDef[] {
    if (database !== undefined) this.getDatabase(database);
    return this.state.streams
      .filter((s) => database === undefined || s.database === database)
      .sort((a, b) => compare(a.database, b.database) || compare(a.name, b.name));
  }

  streamById(id: number): StreamDef | undefined {
    return this.index.streamsById.get(id);
  }

  /** What `database.name` refers to in the stream namespace: a stream, a view or an external stream. */
  findRelation(database: string, name: string): Relation | undefined {
    return this.index.relations.get(relationKey(database, name));
  }

  // ---- other objects ----

  /**
   * Creates an external stream, view, pipe, pipe sink, user or grant. `definition` must be
   * JSON-serializable; the catalog keeps a frozen deep copy. With ifNotExists, an existing object
   * of the same kind and name is returned unchanged.
   */
  async createObject(spec: NewObject, options: IfNotExists = {}): Promise<CatalogObject> {
    assertScope(spec.kind, spec.database);
    if (spec.database !== null) checkDatabaseForObjects(spec.database);
    validateName(spec.kind, spec.name);
    return this.mutate((state, index) => {
      if (spec.database !== null && !index.databases.has(spec.database)) throw databaseNotFound(spec.database);
      const existing = findNamed(index, spec.kind, spec.database, spec.name);
      if (existing !== undefined) {
        if (options.ifNotExists === true && existing.kind === spec.kind && 'object' in existing) {
          return { state: null, result: existing.object };
        }
        throw relationExists(existing);
      }
      const added = addObject(state, spec, this.nowMs());
      return { state: added.state, result: added.object };
    });
  }

  /** Replaces an object's definition (pipe state, a user's password hash, …); keeps its id. */
  async updateObject(kind: ObjectKind, database: string | null, name: string, definition: unknown): Promise<CatalogObject> {
    assertScope(kind, database);
    return this.mutate((state, index) => {
      const old = requireObject(index, kind, database, name);
      const replaced = replaceObject(state, old, definition);
      return { state: replaced.state, result: replaced.object };
    });
  }

  async dropObject(kind: ObjectKind, database: string | null, name: string, options: IfExists = {}): Promise<CatalogObject | null> {
    assertScope(kind, database);
    return this.mutate((state, index) => {
      if (options.ifExists === true && objectIn(index, kind, database, name) === undefined) return { state: null, result: null };
      const object = requireObject(index, kind, database, name);
      return { state: removeObject(state, object.id), result: object };
    });
  }

  /** Throws DATABASE_NOT_FOUND or OBJECT_NOT_FOUND. */
  getObject(kind: ObjectKind, database: string | null, name: string): CatalogObject {
    assertScope(kind, database);
    return requireObject(this.index, kind, database, name);
  }

  findObject(kind: ObjectKind, database: string | null, name: string): CatalogObject | undefined {
    return objectIn(this.index, kind, database, name);
  }

  /** Objects of `kind` sorted by database, then name; only those of `database` when given. */
  listObjects(kind: ObjectKind, database?: string): CatalogObject[] {
    if (database !== undefined) this.getDatabase(database);
    return this.state.objects
      .filter((o) => o.kind === kind && (database === undefined || o.database === database))
      .sort((a, b) => compare(a.database ?? '', b.database ?? '') || compare(a.name, b.name));
  }

  // ---- internals ----

  /** Runs `step` after every earlier mutation, commits its state durably, then swaps it in. */
  private mutate<R>(step: (state: CatalogState, index: CatalogIndex) => Change<R>): Promise<R> {
    if (this.closed) throw new DbError('INTERNAL', `catalog ${this.path} is closed`);
    const run = async (): Promise<R> => {
      if (this.failure !== null) throw this.failure;
      const change = step(this.state, this.index);
      if (change.state === null) return change.result;
      await this.commit(change.state);
      return change.result;
    };
    const result = this.queue.then(run);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async commit(next: CatalogState): Promise<void> {
    const text = encodeCatalog(next);
    checkLimit('CATALOG_BYTES_MAX', CATALOG_BYTES_MAX, Buffer.byteLength(text, 'utf8'), 'catalog file size in bytes');
    const index = buildIndex(next);
    try {
      await writeFileAtomic(this.path, text, { mode: CATALOG_FILE_MODE });
    } catch (error) {
      if (isDbError(error, 'IO_ERROR') && error.details.step === 'fsync-dir') {
        this.failure = new DbError(
          'IO_ERROR',
          `catalog ${this.path} refuses changes after a failed directory fsync; restart the node to read back what is on disk`,
          error.details,
          { cause: error },
        );
      }
      throw error;
    }
    this.state = next;
    this.index = index;
  }

  private nowMs(): number {
    return Math.floor(this.clock.nowMs());
  }
}

async function readCatalogText(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (info.size > CATALOG_BYTES_MAX) {
      throw new DbError('CATALOG_CORRUPT', `${path}: ${info.size} bytes, more than CATALOG_BYTES_MAX (${CATALOG_BYTES_MAX})`, {
        file: path,
      });
    }
    return await readFile(path, 'utf8');
  } catch (cause) {
    if (isDbError(cause)) throw cause;
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw ioError(`reading catalog ${path}`, cause);
  }
}

function streamIn(index: CatalogIndex, database: string, name: string): StreamDef | undefined {
  const relation = index.relations.get(relationKey(database, name));
  return relation?.kind === 'stream' ? relation.stream : undefined;
}

function requireStream(index: CatalogIndex, database: string, name: string): StreamDef {
  if (!index.databases.has(database)) throw databaseNotFound(database);
  const relation = index.relations.get(relationKey(database, name));
  if (relation?.kind === 'stream') return relation.stream;
  const hint = relation === undefined ? '' : ` (it is ${article(relation.kind)} ${describeKind(relation.kind)})`;
  throw new DbError('STREAM_NOT_FOUND', `${qualified(database, name)}${hint}`, { database, name });
}

function objectIn(index: CatalogIndex, kind: ObjectKind, database: string | null, name: string): CatalogObject | undefined {
  const found = findNamed(index, kind, database, name);
  return found !== undefined && found.kind === kind && 'object' in found ? found.object : undefined;
}

function requireObject(index: CatalogIndex, kind: ObjectKind, database: string | null, name: string): CatalogObject {
  if (database !== null && !index.databases.has(database)) throw databaseNotFound(database);
  const found = findNamed(index, kind, database, name);
  if (found !== undefined && found.kind === kind && 'object' in found) return found.object;
  const shown = `${describeKind(kind)} ${database === null ? name : qualified(database, name)}`;
  const hint = found === undefined ? '' : ` (it is ${article(found.kind)} ${describeKind(found.kind)})`;
  throw new DbError('OBJECT_NOT_FOUND', `${shown}${hint}`, { kind, database, name });
}

/** Whatever holds `name` in the namespace `kind` lives in: the stream namespace of a database, or the kind's own. */
function findNamed(index: CatalogIndex, kind: ObjectKind, database: string | null, name: string): Relation | { kind: ObjectKind; object: CatalogObject } | undefined {
  if (database !== null) return index.relations.get(relationKey(database, name));
  const object = index.globals.get(globalKey(kind, name));
  return object === undefined ? undefined : { kind, object };
}

function relationExists(existing: Relation | { kind: ObjectKind; object: CatalogObject }): DbError {
  if (existing.kind === 'stream') {
    const s = existing.stream;
    return new DbError('STREAM_EXISTS', qualified(s.database, s.name), { database: s.database, name: s.name });
  }
  if (!('object' in existing)) throw new DbError('INTERNAL', 'relation without object');
  const o = existing.object;
  const shown = o.database === null ? o.name : qualified(o.database, o.name);
  return new DbError('OBJECT_EXISTS', `${describeKind(o.kind)} ${shown}`, { kind: o.kind, database: o.database, name: o.name });
}

function checkDatabaseForObjects(database: string): void {
  if (database === SYSTEM_DATABASE) validateDatabaseNameForChange(database, 'create objects in');
  validateName('database', database);
}

function databaseNotFound(name: string): DbError {
  return new DbError('DATABASE_NOT_FOUND', name, { database: name });
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? 'an' : 'a';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
