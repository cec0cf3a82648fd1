// The receiving end of pipe transfers (PIPE_INSERT, net/protocol/frame.ts): who may send, where the
// data goes, and the registry of incoming pipes that SHOW PIPES lists on a receiver.
//
// Senders: a pipe sender connection is refused at its handshake unless its address is in the node's
// ip_white_list (CIDR blocks, default 127.0.0.1/32; an empty list refuses everybody; an IPv4-mapped
// IPv6 address counts as its IPv4 address, ::1 only matches IPv6 entries).
//
// Targets: a transfer names a database and a stream (an IoTDB device: database `root.vehicle`,
// stream `d0`). prepare() returns the stream to append to, after creating what is missing when the
// sender asks for it (option auto_create=true) and the node allows it (enable_auto_create_schema):
// the database named exactly as given (normalized `root…`; only `root.…` databases are created, and
// never one that overlaps another, as IoTDB databases do not nest), the stream with `_tp_time` and
// a nullable column per measurement, and nullable columns added to an existing stream, as IoTDB
// INSERT auto-creation does (statements/iotdb.ts); a concurrent creator is tolerated. Without
// auto-creation a missing database, stream or measurement is an error naming the series. conform()
// then maps a batch onto the stream's columns by name (missing ones NULL or their default, other
// types cast, statements/conform.ts); a value that cannot be cast is SCHEMA_MISMATCH naming the series.
// Everything is checked before anything is created: a refused transfer changes nothing. Privileges
// are the session's: INSERT on the stream always, CREATE on the database and stream it creates.
//
// Registry: per (sender node id, pipe name) the pipe's sender address, first and last time seen, its
// state (RUNNING | STOP | DROP: the `state` option of a report, else RUNNING whenever data arrives;
// a DROP marks the entry, it removes nothing) and the databases it wrote. Persisted in
// <dataDir>/pipe-receivers.json (atomically: temp file, fsync, rename), written when an entry is
// added or changes state or databases, not on every batch; lastSeenMs rides along with those writes
// and is written when the node closes.
//
//   pipe-receivers.json: { "version": 1, "pipes": [ { pipe, senderIp, senderNodeId, createTimeMs,
//                          lastSeenMs, state, databases: [string] }, … ] }
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import { DbError } from '../../core/errors.ts';
import { type Networks, parseNetworks } from '../../core/networks.ts';
import { removeStaleTemp, writeFileAtomic } from '../../storage/catalog/atomic-file.ts';
import type { ColumnDef, StreamDef } from '../../storage/catalog/catalog-types.ts';
import { TIME_COLUMN, validateColumnName, validateDatabaseNameForChange, validateName } from '../../storage/catalog/names.ts';
import type { Storage } from '../../storage/storage.ts';
import { type Batch, type Column, makeBatch } from '../../types/batch.ts';
import { type DataType, T, formatDataType, sameType } from '../../types/data-type.ts';
import type { Authorize } from '../auth/access.ts';
import { batchFromExec, execFromBatch } from '../exec-batch.ts';
import { conformBatch } from '../statements/conform.ts';
import { formatPath, isIotdbDatabaseName, measurementProblem, normalizeDatabaseName, overlappingDatabase, seriesNodes } from './paths.ts';

export const PIPE_RECEIVERS_FILE = 'pipe-receivers.json';
const REGISTRY_FORMAT_VERSION = 1;

/** The default ip_white_list: only this machine may sync into a node (IoTDB's default). */
export const IP_WHITE_LIST_DEFAULT: readonly string[] = ['127.0.0.1/32'];

/** Option keys of a PIPE_INSERT frame. */
export const PIPE_OPTION = { pipe: 'pipe', autoCreate: 'auto_create', state: 'state' } as const;

export type PipeReceiverState = 'RUNNING' | 'STOP' | 'DROP';
const STATES: readonly PipeReceiverState[] = ['RUNNING', 'STOP', 'DROP'];
/** The sender side's state names (CREATE PIPE's pipes) accepted as synonyms in reports. */
const STATE_SYNONYMS: Readonly<Record<string, PipeReceiverState>> = { STOPPED: 'STOP', DROPPED: 'DROP' };

export interface PipeReceiverEntry {
  readonly pipe: string;
  readonly senderIp: string;
  readonly senderNodeId: string;
  /** When this receiver first heard of the pipe (epoch ms). */
  readonly createTimeMs: number;
  readonly lastSeenMs: number;
  readonly state: PipeReceiverState;
  /** Databases the pipe wrote on this node, in the order first written. */
  readonly databases: readonly string[];
}

