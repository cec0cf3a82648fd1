// Storage: one node's data directory. Owns the directory lock, the catalog and one StreamLog per
// stream, and keeps the two consistent: a stream's log directory is created after the catalog
// records the stream and removed after the catalog forgets it.
//
// Layout of a data directory:
//   LOCK                 pid of the process that owns the directory (refused to a second process)
//   catalog.json         the catalog (see catalog/catalog-codec.ts)
//   streams/<id>/        one stream log per stream, named by its never-reused catalog id
//
// Invariants: at most one process has a data directory open; every stream in the catalog has a
// log directory once open() returns; a log directory whose id is not in the catalog is an orphan
// of a crash between the two steps above and is reported, never deleted automatically (a lost
// catalog must not lead to deleting data).
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, unlinkSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, systemClock } from '../core/clock.ts';
import { DbError } from '../core/errors.ts';
import { Catalog } from './catalog/catalog.ts';
import type { ColumnDef, StreamDef } from './catalog/catalog-types.ts';
import type { StreamSettingsInput } from './catalog/stream-settings.ts';
import { logSettingsOf } from './log/log-settings.ts';
import { StreamLog, type AppendResult, type RecoveryReport } from './log/stream-log.ts';
import type { Batch, Origin } from '../types/batch.ts';
import { formatDataType, sameType } from '../types/data-type.ts';

export interface StorageOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
  /** Settings a new stream gets unless its CREATE STREAM says otherwise (the server config's `fsync`). */
  readonly streamDefaults?: StreamSettingsInput;
}

export class Storage {
  readonly dataDir: string;
  readonly catalog: Catalog;
  /** Stream log directories with no stream in the catalog (left by a crash mid-create or mid-drop). */
  readonly orphanDirs: readonly string[];
  private readonly clock: Clock;
  private readonly streamDefaults: StreamSettingsInput;
  private readonly logs = new Map<number, StreamLog>();
  /** Logs being opened by createStream, so concurrent creators (IF NOT EXISTS) and appends wait for one open. */
  private readonly opening = new Map<number, Promise<void>>();
  private closed = false;

  private constructor(dataDir: string, catalog: Catalog, clock: Clock, orphanDirs: string[], streamDefaults: StreamSettingsInput) {
    this.streamDefaults = streamDefaults;
    this.dataDir = dataDir;
    this.catalog = catalog;
    this.clock = clock;
    this.orphanDirs = orphanDirs;
  }

  static async open(options: StorageOptions): Promise<Storage> {
    const dataDir = options.dataDir;
    const clock = options.clock ?? systemClock;
    mkdirSync(join(dataDir, 'streams'), { recursive: true });
    acquireLock(dataDir);
    try {
      const catalog = await Catalog.open(dataDir, { clock });
      const known = new Set(catalog.listStreams().map((s) => String(s.id)));
      const orphanDirs = readdirSync(join(dataDir, 'streams')).filter((name) => !known.has(name));
      const storage = new Storage(dataDir, catalog, clock, orphanDirs, options.streamDefaults ?? {});
      for (const stream of catalog.listStreams()) await storage.openLog(stream);
      return storage;
    } catch (error) {
      releaseLock(dataDir);
      throw error;
    }
  }

  /** Recovery reports of every stream log, by qualified name. */
  recoveryReports(): Map<string, RecoveryReport> {
    const reports = new Map<string, RecoveryReport>();
    for (const [id, log] of this.logs) {
      const stream = this.catalog.streamById(id);
      if (stream !== undefined) reports.set(`${stream.database}.${stream.name}`, log.recovery);
    }
    return reports;
  }

  async createStream(
    database: string,
    name: string,
    columns: readonly ColumnDef[],
    settings: StreamSettingsInput = {},
    options: { ifNotExists?: boolean } = {},
  ): Promise<StreamDef> {
    this.checkOpen();
    const stream = await this.catalog.createStream(database, name, columns, { ...this.streamDefaults, ...settings }, options);
    if (!this.logs.has(stream.id)) {
      let pending = this.opening.get(stream.id);
      if (pending === undefined) {
        pending = this.openLog(stream).finally(() => this.opening.delete(stream.id));
        this.opening.set(stream.id, pending);
      }
      await pending;
    }
    return stream;
  }

  async dropStream(database: string, name: string, options: { ifExists?: boolean } = {}): Promise<StreamDef | null> {
    this.checkOpen();
    const stream = await this.catalog.dropStream(database, name, options);
    if (stream !== null) await this.removeLog(stream.id);
    return stream;
  }

