// Protocol version 2's pipe frames: PIPE_INSERT and DATA_COMPRESSED round-trip and are refused with
// the right DbError when malformed (trailing bytes, unknown codec, an uncompressed length over
// FRAME_BYTES_MAX, bytes that do not inflate to the declared length); DATA_COMPRESSED is bounded like
// DATA, not like a control frame; and a connection that negotiated version 1 refuses PIPE_INSERT
// (a real server on 127.0.0.1 spoken to over a raw socket).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib, { gzipSync } from 'node:zlib';
import { DbError, ERRORS, isDbError } from '../../../src/core/errors.ts';
import { openNode, type TributaryNode } from '../../../src/engine/node.ts';
import { batchFromRows } from '../../../src/types/batch.ts';
import { encodeBatch } from '../../../src/types/batch-codec.ts';
import { T } from '../../../src/types/data-type.ts';
import { FrameDecoder } from '../../../src/net/protocol/codec.ts';
import { availableCompressors, compressBatch, inflateBatch } from '../../../src/net/protocol/compression.ts';
import { FRAME_TYPES, type Message, PIPE_CLIENT_NAME, encodeFrame, frameVersionMin, isPipeClientName } from '../../../src/net/protocol/frame.ts';
import { CONTROL_FRAME_BYTES_MAX, FRAME_BYTES_MAX, FRAME_HEADER_BYTES, PIPE_PROTOCOL_VERSION, PROTOCOL_VERSION_MAX } from '../../../src/net/protocol/protocol-limits.ts';
import { type NativeServer, startNativeServer } from '../../../src/net/native-server.ts';
import { errorFrame, errorFromFrame } from '../../../src/net/wire-errors.ts';
import { tempDir } from '../../support/temp-dir.ts';

const encodedBatch = encodeBatch(
  batchFromRows(
    [
      { name: '_tp_time', type: T.datetime64('UTC') },
      { name: 's0', type: T.nullable(T.int32) },
    ],
    [
      { _tp_time: 1_700_000_000_000, s0: 10 },
      { _tp_time: 1_700_000_000_001, s0: null },
    ],
  ),
  { baseSn: 0, appendTimeMs: 5 },
);

function decodeOne(bytes: Uint8Array): Message {
  const messages = new FrameDecoder().push(bytes);
  assert.equal(messages.length, 1);
  return messages[0];
}

function frameWithPayload(type: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  new DataView(out.buffer).setUint32(0, out.length - 4, true);
  out[4] = type;
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/** A DATA_COMPRESSED payload: u8 codec, u32 uncompressed length, the bytes. */
function compressedPayload(codec: number, uncompressedBytes: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + bytes.length);
  out[0] = codec;
  new DataView(out.buffer).setUint32(1, uncompressedBytes, true);
  out.set(bytes, 5);
  return out;
}

function assertDbError(fn: () => unknown, code: DbError['code'], pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isDbError(error, code), `expected ${code}, got ${String(error)}`);
    if (pattern !== undefined) assert.match((error as DbError).message, pattern);
    return true;
  });
}

async function assertRejects(promise: Promise<unknown>, code: DbError['code'], pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isDbError(error, code), `expected ${code}, got ${String(error)}`);
    if (pattern !== undefined) assert.match((error as DbError).message, pattern);
    return true;
  });
}

test('pipe frames: PIPE_INSERT and DATA_COMPRESSED round-trip; the compressed bytes travel uncopied', () => {
  const options = new Map([
    ['pipe', 'a2b'],
    ['auto_create', 'false'],
  ]);
  const insert: Message = { type: 'PIPE_INSERT', requestId: 7, database: 'root.vehicle', stream: 'd0', options };
  assert.deepStrictEqual(decodeOne(encodeFrame(insert)), insert);
  const compressed = new Uint8Array(gzipSync(encodedBatch));
  const data: Message = { type: 'DATA_COMPRESSED', requestId: 7, compressor: 'gzip', uncompressedBytes: encodedBatch.length, compressed };
  assert.deepStrictEqual(decodeOne(encodeFrame(data)), data);
  assert.equal(frameVersionMin('PIPE_INSERT'), PIPE_PROTOCOL_VERSION);
  assert.equal(frameVersionMin('DATA_COMPRESSED'), PIPE_PROTOCOL_VERSION);
  assert.equal(frameVersionMin('INSERT'), 1);
  assert.equal(PROTOCOL_VERSION_MAX, 2);
});