export interface PipeSender {
  /** The connection's remote address (an IPv4-mapped IPv6 address is shown as IPv4). */
  readonly ip: string;
  /** The sender's node id from its HELLO ('' when it gave none). */
  readonly nodeId: string;
}

export interface PipeReceiverOptions {
  readonly dataDir: string;
  readonly storage: Storage;
  readonly clock: Clock;
  /** IoTDB's enable_auto_create_schema on this node. */
  readonly autoCreateSchema: boolean;
  /** CIDR blocks or addresses; default IP_WHITE_LIST_DEFAULT. */
  readonly ipWhiteList?: readonly string[];
}

export class PipeReceiver {
  readonly ipWhiteList: readonly string[];
  private readonly networks: Networks;
  private readonly path: string;
  private readonly storage: Storage;
  private readonly clock: Clock;
  private readonly autoCreateSchema: boolean;
  private readonly entries = new Map<string, PipeReceiverEntry>();
  /** The registry write in progress: writes to one file are serialized (atomic-file.ts). */
  private writing: Promise<void> = Promise.resolve();
  /** Set when a write failed: the next transfer writes again. */
  private dirty = false;
  /** lastSeenMs moved since the last write: close() writes it. */
  private seenSinceWrite = false;

  private constructor(options: PipeReceiverOptions, networks: Networks, loaded: readonly PipeReceiverEntry[]) {
    this.ipWhiteList = [...(options.ipWhiteList ?? IP_WHITE_LIST_DEFAULT)];
    this.networks = networks;
    this.path = join(options.dataDir, PIPE_RECEIVERS_FILE);
    this.storage = options.storage;
    this.clock = options.clock;
    this.autoCreateSchema = options.autoCreateSchema;
    for (const entry of loaded) this.entries.set(entryKey(entry.senderNodeId, entry.pipe), entry);
  }

  /** Parses the white list (INVALID_SETTING names a bad entry) and loads the registry. */
  static async open(options: PipeReceiverOptions): Promise<PipeReceiver> {
    let networks: Networks;
    try {
      networks = parseNetworks(options.ipWhiteList ?? IP_WHITE_LIST_DEFAULT);
    } catch (error) {
      throw new DbError('INVALID_SETTING', `ip_white_list: ${(error as Error).message}`);
    }
    const path = join(options.dataDir, PIPE_RECEIVERS_FILE);
    await removeStaleTemp(path);
    return new PipeReceiver(options, networks, await readRegistry(path));
  }

  /** Throws PIPE_SENDER_REFUSED unless `ip` is in the white list. */
  checkSender(ip: string): void {
    if (this.networks.allows(ip)) return;
    throw new DbError(
      'PIPE_SENDER_REFUSED',
      `Sender IP is not in the white list of receiver IP and synchronization tasks are not allowed. (sender ${plainAddress(ip)}, ip_white_list ${this.ipWhiteList.join(',')})`,
      { sender: plainAddress(ip) },
    );
  }

  /** The incoming pipes, ordered by first appearance. */
  list(): readonly PipeReceiverEntry[] {
    return [...this.entries.values()].sort((a, b) => a.createTimeMs - b.createTimeMs || a.pipe.localeCompare(b.pipe));
  }

  /**
   * Checks one transfer and records its sender. With `batchSchema` (the columns of a batch about to
   * be appended) returns the stream to append to, creating what is missing when allowed (see the
   * header); with null (a report: no data) returns null and only updates the registry.
   */
  async prepare(
    authorize: Authorize,
    sender: PipeSender,
    database: string,
    stream: string,
    batchSchema: readonly Column[] | null,
    options: ReadonlyMap<string, string>,
  ): Promise<StreamDef | null> {
    const request = pipeOptions(options);
    const target = batchSchema === null ? null : await this.ensureTarget(authorize, database, stream, batchSchema, request.autoCreate);
    // A report may name no database (it is about the pipe); when it names one, it needs INSERT there.
    if (target === null && database !== '') authorize('INSERT', database, stream === '' ? null : stream);
    await this.record(sender, request, target?.database ?? null);
    return target;
  }