  async dropDatabase(name: string, options: { ifExists?: boolean; cascade?: boolean } = {}): Promise<void> {
    this.checkOpen();
    const ids = await this.catalog.dropDatabase(name, options);
    for (const id of ids) await this.removeLog(id);
  }

  /** The log of a stream; throws STREAM_NOT_FOUND naming `database.name`. */
  log(database: string, name: string): StreamLog {
    this.checkOpen();
    const stream = this.catalog.getStream(database, name);
    const log = this.logs.get(stream.id);
    if (log === undefined) throw new DbError('INTERNAL', `stream ${database}.${name} has no open log`);
    return log;
  }

  /**
   * The stream's log, or undefined when there is no such stream or its log is still opening (a
   * stream a concurrent statement is creating is in the catalog a moment before its log is open):
   * for code that walks every stream of the catalog.
   */
  findLog(database: string, name: string): StreamLog | undefined {
    this.checkOpen();
    const stream = this.catalog.findStream(database, name);
    return stream === undefined ? undefined : this.logs.get(stream.id);
  }

  /**
   * Appends a batch to a stream after checking it has exactly the stream's columns, by name and
   * type, in any order (defaults for omitted columns are the insert path's job, above storage).
   */
  async append(database: string, name: string, batch: Batch, options: { origin?: Origin | null } = {}): Promise<AppendResult> {
    const stream = this.catalog.getStream(database, name);
    checkBatchSchema(stream, batch);
    const pending = this.opening.get(stream.id);
    if (pending !== undefined) await pending; // created a moment ago by a concurrent statement
    return this.log(database, name).append(batch, options);
  }

  logById(id: number): StreamLog | undefined {
    return this.logs.get(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      for (const log of this.logs.values()) await log.close();
      await this.catalog.close();
    } finally {
      releaseLock(this.dataDir);
    }
  }

  private async openLog(stream: StreamDef): Promise<void> {
    const log = await StreamLog.open({
      dir: join(this.dataDir, 'streams', String(stream.id)),
      name: `${stream.database}.${stream.name}`,
      settings: logSettingsOf(stream.settings),
      clock: this.clock,
    });
    this.logs.set(stream.id, log);
  }

  private async removeLog(id: number): Promise<void> {
    const log = this.logs.get(id);
    this.logs.delete(id);
    if (log !== undefined) await log.close();
    rmSync(join(this.dataDir, 'streams', String(id)), { recursive: true, force: true });
  }

  private checkOpen(): void {
    if (this.closed) throw new DbError('LOG_CLOSED', `storage at ${this.dataDir} is closed`);
  }
}

/**
 * SCHEMA_MISMATCH naming the first difference between a batch and its stream's columns. A batch may
 * lack a nullable column that has no default: it reads as NULL, as in batches stored before the
 * column was added (Catalog.addColumns), so a writer that learnt the columns before one was added
 * (a view, a concurrent insert) keeps working.
 */
export function checkBatchSchema(stream: StreamDef, batch: Batch): void {
  const where = `stream ${stream.database}.${stream.name}`;
  const byName = new Map(batch.columns.map((c) => [c.name, c]));
  let matched = 0;
  for (const column of stream.columns) {
    const given = byName.get(column.name);
    if (given === undefined) {
      if (column.type.kind === 'nullable' && column.default === undefined) continue;
      throw new DbError('SCHEMA_MISMATCH', `${where}: batch has no column '${column.name}'`);
    }
    matched++;
    if (!sameType(given.type, column.type)) {
      throw new DbError(
        'SCHEMA_MISMATCH',
        `${where}: column '${column.name}' is ${formatDataType(column.type)}, batch has ${formatDataType(given.type)}`,
      );
    }
  }
  if (batch.columns.length !== matched) {
    const known = new Set(stream.columns.map((c) => c.name));
    const extra = batch.columns.find((c) => !known.has(c.name));
    throw new DbError('SCHEMA_MISMATCH', `${where}: unknown column '${extra?.name}'`);
  }
}

const LOCK_FILE = 'LOCK';

/** Takes the data directory for this process; a live owner's lock is refused, a dead one's taken over. */
function acquireLock(dataDir: string): void {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      fsyncSync(fd);
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
      throw new DbError('DATA_DIR_LOCKED', `${dataDir} is in use by process ${owner}`, { pid: owner });
    }
    if (owner === process.pid) {
      throw new DbError('DATA_DIR_LOCKED', `${dataDir} is already open in this process`, { pid: owner });
    }
    unlinkSync(path); // the owner died without releasing it
  }
  throw new DbError('DATA_DIR_LOCKED', `${dataDir}: could not take the lock`);
}

function releaseLock(dataDir: string): void {
  const path = join(dataDir, LOCK_FILE);
  if (existsSync(path) && readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
