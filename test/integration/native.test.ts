// Native protocol end to end: a real server on 127.0.0.1 (port 0) over an embedded node in a temp
// directory, and the real client, in this process. Covers the handshake and version negotiation,
// bounded and streaming queries (with inserts while streaming), acknowledged inserts, errors with
// wire codes, cancel, back-pressure (a consumer that stops pulling stops the server's scan and keeps
// its buffers bounded; measured through the server's counters), disconnects, reconnects, TLS, close.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { DbError, isDbError, type ErrorCode } from '../../src/core/errors.ts';
import { openNode, type TributaryNode } from '../../src/engine/node.ts';
import { type Batch, batchFromRows, rowArraysOf } from '../../src/types/batch.ts';
import { T } from '../../src/types/data-type.ts';
import type { Value } from '../../src/types/vector.ts';
import { type Client, connect } from '../../src/net/index.ts';
import { type NativeServer, startNativeServer } from '../../src/net/native-server.ts';
import { FrameDecoder } from '../../src/net/protocol/codec.ts';
import { type Message, encodeFrame } from '../../src/net/protocol/frame.ts';
import { tempDir } from '../support/temp-dir.ts';

const HOST = '127.0.0.1';
let node: TributaryNode;
let server: NativeServer;
const clients: Client[] = [];

before(async () => {
  node = await openNode({ dataDir: tempDir('trib-native-') });
  server = await startNativeServer({ node, host: HOST, port: 0, nodeId: 'test-node' });
});

after(async () => {
  for (const client of clients) client.close();
  await server.close();
  await node.close();
});

async function client(options: Partial<Parameters<typeof connect>[0]> = {}): Promise<Client> {
  const made = await connect({ host: HOST, port: server.port, clientName: 'native.test', ...options });
  clients.push(made);
  return made;
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, pattern?: RegExp): Promise<DbError> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(isDbError(caught, code), `expected ${code}, got ${String(caught)}`);
  if (pattern !== undefined) assert.match(caught.message, pattern);
  return caught;
}

const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await tick(10);
  }
}

function sensorBatch(device: string, values: readonly number[]): Batch {
  return batchFromRows(
    [
      { name: '_tp_time', type: T.datetime64('UTC') },
      { name: 'device', type: T.string },
      { name: 'v', type: T.int32 },
    ],
    values.map((v) => ({ _tp_time: 1_700_000_000_000 + v, device, v })),
  );
}

test('native: handshake, server info and ping', async () => {
  const c = await client();
  assert.deepEqual(c.serverInfo, { version: 2, serverNodeId: 'test-node', serverVersion: 'tributary 0.1.0', database: 'default' });
  await c.ping();
  await c.ping();
});

test('native: bad password and unknown database are refused with wire codes', async () => {
  const auth = await rejectsWith(connect({ host: HOST, port: server.port, user: 'default', password: 'nope' }), 'AUTH_FAILED');
  assert.equal(auth.wireCode, 602);
  assert.doesNotMatch(auth.message, /nope/, 'the password is never echoed');
  await rejectsWith(connect({ host: HOST, port: server.port, database: 'missing' }), 'DATABASE_NOT_FOUND', /missing/);
});

test('native: version negotiation picks the highest common version or names both ranges', async () => {
  const newer = await startNativeServer({ node, host: HOST, port: 0, versions: { min: 1, max: 3 } });
  try {
    const c = await connect({ host: HOST, port: newer.port, versions: { min: 2, max: 5 } });
    assert.equal(c.serverInfo?.version, 3);
    await c.ping();
    c.close();
    const error = await rejectsWith(connect({ host: HOST, port: newer.port, versions: { min: 4, max: 6 } }), 'PROTOCOL_VERSION');
    assert.match(error.message, /client speaks protocol versions \[4, 6\], this server speaks \[1, 3\]/);
    assert.equal(error.wireCode, 601);
  } finally {
    await newer.close();
  }
});

