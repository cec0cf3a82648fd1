// The receiving end of pipe transfers, end to end: real native servers on 127.0.0.1 (free ports) over
// embedded nodes in temporary directories, and the real client speaking PIPE_INSERT as a pipe sender
// (client name PIPE_CLIENT_NAME). Covers schema auto-creation (database, device stream, measurement
// columns added later, concurrent creators), reading the rows back with IoTDB's SELECT **, exactly-once
// replays, gzip frames, pipelined transfers keeping their order, enable_auto_create_schema off,
// casts and type conflicts, ip_white_list at the handshake, who may send PIPE_INSERT, a version 1
// peer, and the registry of incoming pipes (reports, persistence across a restart).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type DbError, type ErrorCode, isDbError } from '../../src/core/errors.ts';
import { openNode, type NodeOptions, type TributaryNode } from '../../src/engine/node.ts';
import { PipeReceiver } from '../../src/engine/iotdb/pipe-receiver.ts';
import { type Batch, type Column, type Origin, batchFromRows } from '../../src/types/batch.ts';
import { formatDataType, T } from '../../src/types/data-type.ts';
import type { Value } from '../../src/types/vector.ts';
import { type Client, PIPE_CLIENT_NAME, connect } from '../../src/net/index.ts';
import { type NativeServer, startNativeServer } from '../../src/net/native-server.ts';
import { loadServerConfig, pipeSettingsOf } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/logger.ts';
import { startNodeServer } from '../../src/server/node-server.ts';
import { tempDir } from '../support/temp-dir.ts';

const HOST = '127.0.0.1';
const SENDER_NODE_ID = 'edge-1';

interface Running {
  readonly node: TributaryNode;
  readonly server: NativeServer;
  readonly dataDir: string;
}

const running: Running[] = [];
const clients: Client[] = [];

async function start(options: Partial<NodeOptions> = {}, dataDir = tempDir('trib-pipe-recv-')): Promise<Running> {
  const node = await openNode({ dataDir, ...options });
  const server = await startNativeServer({ node, host: HOST, port: 0, nodeId: node.nodeId });
  const made = { node, server, dataDir };
  running.push(made);
  return made;
}

async function stop(target: Running): Promise<void> {
  running.splice(running.indexOf(target), 1);
  await target.server.close();
  await target.node.close();
}

async function sender(target: Running, options: Partial<Parameters<typeof connect>[0]> = {}): Promise<Client> {
  const client = await connect({ host: HOST, port: target.server.port, clientName: PIPE_CLIENT_NAME, nodeId: SENDER_NODE_ID, ...options });
  clients.push(client);
  return client;
}

let main: Running;

before(async () => {
  main = await start();
});

after(async () => {
  for (const client of clients) client.close();
  for (const target of [...running]) await stop(target);
});

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

const T0 = 1_700_000_000_000;

function batch(columns: readonly Column[], rows: readonly Record<string, Value>[]): Batch {
  return batchFromRows([{ name: '_tp_time', type: T.datetime64('UTC') }, ...columns], rows);
}

function origin(lane: number, firstSn: number, lastSn: number, taskId = 'pipe:a2b'): Origin {
  return { nodeId: SENDER_NODE_ID, taskId, lane, firstSn, lastSn };
}

function columnsOf(node: TributaryNode, database: string, stream: string): string[] {
  return (node.storage.catalog.findStream(database, stream)?.columns ?? []).map((c) => `${c.name} ${formatDataType(c.type)}`);
}

async function aligned(client: Client, sql: string): Promise<{ columns: string[]; rows: Value[][] }> {
  const result = await client.query(sql);
  return { columns: result.schema.map((c) => c.name), rows: result.rows.map((row) => row.map((v) => (typeof v === 'bigint' ? Number(v) : v))) };
}

