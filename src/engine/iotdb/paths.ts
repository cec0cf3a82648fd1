// IoTDB paths and types on Tributary's model (DESIGN.md, "Data model"). Pure functions: no catalog
// access here, the callers pass the database names they know.
//
// Mapping: the time series `root.vehicle.d0.s0` is column `s0` of stream `d0` in database
// `root.vehicle`; a device deeper than one level below its database (`root.sg.a.b.s`) is the stream
// `a.b`; `time`/`timestamp` is `_tp_time`. The database of a device is the longest existing database
// named `root.…` whose nodes are a proper prefix of the device's; when there is none, schema
// auto-creation makes it the first level below root (IoTDB's default_storage_group_level = 1).
// Names are the nodes joined by '.', so a node may not contain '.' itself (refused: the name
// could not be split back). `root` is matched case-insensitively (it is a keyword in IoTDB) and
// always written `root`.
//
// Types: BOOLEAN → bool, INT32 → int32, INT64 → int64, FLOAT → float32, DOUBLE → float64,
// TEXT → string, every column nullable(…) because IoTDB series are sparse (a row of a device
// carries only the measurements it was given). Encodings and compressors are checked against
// IoTDB's tables (an encoding a type does not support is an error, as in IoTDB) and then not kept:
// Tributary's batch format chooses its own encoding (dictionary-coded strings, fixed-width numbers).
//
// Inference on automatic creation follows IoTDB 1.3's defaults for SQL values: true/false →
// BOOLEAN, integers → DOUBLE (integer_string_infer_type), decimals → DOUBLE
// (floating_string_infer_type), quoted strings → TEXT; a NULL value creates nothing.
import { type DataType, T } from '../../types/data-type.ts';

export const IOTDB_ROOT = 'root';

export const IOTDB_DATA_TYPES = ['BOOLEAN', 'INT32', 'INT64', 'FLOAT', 'DOUBLE', 'TEXT'] as const;
export type IotdbDataType = (typeof IOTDB_DATA_TYPES)[number];

const TYPE_OF: { readonly [K in IotdbDataType]: DataType } = {
  BOOLEAN: T.bool,
  INT32: T.int32,
  INT64: T.int64,
  FLOAT: T.float32,
  DOUBLE: T.float64,
  TEXT: T.string,
};

/** The IoTDB type named `text` (any case), or null. */
export function parseIotdbDataType(text: string): IotdbDataType | null {
  const upper = text.toUpperCase();
  return (IOTDB_DATA_TYPES as readonly string[]).includes(upper) ? (upper as IotdbDataType) : null;
}

/** The column type of a series of IoTDB type `type`: nullable(T). */
export function columnTypeOf(type: IotdbDataType): DataType {
  return T.nullable(TYPE_OF[type]);
}

/** The IoTDB type a column type stands for (nullable or not), or null for types IoTDB does not have. */
export function iotdbTypeOfColumn(type: DataType): IotdbDataType | null {
  const base = type.kind === 'nullable' ? type.inner : type;
  for (const name of IOTDB_DATA_TYPES) if (TYPE_OF[name].kind === base.kind) return name;
  return null;
}

/** Encodings and the types each applies to (IoTDB 1.3's encoding table). */
export const IOTDB_ENCODINGS: Readonly<Record<string, readonly IotdbDataType[]>> = {
  PLAIN: IOTDB_DATA_TYPES,
  RLE: ['BOOLEAN', 'INT32', 'INT64', 'FLOAT', 'DOUBLE'],
  TS_2DIFF: ['INT32', 'INT64', 'FLOAT', 'DOUBLE'],
  GORILLA: ['INT32', 'INT64', 'FLOAT', 'DOUBLE'],
  GORILLA_V1: ['FLOAT', 'DOUBLE'],
  ZIGZAG: ['INT32', 'INT64'],
  CHIMP: ['INT32', 'INT64', 'FLOAT', 'DOUBLE'],
  SPRINTZ: ['INT32', 'INT64', 'FLOAT', 'DOUBLE'],
  RLBE: ['INT32', 'INT64', 'FLOAT', 'DOUBLE'],
  DICTIONARY: ['TEXT'],
  FREQ: ['INT32', 'INT64', 'FLOAT', 'DOUBLE'],
  REGULAR: ['INT32', 'INT64'],
};

export const IOTDB_COMPRESSORS: readonly string[] = ['UNCOMPRESSED', 'SNAPPY', 'LZ4', 'GZIP', 'ZSTD', 'LZMA2'];

/** Why `encoding` cannot be used for `type`, or null when it can. */
export function encodingProblem(encoding: string, type: IotdbDataType): string | null {
  const types = IOTDB_ENCODINGS[encoding.toUpperCase()];
  if (types === undefined) return `unknown encoding '${encoding}' (one of ${Object.keys(IOTDB_ENCODINGS).join(', ')})`;
  if (!types.includes(type)) return `encoding ${encoding.toUpperCase()} does not support ${type} (it encodes ${types.join(', ')})`;
  return null;
}

