// Frame codec: every message type round-trips; the decoder gives the same frames whether it is fed
// the whole stream, one byte at a time, or random splits (nats.js parser_test style); oversize
// frames are refused from their length prefix, before any body byte is buffered; garbage is a
// PROTOCOL_ERROR and leaves the decoder failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { DbError, isDbError } from '../../../src/core/errors.ts';
import { batchFromRows, rowsOf } from '../../../src/types/batch.ts';
import { decodeBatch, encodeBatch } from '../../../src/types/batch-codec.ts';
import { T } from '../../../src/types/data-type.ts';
import { FrameDecoder } from '../../../src/net/protocol/codec.ts';
import { FRAME_TYPES, type Message, encodeFrame, encodeFrameParts } from '../../../src/net/protocol/frame.ts';
import { CONTROL_FRAME_BYTES_MAX, FRAME_BYTES_MAX, FRAME_HEADER_BYTES } from '../../../src/net/protocol/protocol-limits.ts';
import { errorFrame, errorFromFrame } from '../../../src/net/wire-errors.ts';

const batch = batchFromRows(
  [
    { name: '_tp_time', type: T.datetime64('UTC') },
    { name: 'device', type: T.string },
    { name: 'value', type: T.nullable(T.float64) },
  ],
  [
    { _tp_time: 1_700_000_000_000, device: 'a', value: 1.5 },
    { _tp_time: 1_700_000_000_001, device: 'ü', value: null },
  ],
);
const encodedBatch = encodeBatch(batch, { baseSn: 0, appendTimeMs: 5 });

/** One message of every type (CANCEL, PING, PONG share the empty layout but are listed each). */
export const SAMPLE_MESSAGES: readonly Message[] = [
  { type: 'HELLO', requestId: 0, versionMin: 1, versionMax: 3, user: 'default', password: 'p@ss', database: 'root.vehicle', clientName: 'cli', nodeId: 'edge-1' },
  { type: 'HELLO_OK', requestId: 0, version: 2, serverNodeId: 'cloud', serverVersion: 'tributary 0.1.0', database: 'default' },
  { type: 'ERROR', requestId: 7, wireCode: 204, code: 'STREAM_NOT_FOUND', message: 'stream not found: default.nope' },
  {
    type: 'QUERY',
    requestId: 1,
    sql: 'SELECT {x:int32} + 1',
    settings: new Map([['max_result_rows', '10']]),
    params: new Map<string, import('../../../src/types/vector.ts').Value>([
      ['x', 41],
      ['big', -(2n ** 63n)],
      ['s', 'ünï'],
      ['list', [1, [true, false, null], 'x']],
    ]),
  },
  {
    type: 'SCHEMA',
    requestId: 1,
    streaming: true,
    columns: [
      { name: 'a', type: T.array(T.nullable(T.int32)) },
      { name: 't', type: T.datetime64('UTC') },
    ],
  },
  { type: 'DATA', requestId: 1, batch: encodedBatch },
  { type: 'PROGRESS', requestId: 1, rows: 2 ** 40, bytes: Number.MAX_SAFE_INTEGER },
  { type: 'END', requestId: 1, rows: 2 },
  { type: 'INSERT', requestId: 9, stream: 'd0', database: 'root.vehicle' },
  { type: 'INSERT_OK', requestId: 9, rows: 2, firstSn: 10, endSn: 12 },
  { type: 'CANCEL', requestId: 1 },
  { type: 'PING', requestId: 0xffff_ffff },
  { type: 'PONG', requestId: 0xffff_ffff },
  { type: 'CREDIT', requestId: 1, frames: 8, bytes: 16 * 1024 * 1024 },
  {
    type: 'PIPE_INSERT',
    requestId: 11,
    database: 'root.vehicle',
    stream: 'd0',
    options: new Map([
      ['pipe', 'p1'],
      ['auto_create', 'true'],
      ['state', 'RUNNING'],
    ]),
  },
  { type: 'DATA_COMPRESSED', requestId: 11, compressor: 'gzip', uncompressedBytes: encodedBatch.length, compressed: new Uint8Array(gzipSync(encodedBatch)) },
];