test('pipe receiver: a transfer creates the database and the device stream, and SELECT ** reads it back', async () => {
  const client = await sender(main);
  assert.equal(client.serverInfo?.version, 2);
  const first = batch(
    [
      { name: 's0', type: T.int32 },
      { name: 's1', type: T.nullable(T.string) },
    ],
    [
      { _tp_time: T0 + 1, s0: 10, s1: null },
      { _tp_time: T0 + 2, s0: 12, s1: '12' },
    ],
  );
  const result = await client.pipeInsert('root.vehicle', 'd0', first, { pipe: 'a2b', autoCreate: true, origin: origin(0, 0, 1) });
  assert.deepEqual(result, { rows: 2, duplicate: false });
  assert.ok(main.node.storage.catalog.findDatabase('root.vehicle') !== undefined);
  assert.deepEqual(columnsOf(main.node, 'root.vehicle', 'd0'), ["_tp_time datetime64(3, 'UTC')", 's0 nullable(int32)', 's1 nullable(string)']);
  const read = await aligned(client, 'SELECT ** FROM root.vehicle');
  assert.deepEqual(read.columns, ['Time', 'root.vehicle.d0.s0', 'root.vehicle.d0.s1']);
  assert.deepEqual(
    read.rows.map((r) => r.slice(1)),
    [
      [10, null],
      [12, '12'],
    ],
  );

  // A second batch with another measurement adds its column; earlier rows read it as NULL.
  const second = batch([{ name: 's2', type: T.float64 }], [{ _tp_time: T0 + 3, s2: 16.5 }]);
  assert.deepEqual(await client.pipeInsert('root.vehicle', 'd0', second, { pipe: 'a2b', autoCreate: true, origin: origin(0, 2, 2) }), { rows: 1, duplicate: false });
  assert.deepEqual(columnsOf(main.node, 'root.vehicle', 'd0').slice(3), ['s2 nullable(float64)']);
  const again = await aligned(client, 'SELECT ** FROM root.vehicle');
  assert.deepEqual(again.columns, ['Time', 'root.vehicle.d0.s0', 'root.vehicle.d0.s1', 'root.vehicle.d0.s2']);
  assert.deepEqual(
    again.rows.map((r) => r.slice(1)),
    [
      [10, null, null],
      [12, '12', null],
      [null, null, 16.5],
    ],
  );

  // The same origin again: acknowledged as a duplicate, nothing written.
  assert.deepEqual(await client.pipeInsert('root.vehicle', 'd0', second, { pipe: 'a2b', autoCreate: true, origin: origin(0, 2, 2) }), { rows: 0, duplicate: true });
  assert.equal((await aligned(client, 'SELECT ** FROM root.vehicle')).rows.length, 3);
});

test('pipe receiver: a gzip-compressed batch is inflated and appended', async () => {
  const client = await sender(main);
  const rows = Array.from({ length: 5_000 }, (_, i) => ({ _tp_time: T0 + 10_000 + i, s0: i % 7, s1: `value ${i % 13}` }));
  const compressed = batch(
    [
      { name: 's0', type: T.nullable(T.int32) },
      { name: 's1', type: T.nullable(T.string) },
    ],
    rows,
  );
  const result = await client.pipeInsert('root.gz', 'd1', compressed, { pipe: 'gz', autoCreate: true, compressor: 'gzip', origin: origin(0, 0, 4_999, 'pipe:gz') });
  assert.deepEqual(result, { rows: 5_000, duplicate: false });
  const read = await client.query('SELECT count(), sum(s0) FROM table(`root.gz`.d1)');
  assert.deepEqual(read.rows[0]?.map(Number), [5_000, rows.reduce((sum, r) => sum + r.s0, 0)]);
});

