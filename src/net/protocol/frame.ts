// Frames of the native protocol (TCP 8463, TLS 9440): their byte layout, their message types, and
// the functions that encode a message into a frame and decode a frame's payload into a message.
// codec.ts cuts a byte stream into frames (sans-IO); transport.ts moves frames over sockets.
//
// Frame (little-endian):
//   off  size  field
//     0     4  length L: bytes after this field (type + request id + payload), 5 <= L;
//               4 + L <= FRAME_BYTES_MAX for DATA and DATA_COMPRESSED, <= CONTROL_FRAME_BYTES_MAX
//               for every other type, <= HANDSHAKE_FRAME_BYTES_MAX before the handshake completes
//     4     1  type (FRAME_TYPES below; any other value is PROTOCOL_ERROR)
//     5     4  request id: names the query or insert a frame belongs to (the query id); 0 for
//               connection-level frames (HELLO, HELLO_OK, an ERROR that ends the connection)
//     9 L - 5  payload, laid out per type below
//
// Payload encodings: integers little-endian; u64 carries a non-negative integer <= 2^53 - 1;
// string = u32 byte length + UTF-8 (strict); map = u32 count + count (string key, value) pairs;
// value (query params) = u8 tag + body: 0 null, 1 false, 2 true, 3 f64, 4 bigint (string of its
// decimal digits), 5 string, 6 array (u32 count + values, nested at most VALUE_NESTING_MAX deep).
// Every byte of a payload must be consumed: trailing bytes are PROTOCOL_ERROR.
//
//   type        dir  payload
//   HELLO        →   u32 magic "TRBN", u16 version min, u16 version max, string user, string password,
//                    string database ('' = default), string client name, string node id ('' = none)
//   HELLO_OK     ←   u16 chosen version, string server node id, string server version, string database
//   ERROR        ↔   u32 wire code (core/errors.ts), string code, string message
//   QUERY        →   string sql, map settings (string values), map params (values)
//   SCHEMA       ←   u8 flags (bit 0: streaming; others 0), u16 column count, per column: string name,
//                    string type (data-type text, e.g. `nullable(int32)`)
//   DATA         ↔   one batch encoded by types/batch-codec.ts, whole (its own header, CRC and length)
//   PROGRESS     ←   u64 rows, u64 bytes (cumulative for the request)
//   END          ↔   u64 rows: ends a query's results (←), or the DATA of an insert (→)
//   INSERT       →   string stream, string database ('' = the connection's); DATA frames follow, then END
//   INSERT_OK    ←   u64 rows, u64 first sn, u64 end sn (one past the last); sent once every batch is durable
//   CANCEL       →   empty: stop the request; the server answers ERROR QUERY_CANCELLED unless it already ended
//   PING / PONG  ↔   empty; PONG echoes PING's request id
//   CREDIT       →   u32 frames, u64 bytes: the server may send that many more DATA frames for the
//                    request, while both counts stay positive (one frame may overdraw the bytes)
// From version 2 (PIPE_PROTOCOL_VERSION; on a version 1 connection these are PROTOCOL_ERROR):
//   PIPE_INSERT  →   string database, string stream, map options (string values: `pipe` = the sender's
//                    pipe name, `auto_create` = 'true' | 'false', report keys such as `state`); DATA or
//                    DATA_COMPRESSED frames follow, then END; answered INSERT_OK | ERROR as INSERT is.
//                    No data frame before END is a report: it updates the receiver's registry of pipes
//                    only. Accepted only on a pipe sender connection (HELLO client name PIPE_CLIENT_NAME
//                    or starting with PIPE_CLIENT_NAME + '/'), whose address the receiver checked against
//                    its ip_white_list at the handshake (engine/iotdb/pipe-receiver.ts).
//   DATA_COMPRESSED ↔ u8 codec (1 gzip, 2 zstd), u32 uncompressed length U (<= FRAME_BYTES_MAX, checked
//                    before anything is inflated: FRAME_TOO_LARGE), then the compressed bytes of exactly
//                    one encoded batch (what a DATA frame carries) that must inflate to exactly U bytes
//                    (else PROTOCOL_ERROR; compression.ts). Inside a PIPE_INSERT only.
//
// Conversation: the client sends HELLO and waits for HELLO_OK (or ERROR, then the server closes).
// The server picks the highest version in both ranges; with none in common it answers ERROR
// PROTOCOL_VERSION naming both ranges. HELLO, HELLO_OK and ERROR keep this layout in every version,
// so any two versions can at least negotiate. Then requests run concurrently, each under its own id:
// QUERY → SCHEMA, DATA* (as credit allows), PROGRESS*, END | ERROR; a statement that returns no rows
// gets END(written rows) alone. INSERT, DATA*, END → INSERT_OK | ERROR. PIPE_INSERT, (DATA |
// DATA_COMPRESSED)*, END → INSERT_OK | ERROR. The batches of all inserts on one connection are
// appended in the order their frames arrived (a sync lane pipelines its batches on one connection).
import { DbError } from '../../core/errors.ts';
import type { Column } from '../../types/batch.ts';
import { peekBatchLength } from '../../types/batch-codec.ts';
import { formatDataType, parseDataType } from '../../types/data-type.ts';
import type { Value } from '../../types/vector.ts';
import { COMPRESSOR_CODES, type Compressor, compressorOfCode } from './compression.ts';
import { FRAME_BYTES_MAX, FRAME_HEADER_BYTES, MAP_ENTRIES_MAX, PIPE_PROTOCOL_VERSION, VALUE_NESTING_MAX } from './protocol-limits.ts';
import { ByteReader, ByteWriter, protocolError } from './wire-buffer.ts';