/** Opens a raw socket, writes frames, and collects what the server answers until it closes. */
async function rawExchange(port: number, frames: readonly Uint8Array[]): Promise<Message[]> {
  const socket = net.connect({ host: HOST, port });
  const decoder = new FrameDecoder();
  const received: Message[] = [];
  socket.on('data', (chunk: Buffer) => received.push(...decoder.push(new Uint8Array(chunk))));
  await new Promise((resolve) => socket.once('connect', resolve));
  for (const frame of frames) socket.write(frame);
  await new Promise((resolve) => socket.once('close', resolve));
  return received;
}

test('native: a frame before HELLO is a protocol error and closes the connection', async () => {
  const received = await rawExchange(server.port, [encodeFrame({ type: 'PING', requestId: 1 })]);
  assert.equal(received.length, 1);
  assert.equal(received[0].type, 'ERROR');
  if (received[0].type === 'ERROR') {
    assert.equal(received[0].code, 'PROTOCOL_ERROR');
    assert.match(received[0].message, /first frame must be HELLO, got PING/);
  }
});

test('native: an HTTP request on the native port gets a clear error', async () => {
  const received = await rawExchange(server.port, [new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]);
  assert.equal(received[0]?.type, 'ERROR');
  if (received[0]?.type === 'ERROR') {
    assert.equal(received[0].code, 'FRAME_TOO_LARGE');
    assert.match(received[0].message, /HANDSHAKE_FRAME_BYTES_MAX.*HTTP/);
  }
});

test('native: statements, row inserts acknowledged then visible, bounded queries with params', async () => {
  const c = await client();
  assert.deepEqual(await c.execute('CREATE STREAM sensors (device string, v int32, note nullable(string))'), { writtenRows: 0 });
  assert.deepEqual(await c.execute("INSERT INTO sensors (device, v) VALUES ('sql', 0)"), { writtenRows: 1 });
  const ack = await c.insert('sensors', [
    { device: 'a', v: 1 },
    { device: 'b', v: 2, note: 'hi' },
  ]);
  assert.equal(ack.rows, 2);
  assert.equal(ack.endSn - ack.firstSn, 2);
  const result = await c.query('SELECT device, v, note FROM table(sensors) ORDER BY v');
  assert.deepEqual(result.schema.map((col) => col.name), ['device', 'v', 'note']);
  assert.deepEqual(result.rows, [
    ['sql', 0, null],
    ['a', 1, null],
    ['b', 2, 'hi'],
  ]);
  const params = await c.query('SELECT device FROM table(sensors) WHERE v = {v:int32}', { params: { v: 2 } });
  assert.deepEqual(params.rows, [['b']]);
  const batchAck = await c.insert('sensors', [sensorBatch('c', [3, 4]), sensorBatch('c', [5])].map((b) => withNote(b)));
  assert.equal(batchAck.rows, 3);
  const count = await c.query('SELECT count() FROM table(sensors)');
  assert.deepEqual(count.rows, [[6n]]);
});

function withNote(batch: Batch): Batch {
  const rows = rowArraysOf(batch).map(([time, device, v]) => ({ _tp_time: time, device, v, note: null }));
  return batchFromRows(
    [
      { name: '_tp_time', type: T.datetime64('UTC') },
      { name: 'device', type: T.string },
      { name: 'v', type: T.int32 },
      { name: 'note', type: T.nullable(T.string) },
    ],
    rows as Record<string, Value>[],
  );
}