  /** `batch` with the stream's columns (see the header); the batch itself when it fits already. */
  conform(target: StreamDef, batch: Batch): Batch {
    if (fits(target, batch)) return batch;
    const wrapped = wrapNullable(target, batch);
    if (wrapped !== null) return wrapped;
    try {
      const exec = conformBatch(execFromBatch(batch), target.columns, { nowMs: this.clock.nowMs() }, `stream ${target.database}.${target.name}`);
      return batchFromExec(exec);
    } catch (error) {
      const differing = batch.columns
        .map((given) => ({ given, column: target.columns.find((c) => c.name === given.name) }))
        .filter(({ given, column }) => column !== undefined && !sameType(column.type, given.type))
        .map(({ given, column }) => `${seriesPath(target.database, target.name, given.name)} (${formatDataType(column!.type)} here, ${formatDataType(given.type)} from the sender)`);
      const reason = error instanceof Error ? error.message : String(error);
      throw new DbError('SCHEMA_MISMATCH', `${differing.length > 0 ? differing.join(', ') : `stream ${target.database}.${target.name}`}: ${reason}`, {}, { cause: error });
    }
  }

  private async ensureTarget(authorize: Authorize, database: string, stream: string, batchSchema: readonly Column[], autoCreate: boolean): Promise<StreamDef> {
    const catalog = this.storage.catalog;
    const name = catalog.findDatabase(database) !== undefined ? database : normalizeDatabaseName(database);
    const databaseExists = catalog.findDatabase(name) !== undefined;
    const relation = databaseExists ? catalog.findRelation(name, stream) : undefined;
    if (relation !== undefined && relation.kind !== 'stream') {
      throw new DbError('INVALID_ARGUMENT', `${name}.${stream} is ${relation.kind === 'view' ? 'a view' : 'an external stream'}, not a stream a pipe can write`);
    }
    const existing = relation?.stream;
    const measurements = batchSchema.filter((c) => c.name !== TIME_COLUMN);
    const missing = existing === undefined ? measurements : measurements.filter((c) => !existing.columns.some((e) => e.name === c.name));
    if (existing !== undefined && missing.length === 0) {
      authorize('INSERT', name, stream);
      return existing;
    }
    const series = missing.map((c) => seriesPath(name, stream, c.name)).join(', ') || `device ${seriesPath(name, stream, null)}`;
    if (!autoCreate || !this.autoCreateSchema) {
      const why = this.autoCreateSchema
        ? "the sender's pipe does not ask for automatic creation (auto_create=false)"
        : 'this receiver has enable_auto_create_schema off';
      if (!databaseExists) throw new DbError('DATABASE_NOT_FOUND', `${name} (for ${series}): ${why}; create the database and its timeseries on the receiver first`);
      if (existing === undefined) throw new DbError('STREAM_NOT_FOUND', `${name}.${stream} (for ${series}): ${why}; create the timeseries on the receiver first`);
      throw new DbError('SCHEMA_MISMATCH', `timeseries ${series} do not exist on the receiver and ${why}; create them first (CREATE TIMESERIES)`);
    }
    checkNewSchema(name, stream, missing, series);
    if (!databaseExists) {
      const other = overlappingDatabase(name, catalog.listDatabases().map((d) => d.name));
      if (other !== null) throw new DbError('DATABASE_EXISTS', `cannot create database ${name} for ${series}: ${other} is a database and IoTDB databases do not nest`);
      authorize('CREATE', name, null);
    }
    authorize('CREATE', name, stream);
    authorize('INSERT', name, stream);
    const columns: ColumnDef[] = missing.map((c) => ({ name: c.name, type: nullableType(c.type) }));
    // Concurrent creators (another connection of the same pipe, an IoTDB INSERT) are tolerated by ifNotExists.
    if (!databaseExists) await catalog.createDatabase(name, { ifNotExists: true });
    let target = catalog.findStream(name, stream);
    if (target === undefined) target = await this.storage.createStream(name, stream, columns, {}, { ifNotExists: true });
    const stillMissing = columns.filter((c) => !target!.columns.some((e) => e.name === c.name));
    if (stillMissing.length > 0) target = await catalog.addColumns(name, stream, stillMissing, { ifNotExists: true });
    return target;
  }