test('pipe frames: malformed payloads are refused with the right error', () => {
  const good = encodeFrame({ type: 'PIPE_INSERT', requestId: 1, database: 'root.a', stream: 'd', options: new Map([['pipe', 'p']]) });
  const trailing = new Uint8Array(good.length + 2);
  trailing.set(good);
  new DataView(trailing.buffer).setUint32(0, trailing.length - 4, true);
  assertDbError(() => new FrameDecoder().push(trailing), 'PROTOCOL_ERROR', /PIPE_INSERT payload has 2 unexpected trailing bytes/);
  const repeated = frameWithPayload(
    FRAME_TYPES.PIPE_INSERT,
    new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0x70, 0, 0, 0, 0, 1, 0, 0, 0, 0x70, 0, 0, 0, 0]),
  );
  assertDbError(() => new FrameDecoder().push(repeated), 'PROTOCOL_ERROR', /options repeats the key 'p'/);
  const gz = new Uint8Array(gzipSync(encodedBatch));
  assertDbError(() => new FrameDecoder().push(frameWithPayload(FRAME_TYPES.DATA_COMPRESSED, compressedPayload(3, encodedBatch.length, gz))), 'PROTOCOL_ERROR', /unknown codec 3/);
  assertDbError(
    () => new FrameDecoder().push(frameWithPayload(FRAME_TYPES.DATA_COMPRESSED, compressedPayload(1, FRAME_BYTES_MAX + 1, gz))),
    'FRAME_TOO_LARGE',
    /declares \d+ uncompressed bytes, more than FRAME_BYTES_MAX/,
  );
  assertDbError(() => new FrameDecoder().push(frameWithPayload(FRAME_TYPES.DATA_COMPRESSED, compressedPayload(1, 10, new Uint8Array(0)))), 'PROTOCOL_ERROR', /no compressed bytes/);
  assertDbError(() => new FrameDecoder().push(frameWithPayload(FRAME_TYPES.DATA_COMPRESSED, new Uint8Array([1, 0, 0]))), 'PROTOCOL_ERROR', /ends inside uncompressed length/);
});

test('pipe frames: DATA_COMPRESSED is bounded by FRAME_BYTES_MAX like DATA, not by the control limit', () => {
  const header = new Uint8Array(5);
  new DataView(header.buffer).setUint32(0, CONTROL_FRAME_BYTES_MAX, true);
  header[4] = FRAME_TYPES.DATA_COMPRESSED;
  const decoder = new FrameDecoder();
  assert.deepStrictEqual(decoder.push(header), []);
  assert.equal(decoder.bufferedBytes, 5);
  header[4] = FRAME_TYPES.PIPE_INSERT;
  assertDbError(() => new FrameDecoder().push(header), 'FRAME_TOO_LARGE', /PIPE_INSERT frame .*CONTROL_FRAME_BYTES_MAX/);
});

test('compression: gzip round-trips; bytes that inflate to another length or not at all are PROTOCOL_ERROR', async () => {
  assert.ok(availableCompressors().includes('gzip'));
  assert.equal(availableCompressors().includes('zstd'), typeof (zlib as unknown as Record<string, unknown>).zstdCompressSync === 'function');
  const compressed = await compressBatch('gzip', encodedBatch);
  const inflated = await inflateBatch('gzip', compressed, encodedBatch.length);
  assert.deepStrictEqual([...inflated], [...encodedBatch]);
  assert.equal(inflated.byteOffset % 8, 0);
  await assertRejects(inflateBatch('gzip', compressed, encodedBatch.length + 8), 'PROTOCOL_ERROR', /inflates to \d+ bytes, it declares/);
  await assertRejects(inflateBatch('gzip', compressed, encodedBatch.length - 8), 'PROTOCOL_ERROR', /inflates to more than the \d+ bytes it declares/);
  await assertRejects(inflateBatch('gzip', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 8), 'PROTOCOL_ERROR', /does not inflate/);
  // A small frame that would inflate to a megabyte is stopped at its declared length.
  const bomb = gzipSync(new Uint8Array(1 << 20));
  await assertRejects(inflateBatch('gzip', bomb, 1024), 'PROTOCOL_ERROR', /more than the 1024 bytes/);
  if (!availableCompressors().includes('zstd')) await assertRejects(compressBatch('zstd', encodedBatch), 'NOT_SUPPORTED', /zstd/);
});