/** "TRBN" little-endian: a HELLO without it is not from a Tributary peer. */
export const HELLO_MAGIC = 0x4e425254;

/**
 * The HELLO client name of a pipe sender (`tributary-pipe`, or `tributary-pipe/<anything>`): the
 * receiver checks its address against ip_white_list at the handshake and allows it PIPE_INSERT.
 */
export const PIPE_CLIENT_NAME = 'tributary-pipe';

/** True for the client names of pipe senders (see PIPE_CLIENT_NAME). */
export function isPipeClientName(clientName: string): boolean {
  return clientName === PIPE_CLIENT_NAME || clientName.startsWith(`${PIPE_CLIENT_NAME}/`);
}

export const FRAME_TYPES = {
  HELLO: 1,
  HELLO_OK: 2,
  ERROR: 3,
  QUERY: 4,
  SCHEMA: 5,
  DATA: 6,
  PROGRESS: 7,
  END: 8,
  INSERT: 9,
  INSERT_OK: 10,
  CANCEL: 11,
  PING: 12,
  PONG: 13,
  CREDIT: 14,
  PIPE_INSERT: 15,
  DATA_COMPRESSED: 16,
} as const;

export type FrameTypeName = keyof typeof FRAME_TYPES;

const NAME_OF_TYPE: readonly (FrameTypeName | undefined)[] = (() => {
  const out: (FrameTypeName | undefined)[] = [];
  for (const [name, code] of Object.entries(FRAME_TYPES)) out[code] = name as FrameTypeName;
  return out;
})();

/** The protocol version a frame type needs (the types missing here exist in every version). */
const VERSION_OF_TYPE: Partial<Record<FrameTypeName, number>> = { PIPE_INSERT: PIPE_PROTOCOL_VERSION, DATA_COMPRESSED: PIPE_PROTOCOL_VERSION };

/** The lowest protocol version in which a frame type may be sent. */
export function frameVersionMin(type: FrameTypeName): number {
  return VERSION_OF_TYPE[type] ?? 1;
}