test('pipe receiver: pipelined transfers on one connection keep their call order (mixed compressed and plain)', async () => {
  const client = await sender(main);
  const pending: Promise<{ rows: number; duplicate: boolean }>[] = [];
  let sn = 0;
  for (let i = 0; i < 24; i++) {
    const count = i % 3 === 0 ? 3_000 : 2;
    const rows = Array.from({ length: count }, (_, r) => ({ _tp_time: T0 + sn + r, s0: i }));
    const next = batch([{ name: 's0', type: T.nullable(T.int32) }], rows);
    pending.push(
      client.pipeInsert('root.order', 'd', next, { pipe: 'order', autoCreate: true, compressor: i % 2 === 0 ? 'gzip' : null, origin: origin(0, sn, sn + count - 1, 'pipe:order') }),
    );
    sn += count;
  }
  const results = await Promise.all(pending);
  assert.ok(
    results.every((r) => !r.duplicate),
    'a batch overtaken by a later one of its lane would look like a replay',
  );
  const read = await client.query('SELECT count(), min(s0), max(s0) FROM table(`root.order`.d)');
  assert.deepEqual(read.rows[0]?.map(Number), [sn, 0, 23]);
});

test('pipe receiver: concurrent senders creating the same device both succeed', async () => {
  const [a, b] = [await sender(main), await sender(main, { nodeId: 'edge-2' })];
  const make = (name: string) => batch([{ name, type: T.nullable(T.float64) }], [{ _tp_time: T0, [name]: 1.5 }]);
  const results = await Promise.all([
    a.pipeInsert('root.fleet', 'truck', make('speed'), { pipe: 'p', autoCreate: true }),
    b.pipeInsert('root.fleet', 'truck', make('load'), { pipe: 'p', autoCreate: true }),
  ]);
  assert.deepEqual(
    results.map((r) => r.rows),
    [1, 1],
  );
  assert.deepEqual(columnsOf(main.node, 'root.fleet', 'truck').slice(1).sort(), ['load nullable(float64)', 'speed nullable(float64)']);
});

test('pipe receiver: values are cast to the stream types; a value that cannot be is SCHEMA_MISMATCH naming the series', async () => {
  const client = await sender(main);
  await main.node.execute('CREATE TIMESERIES root.cast.d.s WITH DATATYPE=INT32');
  const texts = (values: readonly string[]) => batch([{ name: 's', type: T.string }], values.map((s, i) => ({ _tp_time: T0 + i, s })));
  assert.equal((await client.pipeInsert('root.cast', 'd', texts(['12', '13']), { pipe: 'cast', autoCreate: false })).rows, 2);
  const error = await rejectsWith(client.pipeInsert('root.cast', 'd', texts(['abc']), { pipe: 'cast', autoCreate: false }), 'SCHEMA_MISMATCH', /root\.cast\.d\.s \(nullable\(int32\) here, string from the sender\)/);
  assert.equal(error.retry, 'no');
  assert.deepEqual((await client.query('SELECT s FROM table(`root.cast`.d) ORDER BY s')).rows, [[12], [13]]);
});

test('pipe receiver: a database that would overlap another is refused, and nothing is created', async () => {
  const client = await sender(main);
  const one = batch([{ name: 's', type: T.nullable(T.int32) }], [{ _tp_time: T0, s: 1 }]);
  await rejectsWith(client.pipeInsert('root.vehicle.d9', 'x', one, { pipe: 'overlap', autoCreate: true }), 'DATABASE_EXISTS', /root\.vehicle is a database and IoTDB databases do not nest/);
  await rejectsWith(client.pipeInsert('plain', 'x', one, { pipe: 'overlap', autoCreate: true }), 'INVALID_NAME', /creates IoTDB databases only/);
  await rejectsWith(client.pipeInsert('root.ok', 'x', batch([{ name: 'time', type: T.int32 }], [{ _tp_time: T0, time: 1 }]), { pipe: 'overlap', autoCreate: true }), 'INVALID_NAME', /time column/);
  const names = main.node.storage.catalog.listDatabases().map((d) => d.name);
  assert.ok(!names.includes('root.vehicle.d9') && !names.includes('plain') && !names.includes('root.ok'));
  assert.ok(!main.node.pipeReceiver.list().some((e) => e.pipe === 'overlap'), 'a refused transfer is not recorded');
});