test('pipe frames: the client name of pipe senders, and PIPE_SENDER_REFUSED across the wire', () => {
  assert.equal(PIPE_CLIENT_NAME, 'tributary-pipe');
  assert.ok(isPipeClientName('tributary-pipe'));
  assert.ok(isPipeClientName('tributary-pipe/edge-1'));
  assert.ok(!isPipeClientName('tributary-pipeline'));
  assert.ok(!isPipeClientName('tributary-client'));
  assert.equal(ERRORS.PIPE_SENDER_REFUSED.retry, 'no');
  const frame = errorFrame(0, new DbError('PIPE_SENDER_REFUSED', 'sender 10.1.1.1'));
  const back = errorFromFrame(decodeOne(encodeFrame(frame)) as Extract<Message, { type: 'ERROR' }>);
  assert.equal(back.code, 'PIPE_SENDER_REFUSED');
  assert.equal(back.retry, 'no');
});

// ---------------------------------------------------------------------------------------------
// Version gating against a real server

let node: TributaryNode;
let v1Server: NativeServer;
let v2Server: NativeServer;

before(async () => {
  node = await openNode({ dataDir: tempDir('trib-pipe-frames-') });
  v1Server = await startNativeServer({ node, host: '127.0.0.1', port: 0, versions: { min: 1, max: 1 } });
  v2Server = await startNativeServer({ node, host: '127.0.0.1', port: 0 });
});

after(async () => {
  await v1Server.close();
  await v2Server.close();
  await node.close();
});

/**
 * HELLO as a pipe sender, then (after HELLO_OK) `frames`; collects the answers until the server
 * closes, or until `enough` says so (then this side closes).
 */
async function afterHandshake(port: number, frames: readonly Uint8Array[], enough: (received: readonly Message[]) => boolean = () => false): Promise<Message[]> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const decoder = new FrameDecoder();
  const received: Message[] = [];
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.on('data', (chunk: Buffer) => {
    for (const message of decoder.push(new Uint8Array(chunk))) {
      received.push(message);
      if (message.type === 'HELLO_OK') for (const frame of frames) socket.write(frame);
    }
    if (enough(received)) socket.destroy();
  });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    encodeFrame({ type: 'HELLO', requestId: 0, versionMin: 1, versionMax: 2, user: 'default', password: '', database: '', clientName: PIPE_CLIENT_NAME, nodeId: 'edge' }),
  );
  await closed;
  return received;
}

test('pipe frames: a connection that negotiated version 1 refuses PIPE_INSERT and closes', async () => {
  const received = await afterHandshake(v1Server.port, [
    encodeFrame({ type: 'PIPE_INSERT', requestId: 1, database: 'root.a', stream: 'd', options: new Map([['pipe', 'p']]) }),
  ]);
  assert.equal(received[0]?.type, 'HELLO_OK');
  if (received[0]?.type === 'HELLO_OK') assert.equal(received[0].version, 1);
  const error = received[1];
  assert.equal(error?.type, 'ERROR');
  if (error?.type === 'ERROR') {
    assert.equal(error.code, 'PROTOCOL_ERROR');
    assert.equal(error.requestId, 0, 'a connection-level error');
    assert.match(error.message, /PIPE_INSERT needs protocol version 2; this connection negotiated version 1/);
  }
  const compressed = await afterHandshake(v1Server.port, [
    encodeFrame({ type: 'DATA_COMPRESSED', requestId: 1, compressor: 'gzip', uncompressedBytes: encodedBatch.length, compressed: new Uint8Array(gzipSync(encodedBatch)) }),
  ]);
  assert.equal(compressed[1]?.type, 'ERROR');
  if (compressed[1]?.type === 'ERROR') assert.match(compressed[1].message, /DATA_COMPRESSED needs protocol version 2/);
  assert.deepEqual(node.storage.catalog.listDatabases().map((d) => d.name).filter((n) => n.startsWith('root')), [], 'nothing created');
});