  private async record(sender: PipeSender, request: PipeOptions, database: string | null): Promise<void> {
    const key = entryKey(sender.nodeId, request.pipe);
    const nowMs = this.clock.nowMs();
    const before = this.entries.get(key);
    const state = request.state ?? (database !== null ? 'RUNNING' : (before?.state ?? 'RUNNING'));
    const databases = before === undefined ? [] : [...before.databases];
    if (database !== null && !databases.includes(database)) databases.push(database);
    const senderIp = plainAddress(sender.ip);
    const changed = before === undefined || before.state !== state || before.databases.length !== databases.length || before.senderIp !== senderIp;
    this.entries.set(key, { pipe: request.pipe, senderIp, senderNodeId: sender.nodeId, createTimeMs: before?.createTimeMs ?? nowMs, lastSeenMs: nowMs, state, databases });
    this.seenSinceWrite = true;
    if (changed || this.dirty) await this.persist();
  }

  /** Writes the registry if only lastSeenMs changed since the last write (called when the node closes). */
  async close(): Promise<void> {
    if (this.seenSinceWrite) await this.persist().catch(() => undefined);
    await this.writing;
  }

  private persist(): Promise<void> {
    const write = this.writing.then(async () => {
      this.dirty = true;
      this.seenSinceWrite = false;
      const text = `${JSON.stringify({ version: REGISTRY_FORMAT_VERSION, pipes: this.list() }, null, 1)}\n`;
      await writeFileAtomic(this.path, text, { mode: 0o600 });
      this.dirty = false;
    });
    this.writing = write.catch(() => undefined);
    return write;
  }
}

interface PipeOptions {
  readonly pipe: string;
  readonly autoCreate: boolean;
  readonly state: PipeReceiverState | null;
}

/** The options of a PIPE_INSERT; INVALID_ARGUMENT names a missing or bad one. */
function pipeOptions(options: ReadonlyMap<string, string>): PipeOptions {
  const pipe = options.get(PIPE_OPTION.pipe) ?? '';
  if (pipe === '') throw new DbError('INVALID_ARGUMENT', `a pipe transfer must name its pipe (option '${PIPE_OPTION.pipe}')`);
  validateName('pipe', pipe);
  const autoCreate = options.get(PIPE_OPTION.autoCreate) ?? 'false';
  if (autoCreate !== 'true' && autoCreate !== 'false') throw new DbError('INVALID_ARGUMENT', `option '${PIPE_OPTION.autoCreate}' is 'true' or 'false', not '${autoCreate}'`);
  const stateText = options.get(PIPE_OPTION.state);
  let state: PipeReceiverState | null = null;
  if (stateText !== undefined) {
    const upper = stateText.toUpperCase();
    state = STATE_SYNONYMS[upper] ?? (STATES.includes(upper as PipeReceiverState) ? (upper as PipeReceiverState) : null);
    if (state === null) throw new DbError('INVALID_ARGUMENT', `option '${PIPE_OPTION.state}' is one of ${STATES.join(', ')}, not '${stateText}'`);
  }
  return { pipe, autoCreate: autoCreate === 'true', state };
}

/** Names and places of a schema about to be created, checked before anything is. */
function checkNewSchema(database: string, stream: string, columns: readonly Column[], series: string): void {
  if (!isIotdbDatabaseName(database) || database.split('.').some((node) => node === '')) {
    throw new DbError('INVALID_NAME', `a pipe creates IoTDB databases only (root.<name>), not '${database}' (for ${series}); create the stream on the receiver first`);
  }
  validateDatabaseNameForChange(database, 'create');
  validateName('stream', stream);
  if (stream.split('.').some((node) => node === '')) throw new DbError('INVALID_NAME', `device ${database}.${stream} has an empty path node`);
  for (const column of columns) {
    const problem = measurementProblem(column.name);
    if (problem !== null) throw new DbError('INVALID_NAME', `${seriesPath(database, stream, column.name)}: ${problem}`);
    validateColumnName(column.name);
  }
}

/** A measurement column's type: nullable, as IoTDB series are sparse (arrays stay as they are). */
function nullableType(type: DataType): DataType {
  return type.kind === 'nullable' || type.kind === 'array' ? type : T.nullable(type);
}

/** True when the batch can be appended as it is: every column is the stream's, with its type. */
/**
 * The batch with each column of type T that the stream holds as nullable(T) wrapped as a nullable
 * vector without NULLs (the values are not touched: IoTDB series are nullable on the receiver while
 * a sender's stream may declare them NOT NULL), and times relabelled with the stream's time zone;
 * null when some column needs a real cast.
 */