/** The frame types whose payload is a (possibly compressed) batch, bounded by FRAME_BYTES_MAX. */
export function isDataFrameType(type: FrameTypeName): boolean {
  return type === 'DATA' || type === 'DATA_COMPRESSED';
}

/** The frame type named by a type byte, or undefined when the byte is not a frame type. */
export function frameTypeName(code: number): FrameTypeName | undefined {
  return NAME_OF_TYPE[code];
}

export interface HelloMessage {
  readonly type: 'HELLO';
  readonly requestId: number;
  readonly versionMin: number;
  readonly versionMax: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly clientName: string;
  readonly nodeId: string;
}

export interface HelloOkMessage {
  readonly type: 'HELLO_OK';
  readonly requestId: number;
  readonly version: number;
  readonly serverNodeId: string;
  readonly serverVersion: string;
  readonly database: string;
}

export interface ErrorMessage {
  readonly type: 'ERROR';
  readonly requestId: number;
  readonly wireCode: number;
  readonly code: string;
  readonly message: string;
}

export interface QueryMessage {
  readonly type: 'QUERY';
  readonly requestId: number;
  readonly sql: string;
  readonly settings: ReadonlyMap<string, string>;
  readonly params: ReadonlyMap<string, Value>;
}

export interface SchemaMessage {
  readonly type: 'SCHEMA';
  readonly requestId: number;
  readonly columns: readonly Column[];
  readonly streaming: boolean;
}

export interface DataMessage {
  readonly type: 'DATA';
  readonly requestId: number;
  /** One encoded batch (types/batch-codec.ts), in its own buffer starting at offset 0 (8-aligned). */
  readonly batch: Uint8Array;
}

export interface ProgressMessage {
  readonly type: 'PROGRESS';
  readonly requestId: number;
  readonly rows: number;
  readonly bytes: number;
}

export interface EndMessage {
  readonly type: 'END';
  readonly requestId: number;
  readonly rows: number;
}

export interface InsertMessage {
  readonly type: 'INSERT';
  readonly requestId: number;
  readonly stream: string;
  readonly database: string;
}

export interface InsertOkMessage {
  readonly type: 'INSERT_OK';
  readonly requestId: number;
  readonly rows: number;
  readonly firstSn: number;
  readonly endSn: number;
}

export interface PipeInsertMessage {
  readonly type: 'PIPE_INSERT';
  readonly requestId: number;
  readonly database: string;
  readonly stream: string;
  readonly options: ReadonlyMap<string, string>;
}

export interface DataCompressedMessage {
  readonly type: 'DATA_COMPRESSED';
  readonly requestId: number;
  readonly compressor: Compressor;
  /** Bytes of the encoded batch once inflated (<= FRAME_BYTES_MAX). */
  readonly uncompressedBytes: number;
  readonly compressed: Uint8Array;
}

export interface EmptyMessage {
  readonly type: 'CANCEL' | 'PING' | 'PONG';
  readonly requestId: number;
}

export interface CreditMessage {
  readonly type: 'CREDIT';
  readonly requestId: number;
  readonly frames: number;
  readonly bytes: number;
}

export type Message =
  | HelloMessage
  | HelloOkMessage
  | ErrorMessage
  | QueryMessage
  | SchemaMessage
  | DataMessage
  | ProgressMessage
  | EndMessage
  | InsertMessage
  | InsertOkMessage
  | EmptyMessage
  | CreditMessage
  | PipeInsertMessage
  | DataCompressedMessage;

// ---------------------------------------------------------------------------------------------
// Encoding

const VALUE_TAGS = { null: 0, false: 1, true: 2, f64: 3, bigint: 4, string: 5, array: 6 } as const;
const STREAMING_FLAG = 1;

/**
 * Encodes a message as the parts of one frame: the header with its payload, then (for DATA) the
 * batch bytes as given, so a large batch is written to the socket without being copied.
 */