test('native: errors carry their wire codes and leave the connection usable', async () => {
  const c = await client();
  assert.equal((await rejectsWith(c.query('SELECT * FROM table(nope)'), 'STREAM_NOT_FOUND', /nope/)).wireCode, 204);
  assert.equal((await rejectsWith(c.query('SELEC 1'), 'SYNTAX_ERROR')).wireCode, 400);
  await rejectsWith(c.insert('nope', [sensorBatch('x', [1])]), 'STREAM_NOT_FOUND', /default\.nope/);
  await c.execute('CREATE STREAM typed (v int32)');
  await rejectsWith(c.insert('typed', [sensorBatch('x', [1])]), 'SCHEMA_MISMATCH');
  await rejectsWith(c.insert('typed', [{ v: 1, extra: 2 }]), 'INVALID_VALUE', /no column 'extra'/);
  await rejectsWith(c.query('SELECT 1', { settings: { nonsense: 1 } }), 'INVALID_SETTING', /nonsense/);
  await c.insert('typed', [{ v: 1 }, { v: 2 }]);
  await rejectsWith(c.query('SELECT v FROM table(typed)', { settings: { max_result_rows: 1 } }), 'LIMIT_EXCEEDED', /max_result_rows/);
  await rejectsWith(c.query('SELECT v FROM typed'), 'INVALID_ARGUMENT', /queryStream/);
  await c.ping();
});

test('native: a streaming query delivers rows inserted while it runs; breaking out cancels it', async () => {
  const c = await client();
  const writer = await client();
  await c.execute('CREATE STREAM live (device string, v int32)');
  const stream = c.queryStream('SELECT device, v FROM live');
  assert.deepEqual((await stream.schema).map((col) => col.name), ['device', 'v']);
  await tick();
  const rows: Value[][] = [];
  const reading = (async () => {
    for await (const batch of stream) {
      rows.push(...rowArraysOf(batch));
      if (rows.length >= 3) break;
    }
  })();
  await writer.insert('live', [{ device: 'a', v: 1 }]);
  await writer.insert('live', [
    { device: 'b', v: 2 },
    { device: 'c', v: 3 },
  ]);
  await reading;
  assert.deepEqual(rows, [
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ]);
  await until(() => server.stats().queriesRunning === 0, 'the cancelled query to stop on the server');
  await c.ping();
});

test('native: cancel through an AbortSignal stops a running query', async () => {
  const c = await client();
  await c.execute('CREATE STREAM idle (v int32)');
  const controller = new AbortController();
  const stream = c.queryStream('SELECT v FROM idle', { signal: controller.signal });
  await stream.schema;
  await until(() => server.stats().queriesRunning >= 1, 'the query to run');
  const pending = stream.next();
  controller.abort();
  await rejectsWith(pending, 'QUERY_CANCELLED');
  await until(() => server.stats().queriesRunning === 0, 'the query to stop');
  await c.ping();
});

test('native: back-pressure: a consumer that stops pulling stops the scan; buffers stay bounded', async () => {
  const writer = await client();
  await writer.execute('CREATE STREAM burst (_tp_time datetime64(3, \'UTC\'), device string, v int32)');
  const creditFrames = 2;
  const c = await client({ creditFrames, creditBytes: 1 << 20 });
  const stream = c.queryStream('SELECT device, v FROM burst');
  await stream.schema;
  await tick();
  const framesBefore = server.stats().dataFramesSent;
  const batches = 40;
  const rowsPerBatch = 1_000;
  const values = Array.from({ length: rowsPerBatch }, (_, i) => i);
  // One insert per batch: the log holds 40 batches, the query would send 40 DATA frames.
  for (let i = 0; i < batches; i++) await writer.insert('burst', sensorBatch(`d${i}`, values));
  const first = await stream.next();
  assert.equal(first.done, false);
  await tick(200);
  const sent = server.stats().dataFramesSent - framesBefore;
  // The initial window (2) plus what pulling one batch paid back (1): the scan waits for credit.
  assert.ok(sent <= creditFrames + 1, `server sent ${sent} DATA frames to a consumer that pulled 1`);
  assert.ok(server.stats().outboundBufferedBytesPeak <= 8 * 1024 * 1024, 'socket buffers stayed under CONNECTION_WRITE_BUFFER_BYTES_MAX');
  // Pulling again resumes the scan: every row arrives, in order.
  let rows = first.done === false ? first.value.rowCount : 0;
  for await (const batch of stream) {
    rows += batch.rowCount;
    if (rows >= batches * rowsPerBatch) break;
  }
  assert.equal(rows, batches * rowsPerBatch);
});