test('pipe receiver: with enable_auto_create_schema off, missing schema is a clear error and nothing is created', async () => {
  const strict = await start({ autoCreateSchema: false });
  const client = await sender(strict);
  const one = batch([{ name: 's0', type: T.nullable(T.int32) }], [{ _tp_time: T0, s0: 1 }]);
  const error = await rejectsWith(client.pipeInsert('root.vehicle', 'd0', one, { pipe: 'a2b', autoCreate: true }), 'DATABASE_NOT_FOUND', /root\.vehicle\.d0\.s0.*enable_auto_create_schema off/);
  assert.equal(error.retry, 'no');
  assert.equal(strict.node.storage.catalog.findDatabase('root.vehicle'), undefined);
  await strict.node.execute('CREATE DATABASE root.vehicle');
  await rejectsWith(client.pipeInsert('root.vehicle', 'd0', one, { pipe: 'a2b', autoCreate: true }), 'STREAM_NOT_FOUND', /root\.vehicle\.d0.*enable_auto_create_schema off/);
  await strict.node.execute('CREATE TIMESERIES root.vehicle.d0.s1 WITH DATATYPE=TEXT');
  await rejectsWith(client.pipeInsert('root.vehicle', 'd0', one, { pipe: 'a2b', autoCreate: true }), 'SCHEMA_MISMATCH', /timeseries root\.vehicle\.d0\.s0 do not exist.*enable_auto_create_schema off/);
  assert.deepEqual(columnsOf(strict.node, 'root.vehicle', 'd0'), ["_tp_time datetime64(3, 'UTC')", 's1 nullable(string)']);
  assert.deepEqual(strict.node.pipeReceiver.list(), []);
  // Once the series exist, the same transfer goes in.
  await strict.node.execute('CREATE TIMESERIES root.vehicle.d0.s0 WITH DATATYPE=INT32');
  assert.equal((await client.pipeInsert('root.vehicle', 'd0', one, { pipe: 'a2b', autoCreate: true })).rows, 1);
  // A sender that does not ask for creation gets no creation on a node that allows it either.
  const plain = await sender(main);
  await rejectsWith(plain.pipeInsert('root.nocreate', 'd', one, { pipe: 'n', autoCreate: false }), 'DATABASE_NOT_FOUND', /auto_create=false/);
});

test('pipe receiver: a sender outside ip_white_list is refused at the handshake; other clients are not checked', async () => {
  const guarded = await start({ ipWhiteList: ['10.0.0.0/8'] });
  const error = await rejectsWith(
    connect({ host: HOST, port: guarded.server.port, clientName: PIPE_CLIENT_NAME, nodeId: SENDER_NODE_ID }),
    'PIPE_SENDER_REFUSED',
    /Sender IP is not in the white list of receiver IP and synchronization tasks are not allowed\. \(sender 127\.0\.0\.1, ip_white_list 10\.0\.0\.0\/8\)/,
  );
  assert.equal(error.retry, 'no');
  await rejectsWith(connect({ host: HOST, port: guarded.server.port, clientName: `${PIPE_CLIENT_NAME}/edge-1` }), 'PIPE_SENDER_REFUSED');
  const ordinary = await connect({ host: HOST, port: guarded.server.port, clientName: 'tributary-client' });
  clients.push(ordinary);
  await ordinary.ping();
  const empty = await start({ ipWhiteList: [] });
  await rejectsWith(connect({ host: HOST, port: empty.server.port, clientName: PIPE_CLIENT_NAME }), 'PIPE_SENDER_REFUSED', /ip_white_list \)/);
});