function decodeAll(bytes: Uint8Array, splits: readonly number[] = []): Message[] {
  const decoder = new FrameDecoder();
  const out: Message[] = [];
  let start = 0;
  for (const end of [...splits, bytes.length]) {
    out.push(...decoder.push(bytes.subarray(start, end)));
    start = end;
  }
  assert.equal(decoder.bufferedBytes, 0);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function assertDbError(fn: () => unknown, code: DbError['code'], pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isDbError(error, code), `expected ${code}, got ${String(error)}`);
    if (pattern !== undefined) assert.match((error as DbError).message, pattern);
    return true;
  });
}

test('frame: every message type round-trips', () => {
  assert.equal(new Set(SAMPLE_MESSAGES.map((m) => m.type)).size, Object.keys(FRAME_TYPES).length);
  for (const message of SAMPLE_MESSAGES) {
    const decoded = decodeAll(encodeFrame(message));
    assert.equal(decoded.length, 1, message.type);
    assert.deepStrictEqual(decoded[0], message, message.type);
  }
});

test('frame: a DATA frame carries the batch as encoded, decodable at offset 0', () => {
  const [decoded] = decodeAll(encodeFrame({ type: 'DATA', requestId: 3, batch: encodedBatch }));
  assert.equal(decoded.type, 'DATA');
  if (decoded.type !== 'DATA') return;
  assert.equal(decoded.batch.byteOffset % 8, 0);
  assert.deepStrictEqual(rowsOf(decodeBatch(decoded.batch).batch), rowsOf(batch));
  const parts = encodeFrameParts({ type: 'DATA', requestId: 3, batch: encodedBatch });
  assert.equal(parts.length, 2);
  assert.equal(parts[1], encodedBatch, 'the batch is written without a copy');
  assert.equal(parts[0].length, FRAME_HEADER_BYTES);
});

test('frame: byte layout of a PING is u32 length, u8 type, u32 request id', () => {
  assert.deepStrictEqual([...encodeFrame({ type: 'PING', requestId: 0x01020304 })], [5, 0, 0, 0, FRAME_TYPES.PING, 4, 3, 2, 1]);
});

test('codec: one byte at a time yields the same frames as the whole stream', () => {
  const stream = concat(SAMPLE_MESSAGES.map(encodeFrame));
  const whole = decodeAll(stream);
  const decoder = new FrameDecoder();
  const bytewise: Message[] = [];
  for (let i = 0; i < stream.length; i++) bytewise.push(...decoder.push(stream.subarray(i, i + 1)));
  assert.deepStrictEqual(bytewise, whole);
  assert.deepStrictEqual(whole, SAMPLE_MESSAGES);
});

test('codec: random splits yield the same frames', () => {
  const stream = concat(SAMPLE_MESSAGES.map(encodeFrame));
  let seed = 12345;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let round = 0; round < 200; round++) {
    const splits = new Set<number>();
    const count = Math.floor(random() * 20);
    for (let i = 0; i < count; i++) splits.add(Math.floor(random() * stream.length));
    const sorted = [...splits].sort((a, b) => a - b);
    assert.deepStrictEqual(decodeAll(stream, sorted), SAMPLE_MESSAGES, `splits ${sorted.join(',')}`);
  }
});

test('codec: an oversize length prefix is refused from its 4 bytes, before the body is buffered', () => {
  const decoder = new FrameDecoder();
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, FRAME_BYTES_MAX - 4 + 1, true);
  assertDbError(() => decoder.push(header), 'FRAME_TOO_LARGE', /FRAME_BYTES_MAX/);
  assert.ok(decoder.failed);
  assertDbError(() => decoder.push(new Uint8Array([1])), 'FRAME_TOO_LARGE');
});

test('codec: a control frame over CONTROL_FRAME_BYTES_MAX is refused at its type byte', () => {
  const decoder = new FrameDecoder();
  const header = new Uint8Array(5);
  new DataView(header.buffer).setUint32(0, CONTROL_FRAME_BYTES_MAX, true);
  header[4] = FRAME_TYPES.QUERY;
  assert.deepStrictEqual(decoder.push(header.subarray(0, 4)), []);
  assertDbError(() => decoder.push(header.subarray(4)), 'FRAME_TOO_LARGE', /QUERY frame .*CONTROL_FRAME_BYTES_MAX/);
  // The same length is fine for DATA.
  const data = new FrameDecoder();
  header[4] = FRAME_TYPES.DATA;
  assert.deepStrictEqual(data.push(header), []);
  assert.equal(data.bufferedBytes, 5);
});