/** The IoTDB type automatic creation gives a value of SQL type `type` (see the header), or null when none applies. */
export function inferIotdbType(type: DataType): IotdbDataType | null {
  const base = type.kind === 'nullable' ? type.inner : type;
  switch (base.kind) {
    case 'bool':
      return 'BOOLEAN';
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'uint8':
    case 'uint16':
    case 'uint32':
    case 'uint64':
    case 'float32':
    case 'float64':
      return 'DOUBLE';
    case 'string':
      return 'TEXT';
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Paths

/** True when `parts` is a path under root (`root`, `root.a`, …; `root` in any case). */
export function isRootPath(parts: readonly string[]): boolean {
  return parts.length > 0 && parts[0]!.toLowerCase() === IOTDB_ROOT;
}

/** True when a database name is an IoTDB path (`root.vehicle`). */
export function isIotdbDatabaseName(name: string): boolean {
  return name.length > IOTDB_ROOT.length + 1 && name.slice(0, IOTDB_ROOT.length + 1).toLowerCase() === `${IOTDB_ROOT}.`;
}

/** `parts` with its first node written `root`. */
export function normalizeRoot(parts: readonly string[]): string[] {
  return isRootPath(parts) ? [IOTDB_ROOT, ...parts.slice(1)] : [...parts];
}

/** A database name with its first node written `root`. */
export function normalizeDatabaseName(name: string): string {
  return isIotdbDatabaseName(name) ? IOTDB_ROOT + name.slice(IOTDB_ROOT.length) : name;
}

/** The index of the first node that contains '.', or -1 (such nodes cannot be mapped: see the header). */
export function nodeWithDot(parts: readonly string[]): number {
  return parts.findIndex((part) => part.includes('.'));
}

/** Where a device lives: its database and stream, and whether the database exists already. */
export interface DeviceLocation {
  readonly database: string;
  readonly stream: string;
  readonly databaseExists: boolean;
}

/** Why a device path cannot be mapped, with the index of the node to point at. */
export class PathProblem extends Error {
  readonly node: number;

  constructor(message: string, node: number) {
    super(message);
    this.node = node;
  }
}

/**
 * The database and stream of the device `device` (normalized parts, `root` first), given the
 * existing database names. Throws PathProblem when the path is too short, lies inside no possible
 * database, or names a database itself.
 */
export function locateDevice(device: readonly string[], databases: Iterable<string>): DeviceLocation {
  if (!isRootPath(device)) throw new PathProblem(`path ${device.join('.')} is not under root`, 0);
  const dot = nodeWithDot(device);
  if (dot >= 0) throw new PathProblem(`path node '${device[dot]}' contains '.', which a path node cannot hold here`, dot);
  let best: { readonly name: string; readonly nodes: string[] } | null = null;
  for (const name of databases) {
    if (!isIotdbDatabaseName(name)) continue;
    const nodes = normalizeDatabaseName(name).split('.');
    if (!isPrefix(nodes, device)) continue;
    if (nodes.length >= device.length) {
      throw new PathProblem(`${device.join('.')} is a database: a device is a path below its database`, device.length - 1);
    }
    if (best === null || nodes.length > best.nodes.length) best = { name, nodes };
  }
  if (best !== null) return { database: best.name, stream: device.slice(best.nodes.length).join('.'), databaseExists: true };
  if (device.length < 3) {
    throw new PathProblem(`device path ${device.join('.')} has no database: a device is root.<database>.<device…> (or lies below an existing database)`, device.length - 1);
  }
  return { database: device.slice(0, 2).join('.'), stream: device.slice(2).join('.'), databaseExists: false };
}

/** The existing IoTDB database that overlaps `name` (one is a prefix of the other), or null. */
export function overlappingDatabase(name: string, databases: Iterable<string>): string | null {
  const nodes = normalizeDatabaseName(name).split('.');
  for (const other of databases) {
    if (!isIotdbDatabaseName(other) || other === name) continue;
    const otherNodes = normalizeDatabaseName(other).split('.');
    if (isPrefix(otherNodes, nodes) || isPrefix(nodes, otherNodes)) return other;
  }
  return null;
}

/** True when `prefix` is a prefix of `parts` (equal included). */
export function isPrefix(prefix: readonly string[], parts: readonly string[]): boolean {
  if (prefix.length > parts.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== parts[i]) return false;
  return true;
}

/** The nodes of the series `column` of stream `stream` in database `database`. */
export function seriesNodes(database: string, stream: string, column: string): string[] {
  return [...normalizeDatabaseName(database).split('.'), ...stream.split('.'), column];
}

const PLAIN_NODE = /^[0-9A-Za-z_\u0080-\uffff]+$/;

/**
 * A path node as IoTDB prints it: as is when it is letters, digits and '_' but not only digits
 * (`1TS`), else in backquotes with '`' doubled (`` `1` ``, `` `a b` ``).
 */
export function formatPathNode(node: string): string {
  if (PLAIN_NODE.test(node) && !/^[0-9]+$/.test(node)) return node;
  return '`' + node.replaceAll('`', '``') + '`';
}

/** A full path as IoTDB prints it: `root.vehicle.d0.s0`. */
export function formatPath(nodes: readonly string[]): string {
  return nodes.map(formatPathNode).join('.');
}

/** Compares two paths node by node (a prefix sorts first). */
export function comparePaths(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length - b.length;
}

/** Why `name` cannot be a measurement (time/timestamp, a '.', `_tp_…`), or null when it can. */
export function measurementProblem(name: string): string | null {
  const lower = name.toLowerCase();
  if (lower === 'time' || lower === 'timestamp') return `'${name}' is the time column, not a measurement`;
  if (name.includes('.')) return `measurement '${name}' contains '.'`;
  if (name.startsWith('_tp_')) return `measurement '${name}' is reserved (names starting with _tp_ belong to Tributary)`;
  if (name.length === 0) return 'a measurement name is empty';
  return null;
}