export function encodeFrameParts(message: Message): Uint8Array[] {
  const writer = new ByteWriter();
  writer.u32(0); // length, patched below
  writer.u8(FRAME_TYPES[message.type]);
  writer.u32(message.requestId);
  const tail = writePayload(writer, message);
  const head = writer.finish();
  const length = head.length - 4 + (tail?.length ?? 0);
  new DataView(head.buffer, head.byteOffset, 4).setUint32(0, length, true);
  return tail === null ? [head] : [head, tail];
}

/** Encodes a message as one frame in one buffer. */
export function encodeFrame(message: Message): Uint8Array {
  const parts = encodeFrameParts(message);
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts[0].length + parts[1].length);
  out.set(parts[0], 0);
  out.set(parts[1], parts[0].length);
  return out;
}

/** Writes the payload; returns bytes to append unchanged (DATA), else null. */
function writePayload(writer: ByteWriter, message: Message): Uint8Array | null {
  switch (message.type) {
    case 'HELLO':
      writer.u32(HELLO_MAGIC);
      writer.u16(message.versionMin);
      writer.u16(message.versionMax);
      writer.string(message.user);
      writer.string(message.password);
      writer.string(message.database);
      writer.string(message.clientName);
      writer.string(message.nodeId);
      return null;
    case 'HELLO_OK':
      writer.u16(message.version);
      writer.string(message.serverNodeId);
      writer.string(message.serverVersion);
      writer.string(message.database);
      return null;
    case 'ERROR':
      writer.u32(message.wireCode);
      writer.string(message.code);
      writer.string(message.message);
      return null;
    case 'QUERY':
      writer.string(message.sql);
      writer.u32(message.settings.size);
      for (const [key, value] of message.settings) {
        writer.string(key);
        writer.string(value);
      }
      writer.u32(message.params.size);
      for (const [key, value] of message.params) {
        writer.string(key);
        writeValue(writer, value, 0);
      }
      return null;
    case 'SCHEMA':
      writer.u8(message.streaming ? STREAMING_FLAG : 0);
      writer.u16(message.columns.length);
      for (const column of message.columns) {
        writer.string(column.name);
        writer.string(formatDataType(column.type));
      }
      return null;
    case 'DATA':
      return message.batch;
    case 'PROGRESS':
      writer.u64(message.rows);
      writer.u64(message.bytes);
      return null;
    case 'END':
      writer.u64(message.rows);
      return null;
    case 'INSERT':
      writer.string(message.stream);
      writer.string(message.database);
      return null;
    case 'INSERT_OK':
      writer.u64(message.rows);
      writer.u64(message.firstSn);
      writer.u64(message.endSn);
      return null;
    case 'CANCEL':
    case 'PING':
    case 'PONG':
      return null;
    case 'CREDIT':
      writer.u32(message.frames);
      writer.u64(message.bytes);
      return null;
    case 'PIPE_INSERT':
      writer.string(message.database);
      writer.string(message.stream);
      writer.u32(message.options.size);
      for (const [key, value] of message.options) {
        writer.string(key);
        writer.string(value);
      }
      return null;
    case 'DATA_COMPRESSED':
      writer.u8(COMPRESSOR_CODES[message.compressor]);
      writer.u32(message.uncompressedBytes);
      return message.compressed;
  }
}