test('native: a client disconnect cancels its queries on the server', async () => {
  const c = await connect({ host: HOST, port: server.port });
  await c.execute('CREATE STREAM watched (v int32)');
  const before = server.stats().connections;
  const stream = c.queryStream('SELECT v FROM watched');
  await stream.schema;
  await until(() => server.stats().queriesRunning >= 1, 'the query to run');
  const pending = stream.next();
  c.close();
  await rejectsWith(pending, 'CONNECTION_CLOSED');
  await until(() => server.stats().queriesRunning === 0 && server.stats().connections === before - 1, 'the server to cancel the query');
  await rejectsWith(c.ping(), 'CONNECTION_CLOSED', /client is closed/);
});

/** A fake server: answers HELLO, PONGs pings, and drops the connection on any QUERY. */
async function flakyServer(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const fake = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const message of decoder.push(new Uint8Array(chunk))) {
        if (message.type === 'HELLO') socket.write(encodeFrame({ type: 'HELLO_OK', requestId: 0, version: 1, serverNodeId: 'fake', serverVersion: 'fake', database: 'default' }));
        else if (message.type === 'PING') socket.write(encodeFrame({ type: 'PONG', requestId: message.requestId }));
        else if (message.type === 'QUERY') socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, HOST, resolve));
  const address = fake.address() as net.AddressInfo;
  return {
    port: address.port,
    accepted: () => accepted,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => fake.close(() => resolve()));
    },
  };
}

test('native: a dropped connection fails in-flight requests with CONNECTION_CLOSED; the next call reconnects', async () => {
  const fake = await flakyServer();
  try {
    const c = await connect({ host: HOST, port: fake.port });
    await c.ping();
    const error = await rejectsWith(c.query('SELECT 1'), 'CONNECTION_CLOSED');
    assert.equal(error.retry, 'backoff');
    await c.ping();
    assert.equal(fake.accepted(), 2);
    c.close();
  } finally {
    await fake.close();
  }
});

test('native: TLS with the server certificate as CA; an unknown certificate is refused', async () => {
  const dir = tempDir('trib-tls-');
  // openssl comes from Debian's package; npm's pretest (scripts/ensure-system-packages.sh) installs it.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'cert.pem'));
  const secure = await startNativeServer({ node, host: HOST, port: 0, tls: { cert, key: readFileSync(join(dir, 'key.pem')) } });
  try {
    const c = await connect({ host: HOST, port: secure.port, secure: true, ca: cert });
    await c.ping();
    await c.execute('CREATE STREAM IF NOT EXISTS tls_s (v int32)');
    assert.equal((await c.insert('tls_s', [{ v: 7 }])).rows, 1);
    c.close();
    await rejectsWith(connect({ host: HOST, port: secure.port, secure: true }), 'CONNECTION_CLOSED', /certificate/);
  } finally {
    await secure.close();
  }
});

test('native: close() cancels running queries and closes connections', async () => {
  const own = await startNativeServer({ node, host: HOST, port: 0 });
  const c = await connect({ host: HOST, port: own.port });
  await c.execute('CREATE STREAM IF NOT EXISTS closing (v int32)');
  const stream = c.queryStream('SELECT v FROM closing');
  await stream.schema;
  const outcome = rejectsWith(stream.next(), 'QUERY_CANCELLED', /shutting down/);
  await own.close();
  const error = await outcome;
  assert.equal(error.wireCode, 501);
  assert.equal(own.stats().connections, 0);
  await rejectsWith(c.ping(), 'CONNECTION_CLOSED');
  c.close();
});