test('pipe frames: a bad DATA_COMPRESSED fails its request, not the connection; INSERT refuses DATA_COMPRESSED', async () => {
  const gz = new Uint8Array(gzipSync(encodedBatch));
  const options = new Map([
    ['pipe', 'raw'],
    ['auto_create', 'true'],
  ]);
  const received = await afterHandshake(
    v2Server.port,
    [
      encodeFrame({ type: 'PIPE_INSERT', requestId: 1, database: 'root.raw', stream: 'd', options }),
      encodeFrame({ type: 'DATA_COMPRESSED', requestId: 1, compressor: 'gzip', uncompressedBytes: encodedBatch.length + 8, compressed: gz }),
      encodeFrame({ type: 'END', requestId: 1, rows: 2 }),
      encodeFrame({ type: 'INSERT', requestId: 2, database: 'default', stream: 'nope' }),
      encodeFrame({ type: 'PIPE_INSERT', requestId: 3, database: 'root.raw', stream: 'd', options }),
      encodeFrame({ type: 'DATA', requestId: 3, batch: encodedBatch }),
      encodeFrame({ type: 'DATA_COMPRESSED', requestId: 3, compressor: 'gzip', uncompressedBytes: encodedBatch.length, compressed: gz }),
      encodeFrame({ type: 'END', requestId: 3, rows: 4 }),
      encodeFrame({ type: 'PING', requestId: 4 }),
    ],
    (messages) => messages.some((m) => m.type === 'PONG') && messages.some((m) => m.requestId === 3),
  );
  const byRequest = new Map(received.filter((m) => m.requestId !== 0).map((m) => [m.requestId, m]));
  const bad = byRequest.get(1);
  assert.ok(bad?.type === 'ERROR' && bad.code === 'PROTOCOL_ERROR', JSON.stringify(bad));
  assert.match(bad.message, /inflates to \d+ bytes, it declares \d+/);
  const missing = byRequest.get(2);
  assert.ok(missing?.type === 'ERROR' && missing.code === 'STREAM_NOT_FOUND');
  const good = byRequest.get(3);
  assert.ok(good?.type === 'INSERT_OK', JSON.stringify(good));
  assert.equal(good.rows, 4);
  assert.ok(byRequest.get(4)?.type === 'PONG', 'the connection is still in use');
  assert.deepEqual((await node.query('SELECT count() FROM table(`root.raw`.d)')).rows, [[4n]]);

  await node.execute('CREATE STREAM plain_target (s0 nullable(int32))');
  const refused = await afterHandshake(
    v2Server.port,
    [
      encodeFrame({ type: 'INSERT', requestId: 5, database: 'default', stream: 'plain_target' }),
      encodeFrame({ type: 'DATA_COMPRESSED', requestId: 5, compressor: 'gzip', uncompressedBytes: encodedBatch.length, compressed: gz }),
      encodeFrame({ type: 'END', requestId: 5, rows: 2 }),
    ],
    (messages) => messages.some((m) => m.requestId === 5),
  );
  const answer = refused.find((m) => m.requestId === 5);
  assert.ok(answer?.type === 'ERROR' && answer.code === 'PROTOCOL_ERROR');
  assert.match(answer.message, /DATA_COMPRESSED is allowed inside PIPE_INSERT only/);
  assert.deepEqual((await node.query('SELECT count() FROM table(plain_target)')).rows, [[0n]]);
});