test('pipe receiver: ip_white_list matching (IPv4, IPv4-mapped IPv6, IPv6), and bad entries', async () => {
  const receiver = async (ipWhiteList: readonly string[]) =>
    PipeReceiver.open({ dataDir: tempDir('trib-pipe-wl-'), storage: main.node.storage, clock: main.node.clock, autoCreateSchema: true, ipWhiteList });
  const v4 = await receiver(['127.0.0.1/32', '192.168.0.0/16']);
  for (const ip of ['127.0.0.1', '::ffff:127.0.0.1', '192.168.4.5', '::FFFF:192.168.0.1']) assert.doesNotThrow(() => v4.checkSender(ip), ip);
  for (const ip of ['127.0.0.2', '::1', '10.0.0.1', 'not-an-ip']) assert.throws(() => v4.checkSender(ip), (e: unknown) => isDbError(e, 'PIPE_SENDER_REFUSED'), ip);
  assert.throws(() => v4.checkSender('::ffff:10.1.2.3'), /sender 10\.1\.2\.3,/);
  const v6 = await receiver(['::1', 'fd00::/8']);
  assert.doesNotThrow(() => v6.checkSender('::1'));
  assert.doesNotThrow(() => v6.checkSender('fd12::5'));
  assert.throws(() => v6.checkSender('127.0.0.1'), (e: unknown) => isDbError(e, 'PIPE_SENDER_REFUSED'));
  await assert.rejects(receiver(['10.0.0.0/33']), (e: unknown) => isDbError(e, 'INVALID_SETTING') && /ip_white_list: "10\.0\.0\.0\/33"/.test(e.message));
});

test('pipe receiver: PIPE_INSERT is for pipe sender connections only', async () => {
  const ordinary = await connect({ host: HOST, port: main.server.port, clientName: 'tributary-client' });
  clients.push(ordinary);
  const one = batch([{ name: 's', type: T.nullable(T.int32) }], [{ _tp_time: T0, s: 1 }]);
  await rejectsWith(ordinary.pipeInsert('root.sneaky', 'd', one, { pipe: 'x', autoCreate: true }), 'ACCESS_DENIED', /PIPE_INSERT is for pipe senders: connect with client name 'tributary-pipe'/);
  await ordinary.ping(); // the connection stays usable
  assert.equal(main.node.storage.catalog.findDatabase('root.sneaky'), undefined);
});

test('pipe receiver: a receiver speaking protocol 1 gets PROTOCOL_VERSION from pipeInsert', async () => {
  const old = await sender(main, { versions: { min: 1, max: 1 } });
  const one = batch([{ name: 's', type: T.nullable(T.int32) }], [{ _tp_time: T0, s: 1 }]);
  await rejectsWith(old.pipeInsert('root.v1', 'd', one, { pipe: 'x', autoCreate: true }), 'PROTOCOL_VERSION', /speaks protocol 1.*legacy sink/);
  assert.equal(old.serverInfo?.version, 1);
  assert.deepEqual((await old.query('SELECT 1 + 1')).rows, [[2n]], 'the version 1 connection still serves queries');
});

test('pipe receiver: the registry lists incoming pipes, takes reports, and survives a restart', async () => {
  const dataDir = tempDir('trib-pipe-registry-');
  let target = await start({}, dataDir);
  let client = await sender(target);
  const one = batch([{ name: 's', type: T.nullable(T.int32) }], [{ _tp_time: T0, s: 1 }]);
  const before = Date.now();
  await client.pipeInsert('root.vehicle', 'd0', one, { pipe: 'my_pipe2', autoCreate: true });
  await client.pipeInsert('root.vehicle', 'd1', one, { pipe: 'my_pipe2', autoCreate: true });
  await client.pipeInsert('root.plant', 'd0', one, { pipe: 'my_pipe2', autoCreate: true });
  let [entry] = target.node.pipeReceiver.list();
  assert.equal(target.node.pipeReceiver.list().length, 1);
  assert.equal(entry.pipe, 'my_pipe2');
  assert.equal(entry.senderIp, '127.0.0.1');
  assert.equal(entry.senderNodeId, SENDER_NODE_ID);
  assert.equal(entry.state, 'RUNNING');
  assert.deepEqual(entry.databases, ['root.vehicle', 'root.plant']);
  assert.ok(entry.createTimeMs >= before && entry.lastSeenMs >= entry.createTimeMs);
  const created = entry.createTimeMs;

  // A report (no data) sets the state; it writes nothing into any stream.
  assert.deepEqual(await client.pipeInsert('', '', null, { pipe: 'my_pipe2', autoCreate: false, report: { state: 'STOP' } }), { rows: 0, duplicate: false });
  [entry] = target.node.pipeReceiver.list();
  assert.equal(entry.state, 'STOP');
  await rejectsWith(client.pipeInsert('', '', null, { pipe: 'my_pipe2', autoCreate: false, report: { state: 'PAUSED' } }), 'INVALID_ARGUMENT', /state/);
  await rejectsWith(client.pipeInsert('', '', null, { pipe: '', autoCreate: false }), 'INVALID_ARGUMENT', /must name its pipe/);
  assert.equal(target.node.pipeReceiver.list()[0]?.state, 'STOP', 'a bad report changes nothing');

  // Restart: the registry is read back as it was written.
  client.close();
  await stop(target);
  target = await start({}, dataDir);
  [entry] = target.node.pipeReceiver.list();
  assert.equal(entry.state, 'STOP');
  assert.equal(entry.createTimeMs, created);
  assert.deepEqual(entry.databases, ['root.vehicle', 'root.plant']);

  // Data marks it RUNNING again; a DROP report marks it and keeps the row.
  client = await sender(target);
  await client.pipeInsert('root.vehicle', 'd0', one, { pipe: 'my_pipe2', autoCreate: true });
  assert.equal(target.node.pipeReceiver.list()[0]?.state, 'RUNNING');
  await client.pipeInsert('', '', null, { pipe: 'my_pipe2', autoCreate: false, report: { state: 'DROP' } });
  assert.deepEqual(
    target.node.pipeReceiver.list().map((e) => [e.pipe, e.state]),
    [['my_pipe2', 'DROP']],
  );
});

