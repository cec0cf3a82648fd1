// The catalog file format: CatalogState to text and back. Sans-IO: the Catalog reads and writes
// the file; this module only encodes, checks and decodes.
//
// File (UTF-8, one line):
//   {"version":1,"crc32":<u32>,"state":<state JSON>}\n
// where crc32 is zlib.crc32 of the exact bytes of <state JSON>, and <state JSON> is
//   {"nextId":n,
//    "databases":[{"name":s,"createdAt":ms}],
//    "streams":[{"id":n,"database":s,"name":s,"createdAt":ms,
//                "columns":[{"name":s,"type":"<formatDataType text>","default"?:s}],
//                "settings":{<every StreamSettings key>}}],
//    "objects":[{"kind":k,"database":s|null,"name":s,"id":n,"createdAt":ms,"definition":json}]}
// Types are stored as text (formatDataType) so the file does not depend on the in-memory shape.
//
// A file is accepted iff it parses, has version CATALOG_FORMAT_VERSION, its checksum matches, and
// the decoded state holds the catalog invariants (valid names, unique names per namespace, unique
// ids all below nextId, every stream and database-scoped object in an existing database, settings
// and types valid). Anything else is CATALOG_CORRUPT naming the file and what is wrong: a
// catalog is never silently reset or repaired. (The checks below throw plain Errors carrying the
// path inside the state; decodeCatalog wraps any of them into that one CATALOG_CORRUPT.)
import { crc32 } from 'node:zlib';
import { DbError } from '../../core/errors.ts';
import { formatDataType, parseDataType } from '../../types/data-type.ts';
import {
  type CatalogObject,
  type CatalogState,
  type ColumnDef,
  type DatabaseDef,
  type StreamDef,
  OBJECT_KINDS,
  OBJECT_SCOPE,
  type ObjectKind,
} from './catalog-types.ts';
import { validateName } from './names.ts';
import { type StreamSettingsInput, resolveStreamSettings } from './stream-settings.ts';

export const CATALOG_FORMAT_VERSION = 1;

const STATE_KEY = '"state":';

export function encodeCatalog(state: CatalogState): string {
  const stateText = JSON.stringify({
    nextId: state.nextId,
    databases: state.databases.map((d) => ({ name: d.name, createdAt: d.createdAt })),
    streams: state.streams.map((s) => ({
      id: s.id,
      database: s.database,
      name: s.name,
      createdAt: s.createdAt,
      columns: s.columns.map((c) =>
        c.default === undefined
          ? { name: c.name, type: formatDataType(c.type) }
          : { name: c.name, type: formatDataType(c.type), default: c.default },
      ),
      settings: s.settings,
    })),
    objects: state.objects,
  });
  const checksum = crc32(stateText);
  return `{"version":${CATALOG_FORMAT_VERSION},"crc32":${checksum},${STATE_KEY}${stateText}}\n`;
}

/** Decodes and checks a catalog file's text; `file` names it in errors. */
export function decodeCatalog(text: string, file: string): CatalogState {
  const corrupt = (detail: string, cause?: unknown): DbError =>
    new DbError('CATALOG_CORRUPT', `${file}: ${detail}`, { file }, cause === undefined ? undefined : { cause });
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch (cause) {
    throw corrupt(`not valid JSON (torn or overwritten file?): ${(cause as Error).message}`, cause);
  }
  if (!isRecord(envelope)) throw corrupt('expected a JSON object at the top level');
  if (envelope.version !== CATALOG_FORMAT_VERSION) {
    throw corrupt(`unsupported format version ${JSON.stringify(envelope.version)}; this build reads version ${CATALOG_FORMAT_VERSION}`);
  }
  const stateText = stateTextOf(text);
  if (stateText === undefined || typeof envelope.crc32 !== 'number') throw corrupt('missing state or checksum');
  const actual = crc32(stateText);
  if (actual !== envelope.crc32) throw corrupt(`checksum mismatch (stored ${envelope.crc32}, computed ${actual})`);
  try {
    return decodeState(envelope.state);
  } catch (cause) {
    const detail = cause instanceof DbError ? cause.message : String(cause);
    throw corrupt(`invalid contents: ${detail}`, cause);
  }
}

// The state's bytes as written: after the first `"state":` (version and crc32 are numbers, so the
// first occurrence is the key) up to the closing brace of the envelope.
function stateTextOf(text: string): string | undefined {
  const start = text.indexOf(STATE_KEY);
  const end = text.trimEnd().lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  return text.slice(start + STATE_KEY.length, end);
}

function decodeState(raw: unknown): CatalogState {
  const state = record(raw, 'state');
  const nextId = positiveInt(state.nextId, 'state.nextId');
  const databases = array(state.databases, 'state.databases').map((d, i) => decodeDatabase(d, `databases[${i}]`));
  const streams = array(state.streams, 'state.streams').map((s, i) => decodeStream(s, `streams[${i}]`));
  const objects = array(state.objects, 'state.objects').map((o, i) => decodeObject(o, `objects[${i}]`));
  checkInvariants({ nextId, databases, streams, objects });
  return deepFreeze({ nextId, databases, streams, objects });
}