function writeValue(writer: ByteWriter, value: Value, depth: number): void {
  if (depth > VALUE_NESTING_MAX) throw new DbError('LIMIT_EXCEEDED', `a parameter value nests more than VALUE_NESTING_MAX (${VALUE_NESTING_MAX}) arrays`);
  if (value === null) writer.u8(VALUE_TAGS.null);
  else if (typeof value === 'boolean') writer.u8(value ? VALUE_TAGS.true : VALUE_TAGS.false);
  else if (typeof value === 'number') {
    writer.u8(VALUE_TAGS.f64);
    writer.f64(value);
  } else if (typeof value === 'bigint') {
    writer.u8(VALUE_TAGS.bigint);
    writer.string(value.toString());
  } else if (typeof value === 'string') {
    writer.u8(VALUE_TAGS.string);
    writer.string(value);
  } else {
    writer.u8(VALUE_TAGS.array);
    writer.u32(value.length);
    for (const element of value) writeValue(writer, element, depth + 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Decodes the payload of a frame whose header codec.ts has already checked. */
export function decodePayload(type: FrameTypeName, requestId: number, payload: Uint8Array): Message {
  const reader = new ByteReader(payload, `${type} payload`);
  const message = readPayload(reader, type, requestId, payload);
  reader.end();
  return message;
}

function readPayload(reader: ByteReader, type: FrameTypeName, requestId: number, payload: Uint8Array): Message {
  switch (type) {
    case 'HELLO': {
      const magic = reader.u32('magic');
      if (magic !== HELLO_MAGIC) throw protocolError('HELLO lacks the Tributary magic: the peer does not speak the native protocol');
      const versionMin = reader.u16('version min');
      const versionMax = reader.u16('version max');
      if (versionMin > versionMax) throw protocolError(`HELLO offers versions [${versionMin}, ${versionMax}], an empty range`);
      return {
        type,
        requestId,
        versionMin,
        versionMax,
        user: reader.string('user'),
        password: reader.string('password'),
        database: reader.string('database'),
        clientName: reader.string('client name'),
        nodeId: reader.string('node id'),
      };
    }
    case 'HELLO_OK':
      return {
        type,
        requestId,
        version: reader.u16('version'),
        serverNodeId: reader.string('server node id'),
        serverVersion: reader.string('server version'),
        database: reader.string('database'),
      };
    case 'ERROR':
      return { type, requestId, wireCode: reader.u32('wire code'), code: reader.string('code'), message: reader.string('message') };
    case 'QUERY': {
      const sql = reader.string('sql');
      const settings = readMap(reader, 'settings', () => reader.string('setting value'));
      const params = readMap(reader, 'params', () => readValue(reader, 0));
      return { type, requestId, sql, settings, params };
    }
    case 'SCHEMA': {
      const flags = reader.u8('flags');
      if ((flags & ~STREAMING_FLAG) !== 0) throw protocolError(`SCHEMA has unknown flags ${flags}`);
      const count = reader.u16('column count');
      const columns: Column[] = [];
      for (let i = 0; i < count; i++) {
        const name = reader.string('column name');
        const typeText = reader.string('column type');
        try {
          columns.push({ name, type: parseDataType(typeText) });
        } catch (error) {
          throw protocolError(`SCHEMA column '${name}' has type '${typeText}': ${(error as Error).message}`);
        }
      }
      return { type, requestId, columns, streaming: (flags & STREAMING_FLAG) !== 0 };
    }
    case 'DATA':
      checkBatchFrame(payload);
      reader.bytesOf(payload.length, 'batch');
      return { type, requestId, batch: payload };
    case 'PROGRESS':
      return { type, requestId, rows: reader.u64('rows'), bytes: reader.u64('bytes') };
    case 'END':
      return { type, requestId, rows: reader.u64('rows') };
    case 'INSERT':
      return { type, requestId, stream: reader.string('stream'), database: reader.string('database') };
    case 'INSERT_OK':
      return { type, requestId, rows: reader.u64('rows'), firstSn: reader.u64('first sn'), endSn: reader.u64('end sn') };
    case 'CANCEL':
    case 'PING':
    case 'PONG':
      return { type, requestId };
    case 'CREDIT':
      return { type, requestId, frames: reader.u32('frames'), bytes: reader.u64('bytes') };
    case 'PIPE_INSERT': {
      const database = reader.string('database');
      const stream = reader.string('stream');
      const options = readMap(reader, 'options', () => reader.string('option value'));
      return { type, requestId, database, stream, options };
    }
    case 'DATA_COMPRESSED': {
      const code = reader.u8('codec');
      const compressor = compressorOfCode(code);
      if (compressor === undefined) throw protocolError(`DATA_COMPRESSED has unknown codec ${code} (1 gzip, 2 zstd)`);
      const uncompressedBytes = reader.u32('uncompressed length');
      if (uncompressedBytes > FRAME_BYTES_MAX) {
        throw new DbError('FRAME_TOO_LARGE', `DATA_COMPRESSED declares ${uncompressedBytes} uncompressed bytes, more than FRAME_BYTES_MAX (${FRAME_BYTES_MAX})`, {
          limit: 'FRAME_BYTES_MAX',
          max: FRAME_BYTES_MAX,
          value: uncompressedBytes,
        });
      }
      if (reader.remaining === 0) throw protocolError('DATA_COMPRESSED carries no compressed bytes');
      return { type, requestId, compressor, uncompressedBytes, compressed: reader.bytesOf(reader.remaining, 'compressed batch') };
    }
  }
}

/** A DATA payload must be exactly one batch by its header (the CRC is checked when it is decoded). */
function checkBatchFrame(payload: Uint8Array): void {
  let length: number | null;
  try {
    length = peekBatchLength(payload, 0);
  } catch (error) {
    throw protocolError(`DATA payload is not a batch: ${(error as Error).message}`);
  }
  if (length === null) throw protocolError(`DATA payload of ${payload.length} bytes is shorter than a batch header`);
  if (length !== payload.length) throw protocolError(`DATA payload is ${payload.length} bytes, its batch header says ${length}`);
}

function readMap<V>(reader: ByteReader, what: string, readValueOf: () => V): Map<string, V> {
  const count = reader.u32(`${what} count`);
  if (count > MAP_ENTRIES_MAX) throw new DbError('LIMIT_EXCEEDED', `${what} has ${count} entries, more than MAP_ENTRIES_MAX (${MAP_ENTRIES_MAX})`);
  const map = new Map<string, V>();
  for (let i = 0; i < count; i++) {
    const key = reader.string(`${what} key`);
    if (map.has(key)) throw protocolError(`${what} repeats the key '${key}'`);
    map.set(key, readValueOf());
  }
  return map;
}

function readValue(reader: ByteReader, depth: number): Value {
  if (depth > VALUE_NESTING_MAX) throw protocolError(`a parameter value nests more than VALUE_NESTING_MAX (${VALUE_NESTING_MAX}) arrays`);
  const tag = reader.u8('value tag');
  switch (tag) {
    case VALUE_TAGS.null:
      return null;
    case VALUE_TAGS.false:
      return false;
    case VALUE_TAGS.true:
      return true;
    case VALUE_TAGS.f64:
      return reader.f64('f64 value');
    case VALUE_TAGS.bigint: {
      const text = reader.string('bigint value');
      // At most 20 digits (a u64): BigInt() of a megabyte of digits would be a cheap way to burn CPU.
      if (!/^-?(0|[1-9][0-9]{0,19})$/.test(text)) throw protocolError(`bigint value '${text.slice(0, 40)}' is not an integer of at most 20 digits`);
      return BigInt(text);
    }
    case VALUE_TAGS.string:
      return reader.string('string value');
    case VALUE_TAGS.array: {
      const count = reader.u32('array length');
      // Each element takes at least one byte: a count beyond the bytes left is a lie, caught before any allocation.
      if (count > reader.remaining) throw protocolError(`array of ${count} values in ${reader.remaining} bytes`);
      const out: Value[] = [];
      for (let i = 0; i < count; i++) out.push(readValue(reader, depth + 1));
      return out;
    }
    default:
      throw protocolError(`unknown value tag ${tag}`);
  }
}

/** Bytes of the frame header; re-exported for codec.ts and tests. */
export { FRAME_HEADER_BYTES };