test('server config: IoTDB receiver and pipe keys, with the white list reaching the node', async () => {
  const dataDir = tempDir('trib-pipe-config-');
  const config = loadServerConfig({
    flags: { data_dir: dataDir, tcp_port: 0, http_port: 0, ip_white_list: '192.168.0.1/32, 10.0.0.0/8', pipe_connector_timeout_ms: '60000', pipe_initial_state: 'stopped' },
  });
  assert.deepEqual(config.ip_white_list, ['192.168.0.1/32', '10.0.0.0/8']);
  assert.deepEqual(pipeSettingsOf(config), {
    initialState: 'STOPPED',
    subtaskExecutorMaxThreadNum: 5,
    sinkTimeoutMs: 60_000,
    sinkMaxClientNumber: 16,
    maxNumberOfSyncFileRetry: 5,
    allSinksRateLimitBytesPerSecond: -1,
  });
  assert.equal(pipeSettingsOf(loadServerConfig({ flags: { data_dir: dataDir } })).sinkTimeoutMs, 900_000);
  assert.deepEqual(loadServerConfig({ flags: { data_dir: dataDir, ip_white_list: '' } }).ip_white_list, []);
  assert.throws(() => loadServerConfig({ flags: { data_dir: dataDir, pipe_sink_timeout_ms: 5, pipe_connector_timeout_ms: 6 } }), /pipe_connector_timeout_ms: .*set one/);
  assert.throws(() => loadServerConfig({ flags: { data_dir: dataDir, max_number_of_sync_file_retry: -1 } }), /max_number_of_sync_file_retry: expected an integer 0\.\.2147483647/);
  assert.throws(() => loadServerConfig({ flags: { data_dir: dataDir, ip_white_list: '10.0.0.0/8,bogus' } }), /ip_white_list: expected an IP address or CIDR block/);
  assert.throws(() => loadServerConfig({ flags: { data_dir: dataDir, pipe_async_connector_selector_number: 1 } as never }), /pipe_async_connector_selector_number: unknown key/);

  const server = await startNodeServer(config, createLogger('silent'));
  try {
    await rejectsWith(connect({ host: HOST, port: server.tcpPort, clientName: PIPE_CLIENT_NAME }), 'PIPE_SENDER_REFUSED', /ip_white_list 192\.168\.0\.1\/32,10\.0\.0\.0\/8/);
    assert.deepEqual(server.node.pipeReceiver.ipWhiteList, ['192.168.0.1/32', '10.0.0.0/8']);
  } finally {
    await server.close();
  }
});