function wrapNullable(target: StreamDef, batch: Batch): Batch | null {
  const vectors = batch.vectors.slice();
  const columns = batch.columns.slice();
  for (let i = 0; i < columns.length; i++) {
    const given = columns[i]!;
    const column = target.columns.find((c) => c.name === given.name);
    if (column === undefined) return null;
    if (sameType(column.type, given.type)) continue;
    if (sameTimeStorage(column.type, given.type)) {
      // datetime64(3) and datetime64(3, 'UTC') hold the same epoch milliseconds: relabel only.
      vectors[i] = { ...vectors[i]!, type: column.type } as Batch['vectors'][number];
      columns[i] = { name: given.name, type: column.type };
      continue;
    }
    if (column.type.kind !== 'nullable' || !sameType(column.type.inner, given.type)) return null;
    const inner = vectors[i]!;
    vectors[i] = { kind: 'nullable', type: column.type, rowCount: inner.rowCount, nulls: new Uint8Array(inner.rowCount), inner };
    columns[i] = { name: given.name, type: column.type };
  }
  for (const column of target.columns) {
    if (column.type.kind === 'nullable' && column.default === undefined) continue;
    if (!columns.some((c) => c.name === column.name)) return null;
  }
  return makeBatch(columns, vectors);
}

/** Both are datetime64 of one precision (or both datetime): the same values, whatever their time zones. */
function sameTimeStorage(a: DataType, b: DataType): boolean {
  if (a.kind === 'datetime64' && b.kind === 'datetime64') return a.precision === b.precision;
  return a.kind === 'datetime' && b.kind === 'datetime';
}

function fits(target: StreamDef, batch: Batch): boolean {
  for (const given of batch.columns) {
    const column = target.columns.find((c) => c.name === given.name);
    if (column === undefined || !sameType(column.type, given.type)) return false;
  }
  // Columns the batch lacks must read as NULL (storage.checkBatchSchema allows exactly these).
  for (const column of target.columns) {
    if (column.type.kind === 'nullable' && column.default === undefined) continue;
    if (!batch.columns.some((c) => c.name === column.name)) return false;
  }
  return true;
}

function seriesPath(database: string, stream: string, column: string | null): string {
  const nodes = seriesNodes(database, stream, column ?? '');
  return formatPath(column === null ? nodes.slice(0, -1) : nodes);
}

function entryKey(nodeId: string, pipe: string): string {
  return `${nodeId}\u0000${pipe}`;
}

/** `::ffff:10.0.0.5` as `10.0.0.5`; other addresses as they are. */
export function plainAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped === null ? ip : mapped[1]!;
}

async function readRegistry(path: string): Promise<PipeReceiverEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DbError('IO_ERROR', `reading ${path} (${(error as NodeJS.ErrnoException).code ?? 'unknown'})`, {}, { cause: error });
  }
  const corrupt = (detail: string) => new DbError('CATALOG_CORRUPT', `${path}: ${detail}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(`not JSON (${(error as Error).message})`);
  }
  const root = parsed as { version?: unknown; pipes?: unknown };
  if (typeof parsed !== 'object' || parsed === null || root.version !== REGISTRY_FORMAT_VERSION || !Array.isArray(root.pipes)) {
    throw corrupt(`expected { "version": ${REGISTRY_FORMAT_VERSION}, "pipes": [...] }`);
  }
  return root.pipes.map((value: unknown, index) => {
    const e = value as Record<string, unknown>;
    const ok =
      typeof e === 'object' &&
      e !== null &&
      typeof e.pipe === 'string' &&
      typeof e.senderIp === 'string' &&
      typeof e.senderNodeId === 'string' &&
      Number.isFinite(e.createTimeMs) &&
      Number.isFinite(e.lastSeenMs) &&
      STATES.includes(e.state as PipeReceiverState) &&
      Array.isArray(e.databases) &&
      e.databases.every((d) => typeof d === 'string');
    if (!ok) throw corrupt(`pipes[${index}] is not a pipe entry`);
    return {
      pipe: e.pipe as string,
      senderIp: e.senderIp as string,
      senderNodeId: e.senderNodeId as string,
      createTimeMs: e.createTimeMs as number,
      lastSeenMs: e.lastSeenMs as number,
      state: e.state as PipeReceiverState,
      databases: [...(e.databases as string[])],
    };
  });
}