function decodeDatabase(raw: unknown, at: string): DatabaseDef {
  const d = record(raw, at);
  return { name: name('database', d.name, `${at}.name`), createdAt: timestamp(d.createdAt, `${at}.createdAt`) };
}

function decodeStream(raw: unknown, at: string): StreamDef {
  const s = record(raw, at);
  const columns = array(s.columns, `${at}.columns`).map((c, i): ColumnDef => {
    const column = record(c, `${at}.columns[${i}]`);
    const type = parseDataType(string(column.type, `${at}.columns[${i}].type`));
    const columnName = name('column', column.name, `${at}.columns[${i}].name`);
    if (column.default === undefined) return { name: columnName, type };
    return { name: columnName, type, default: string(column.default, `${at}.columns[${i}].default`) };
  });
  return {
    id: positiveInt(s.id, `${at}.id`),
    database: name('database', s.database, `${at}.database`),
    name: name('stream', s.name, `${at}.name`),
    columns,
    settings: resolveStreamSettings(record(s.settings, `${at}.settings`) as StreamSettingsInput),
    createdAt: timestamp(s.createdAt, `${at}.createdAt`),
  };
}

function decodeObject(raw: unknown, at: string): CatalogObject {
  const o = record(raw, at);
  const kind = o.kind;
  if (typeof kind !== 'string' || !(OBJECT_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`${at}.kind: unknown object kind ${JSON.stringify(kind)}`);
  }
  const objectKind = kind as ObjectKind;
  const database =
    OBJECT_SCOPE[objectKind] === 'database' ? name('database', o.database, `${at}.database`) : nullValue(o.database, `${at}.database`);
  return {
    kind: objectKind,
    database,
    name: name(objectKind, o.name, `${at}.name`),
    id: positiveInt(o.id, `${at}.id`),
    createdAt: timestamp(o.createdAt, `${at}.createdAt`),
    definition: o.definition ?? null,
  };
}

function checkInvariants(state: CatalogState): void {
  const ids = new Set<number>();
  const claimId = (id: number, at: string): void => {
    if (id >= state.nextId) throw new Error(`${at}: id ${id} is not below nextId ${state.nextId}`);
    if (ids.has(id)) throw new Error(`${at}: id ${id} is used twice`);
    ids.add(id);
  };
  const databases = new Set<string>();
  for (const d of state.databases) {
    if (databases.has(d.name)) throw new Error(`database ${d.name} is listed twice`);
    databases.add(d.name);
  }
  const names = new Set<string>();
  const claimName = (key: string, shown: string): void => {
    if (names.has(key)) throw new Error(`${shown} is defined twice`);
    names.add(key);
  };
  for (const s of state.streams) {
    claimId(s.id, `stream ${s.database}.${s.name}`);
    if (!databases.has(s.database)) throw new Error(`stream ${s.database}.${s.name} is in a missing database`);
    claimName(`${s.database}\u0000${s.name}`, `${s.database}.${s.name}`);
    const columns = new Set<string>();
    for (const c of s.columns) {
      if (columns.has(c.name)) throw new Error(`stream ${s.database}.${s.name} has column ${c.name} twice`);
      columns.add(c.name);
    }
  }
  for (const o of state.objects) {
    claimId(o.id, `${o.kind} ${o.name}`);
    if (o.database !== null) {
      if (!databases.has(o.database)) throw new Error(`${o.kind} ${o.database}.${o.name} is in a missing database`);
      claimName(`${o.database}\u0000${o.name}`, `${o.database}.${o.name}`);
    } else {
      claimName(`${o.kind}\u0001${o.name}`, `${o.kind} ${o.name}`);
    }
  }
}

/** Freezes a JSON-like value and everything reachable from it; returns it. */
export function deepFreeze<V>(value: V): V {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, at: string): Record<string, unknown> {
  if (!isRecord(value)) throw new Error(`${at}: expected an object`);
  return value;
}

function array(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${at}: expected an array`);
  return value;
}

function string(value: unknown, at: string): string {
  if (typeof value !== 'string') throw new Error(`${at}: expected a string`);
  return value;
}

function name(kind: Parameters<typeof validateName>[0], value: unknown, at: string): string {
  try {
    validateName(kind, value);
  } catch (cause) {
    throw new Error(`${at}: ${(cause as Error).message}`);
  }
  return value;
}

function positiveInt(value: unknown, at: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new Error(`${at}: expected a positive integer`);
  return value as number;
}

function timestamp(value: unknown, at: string): number {
  if (!Number.isSafeInteger(value)) throw new Error(`${at}: expected a timestamp in milliseconds`);
  return value as number;
}

function nullValue(value: unknown, at: string): null {
  if (value !== null) throw new Error(`${at}: expected null (a node-global object)`);
  return null;
}