test('codec: a handshake limit names itself and hints at HTTP for text', () => {
  const decoder = new FrameDecoder({ frameBytesMax: 1024, controlFrameBytesMax: 1024, limitName: 'HANDSHAKE_FRAME_BYTES_MAX' });
  assertDbError(() => decoder.push(new TextEncoder().encode('GET / HTTP/1.1\r\n')), 'FRAME_TOO_LARGE', /HANDSHAKE_FRAME_BYTES_MAX.*HTTP/);
});

test('codec: garbage is PROTOCOL_ERROR', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['unknown type', new Uint8Array([5, 0, 0, 0, 99, 0, 0, 0, 0]), /unknown frame type 99/],
    ['type 0', new Uint8Array([5, 0, 0, 0, 0, 0, 0, 0, 0]), /unknown frame type 0/],
    ['length below the header', new Uint8Array([4, 0, 0, 0]), /shorter than a frame header/],
    ['trailing payload bytes', new Uint8Array([6, 0, 0, 0, FRAME_TYPES.PING, 0, 0, 0, 0, 1]), /trailing/],
    ['truncated payload field', new Uint8Array([7, 0, 0, 0, FRAME_TYPES.END, 0, 0, 0, 0, 1, 2]), /ends inside rows/],
    ['HELLO without magic', encodeFrameWithPayload(FRAME_TYPES.HELLO, [1, 2, 3, 4, 1, 0, 1, 0]), /magic/],
    ['DATA that is no batch', encodeFrameWithPayload(FRAME_TYPES.DATA, new Array(64).fill(7)), /not a batch/],
    ['bad UTF-8', encodeFrameWithPayload(FRAME_TYPES.INSERT, [2, 0, 0, 0, 0xc3, 0x28, 0, 0, 0, 0]), /UTF-8/],
    ['unknown value tag', queryWithParamBytes([42]), /unknown value tag 42/],
    ['array count beyond the payload', queryWithParamBytes([6, 0xff, 0xff, 0xff, 0x7f]), /array of/],
    ['u64 beyond 2^53', encodeFrameWithPayload(FRAME_TYPES.END, [0, 0, 0, 0, 0, 0, 0x20, 0]), /2\^53/],
    ['schema with a bad type', schemaWithType('decimal(3)'), /SCHEMA column/],
  ];
  for (const [name, bytes, pattern] of cases) {
    const decoder = new FrameDecoder();
    assertDbError(() => decoder.push(bytes), 'PROTOCOL_ERROR', pattern);
    assert.ok(decoder.failed, name);
  }
});

test('codec: a DATA batch with a corrupt CRC is caught when the batch is decoded', () => {
  const corrupt = encodedBatch.slice();
  corrupt[corrupt.length - 9] ^= 0xff;
  const [message] = decodeAll(encodeFrame({ type: 'DATA', requestId: 1, batch: corrupt }));
  assert.equal(message.type, 'DATA');
  if (message.type === 'DATA') assertDbError(() => decodeBatch(message.batch), 'BATCH_CORRUPT');
});

test('wire errors: a DbError crosses the wire and comes back with its code', () => {
  const frame = errorFrame(4, new DbError('STREAM_NOT_FOUND', 'default.nope'));
  assert.equal(frame.wireCode, 204);
  const [decoded] = decodeAll(encodeFrame(frame));
  assert.equal(decoded.type, 'ERROR');
  if (decoded.type !== 'ERROR') return;
  const error = errorFromFrame(decoded);
  assert.equal(error.code, 'STREAM_NOT_FOUND');
  assert.equal(error.message, 'stream not found: default.nope');
  const unknown = errorFromFrame({ ...decoded, wireCode: 9999, code: 'FUTURE' });
  assert.equal(unknown.code, 'INTERNAL');
  assert.equal(unknown.details.remoteCode, 'FUTURE');
  assert.equal(errorFrame(0, new Error('boom')).code, 'INTERNAL');
});

function encodeFrameWithPayload(type: number, payload: readonly number[]): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, out.length - 4, true);
  out[4] = type;
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

function queryWithParamBytes(value: readonly number[]): Uint8Array {
  // sql '' (u32 0), settings count 0, params count 1, key 'x', then the value bytes.
  return encodeFrameWithPayload(FRAME_TYPES.QUERY, [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x78, ...value]);
}

function schemaWithType(typeText: string): Uint8Array {
  const type = [...new TextEncoder().encode(typeText)];
  return encodeFrameWithPayload(FRAME_TYPES.SCHEMA, [0, 1, 0, 1, 0, 0, 0, 0x61, type.length, 0, 0, 0, ...type]);
}
