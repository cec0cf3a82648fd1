// Catalog behaviour: databases, streams, other objects, IF [NOT] EXISTS, error codes and messages,
// and that everything survives a reopen. Durability under faults is in catalog-durability.test.ts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.ts';
import { COLUMNS_PER_STREAM_MAX } from '../../../src/core/limits.ts';
import { Catalog } from '../../../src/storage/catalog/catalog.ts';
import type { ColumnDef } from '../../../src/storage/catalog/catalog-types.ts';
import { STREAM_SETTING_DEFAULTS } from '../../../src/storage/catalog/stream-settings.ts';
import { T, formatDataType } from '../../../src/types/data-type.ts';
import { rejectsWith, tempDir, throwsWith } from './helpers.ts';

const cpuColumns: ColumnDef[] = [
  { name: 'host', type: T.string },
  { name: 'usage', type: T.nullable(T.float64), default: '0' },
  { name: 'tags', type: T.array(T.string) },
];

async function openCatalog(dir: string, clock = new ManualClock(1_700_000_000_000)): Promise<Catalog> {
  return Catalog.open(dir, { clock });
}

test('a new catalog has the database default and a 0600 file', async (t) => {
  const dir = tempDir(t);
  const catalog = await openCatalog(dir);
  assert.equal(catalog.createdFresh, true);
  assert.deepEqual(catalog.listDatabases(), [{ name: 'default', createdAt: 1_700_000_000_000 }]);
  assert.deepEqual(catalog.listStreams(), []);
  assert.equal(fs.statSync(path.join(dir, 'catalog.json')).mode & 0o777, 0o600);
  const reopened = await openCatalog(dir);
  assert.equal(reopened.createdFresh, false);
});

test('open creates a missing data directory', async (t) => {
  const dir = path.join(tempDir(t), 'a', 'b');
  const catalog = await openCatalog(dir);
  assert.equal(catalog.listDatabases().length, 1);
});

test('databases: create, list, duplicate, IF NOT EXISTS, drop, IF EXISTS, reserved', async (t) => {
  const catalog = await openCatalog(tempDir(t));
  await catalog.createDatabase('root.vehicle');
  await catalog.createDatabase('analytics');
  assert.deepEqual(catalog.listDatabases().map((d) => d.name), ['analytics', 'default', 'root.vehicle']);
  const exists = await rejectsWith('DATABASE_EXISTS', () => catalog.createDatabase('analytics'));
  assert.equal(exists.message, 'database already exists: analytics');
  const same = await catalog.createDatabase('analytics', { ifNotExists: true });
  assert.equal(same.name, 'analytics');
  assert.deepEqual(await catalog.dropDatabase('analytics'), []);
  const missing = await rejectsWith('DATABASE_NOT_FOUND', () => catalog.dropDatabase('nosuch'));
  assert.equal(missing.message, 'database not found: nosuch');
  assert.deepEqual(await catalog.dropDatabase('nosuch', { ifExists: true }), []);
  await rejectsWith('RESERVED_NAME', () => catalog.createDatabase('system'));
  await rejectsWith('RESERVED_NAME', () => catalog.createDatabase('system', { ifNotExists: true }));
  await rejectsWith('RESERVED_NAME', () => catalog.dropDatabase('system', { ifExists: true }));
  await rejectsWith('INVALID_NAME', () => catalog.createDatabase(''));
  await rejectsWith('RESERVED_NAME', () => catalog.createStream('system', 's', []));
  throwsWith('DATABASE_NOT_FOUND', () => catalog.getDatabase('analytics'));
  assert.equal(catalog.findDatabase('analytics'), undefined);
  assert.equal(catalog.findDatabase('root.vehicle')?.name, 'root.vehicle');
});

test('createStream adds _tp_time first, resolves settings, allocates increasing ids', async (t) => {
  const catalog = await openCatalog(tempDir(t));
  const cpu = await catalog.createStream('default', 'cpu', cpuColumns, { fsync: 'interval', retention_ms: '3600000' });
  assert.equal(cpu.id, 1);
  assert.equal(cpu.database, 'default');
  assert.equal(cpu.name, 'cpu');
  assert.deepEqual(
    cpu.columns.map((c) => [c.name, formatDataType(c.type), c.default]),
    [
      ['_tp_time', "datetime64(3, 'UTC')", 'now64(3)'],
      ['host', 'string', undefined],
      ['usage', 'nullable(float64)', '0'],
      ['tags', 'array(string)', undefined],
    ],
  );
  assert.deepEqual(cpu.settings, { ...STREAM_SETTING_DEFAULTS, fsync: 'interval', retention_ms: 3_600_000 });
  assert.ok(Object.isFrozen(cpu) && Object.isFrozen(cpu.columns) && Object.isFrozen(cpu.columns[1]));
  const mem = await catalog.createStream('default', 'a.b', [{ name: 'v', type: T.int64 }]);
  assert.equal(mem.id, 2);
  assert.equal(catalog.getStream('default', 'a.b'), mem);
  assert.equal(catalog.streamById(1), cpu);
  assert.equal(catalog.streamById(99), undefined);
});

test('a declared _tp_time keeps its place, must be datetime64 and gets a default', async (t) => {
  const catalog = await openCatalog(tempDir(t));
  const s = await catalog.createStream('default', 's', [
    { name: 'v', type: T.int32 },
    { name: '_tp_time', type: T.datetime64(null) },
  ]);
  assert.deepEqual(s.columns.map((c) => [c.name, formatDataType(c.type), c.default]), [
    ['v', 'int32', undefined],
    ['_tp_time', 'datetime64(3)', 'now64(3)'],
  ]);
  const custom = await catalog.createStream('default', 't', [{ name: '_tp_time', type: T.datetime64('UTC'), default: 'now()' }]);
  assert.equal(custom.columns[0].default, 'now()');
  const bad = await rejectsWith('INVALID_TYPE', () => catalog.createStream('default', 'u', [{ name: '_tp_time', type: T.int64 }]));
  assert.match(bad.message, /column _tp_time of stream default\.u must be datetime64/);
});

test('createStream validates names, duplicates, reserved columns and counts', async (t) => {
  const catalog = await openCatalog(tempDir(t));
  await rejectsWith('INVALID_NAME', () => catalog.createStream('default', ' cpu', []));
  await rejectsWith('DATABASE_NOT_FOUND', () => catalog.createStream('nosuch', 'cpu', []));
  const duplicate = await rejectsWith('INVALID_NAME', () =>
    catalog.createStream('default', 'cpu', [
      { name: 'a', type: T.int8 },
      { name: 'a', type: T.int16 },
    ]),
  );
  assert.match(duplicate.message, /column "a" is declared twice in stream default\.cpu/);
  await rejectsWith('RESERVED_NAME', () => catalog.createStream('default', 'cpu', [{ name: '_tp_sn', type: T.int64 }]));
  await rejectsWith('INVALID_NAME', () => catalog.createStream('default', 'cpu', [{ name: 'a\nb', type: T.int64 }]));
  const many = Array.from({ length: COLUMNS_PER_STREAM_MAX }, (_, i) => ({ name: `c${i}`, type: T.int8 }));
  const tooMany = await rejectsWith('LIMIT_EXCEEDED', () => catalog.createStream('default', 'wide', many));
  assert.match(tooMany.message, /COLUMNS_PER_STREAM_MAX/);
  await catalog.createStream('default', 'wide', many.slice(1)); // 999 + _tp_time = the limit
  await rejectsWith('INVALID_SETTING', () => catalog.createStream('default', 'x', [], { nope: 1 }));
  assert.equal(catalog.findStream('default', 'x'), undefined);
  assert.equal(catalog.findStream('default', 'cpu'), undefined);
});

test('duplicate streams, IF NOT EXISTS, drop, IF EXISTS, messages', async (t) => {
  const catalog = await openCatalog(tempDir(t));
  const cpu = await catalog.createStream('default', 'cpu', cpuColumns);
  const exists = await rejectsWith('STREAM_EXISTS', () => catalog.createStream('default', 'cpu', []));
  assert.equal(exists.message, 'stream already exists: default.cpu');
  assert.equal(await catalog.createStream('default', 'cpu', [], {}, { ifNotExists: true }), cpu);
  const notFound = throwsWith('STREAM_NOT_FOUND', () => catalog.getStream('default', 'nosuch'));
  assert.equal(notFound.message, 'stream not found: default.nosuch');
  throwsWith('DATABASE_NOT_FOUND', () => catalog.getStream('nosuch', 'cpu'));
  assert.equal(await catalog.dropStream('default', 'cpu'), cpu);
  assert.equal(catalog.findStream('default', 'cpu'), undefined);
  assert.equal(catalog.streamById(cpu.id), undefined);
  await rejectsWith('STREAM_NOT_FOUND', () => catalog.dropStream('default', 'cpu'));
  assert.equal(await catalog.dropStream('default', 'cpu', { ifExists: true }), null);
  assert.equal(await catalog.dropStream('nosuch', 'cpu', { ifExists: true }), null);
  await rejectsWith('DATABASE_NOT_FOUND', () => catalog.dropStream('nosuch', 'cpu'));
  const again = await catalog.createStream('default', 'cpu', cpuColumns);
  assert.ok(again.id > cpu.id, 'ids are never reused');
});

test('listStreams sorts by database then name and filters by database', async (t) => {
  const catalog = await openCatalog(tempDir(t));
  await catalog.createDatabase('root.sg');
  await catalog.createStream('root.sg', 'd1', []);
  await catalog.createStream('default', 'b', []);
  await catalog.createStream('default', 'a', []);
  assert.deepEqual(catalog.listStreams().map((s) => `${s.database}.${s.name}`), ['default.a', 'default.b', 'root.sg.d1']);
  assert.deepEqual(catalog.listStreams('root.sg').map((s) => s.name), ['d1']);
  throwsWith('DATABASE_NOT_FOUND', () => catalog.listStreams('nosuch'));
});

test('dropDatabase refuses a non-empty database unless cascade, and returns dropped stream ids', async (t) => {
  const catalog = await openCatalog(tempDir(t));
  await catalog.createDatabase('edge');
  const a = await catalog.createStream('edge', 'a', []);
  const b = await catalog.createStream('edge', 'b', []);
  const keep = await catalog.createStream('default', 'a', []);
  await catalog.createObject({ kind: 'view', database: 'edge', name: 'v', definition: { query: 'SELECT 1' } });
  const notEmpty = await rejectsWith('DATABASE_NOT_EMPTY', () => catalog.dropDatabase('edge'));
  assert.match(notEmpty.message, /edge holds 2 stream\(s\) and 1 view\(s\)\/external stream\(s\)/);
  assert.deepEqual((await catalog.dropDatabase('edge', { cascade: true })).sort(), [a.id, b.id].sort());
  assert.equal(catalog.findDatabase('edge'), undefined);
  assert.deepEqual(catalog.listStreams(), [keep]);
  assert.deepEqual(catalog.listObjects('view'), []);
  assert.equal(catalog.streamById(a.id), undefined);
});

test('views and external streams share the stream namespace of their database', async (t) => {
  const catalog = await openCatalog(tempDir(t));
  await catalog.createStream('default', 'cpu', []);
  const view = await catalog.createObject({ kind: 'view', database: 'default', name: 'v', definition: { query: 'SELECT * FROM cpu' } });
  assert.equal(view.kind, 'view');
  assert.equal(view.database, 'default');
  const overStream = await rejectsWith('STREAM_EXISTS', () =>
    catalog.createObject({ kind: 'external_stream', database: 'default', name: 'cpu', definition: {} }),
  );
  assert.equal(overStream.message, 'stream already exists: default.cpu');
  const overView = await rejectsWith('OBJECT_EXISTS', () => catalog.createStream('default', 'v', []));
  assert.equal(overView.message, 'object already exists: view default.v');
  await rejectsWith('OBJECT_EXISTS', () => catalog.createStream('default', 'v', [], {}, { ifNotExists: true }));
  await rejectsWith('OBJECT_EXISTS', () =>
    catalog.createObject({ kind: 'external_stream', database: 'default', name: 'v', definition: {} }, { ifNotExists: true }),
  );
  assert.equal(await catalog.createObject({ kind: 'view', database: 'default', name: 'v', definition: 1 }, { ifNotExists: true }), view);
  const isView = throwsWith('STREAM_NOT_FOUND', () => catalog.getStream('default', 'v'));
  assert.equal(isView.message, 'stream not found: default.v (it is a view)');
  const isStream = throwsWith('OBJECT_NOT_FOUND', () => catalog.getObject('view', 'default', 'cpu'));
  assert.equal(isStream.message, 'object not found: view default.cpu (it is a stream)');
  assert.equal(catalog.findRelation('default', 'v')?.kind, 'view');
  assert.equal(catalog.findRelation('default', 'cpu')?.kind, 'stream');
  assert.equal(catalog.findRelation('default', 'nope'), undefined);
  // Another database has its own namespace.
  await catalog.createDatabase('other');
  await catalog.createObject({ kind: 'external_stream', database: 'other', name: 'cpu', definition: { type: 'timeplus' } });
  assert.deepEqual(catalog.listObjects('external_stream').map((o) => `${o.database}.${o.name}`), ['other.cpu']);
  assert.deepEqual(catalog.listObjects('external_stream', 'default'), []);
});

test('global objects: one namespace per kind, update keeps the id, drop, IF EXISTS', async (t) => {
  const catalog = await openCatalog(tempDir(t));
  const alice = await catalog.createObject({ kind: 'user', database: null, name: 'alice', definition: { hash: 'scrypt$1' } });
  const pipe = await catalog.createObject({ kind: 'pipe', database: null, name: 'alice', definition: { state: 'RUNNING' } });
  assert.notEqual(alice.id, pipe.id);
  const exists = await rejectsWith('OBJECT_EXISTS', () => catalog.createObject({ kind: 'user', database: null, name: 'alice', definition: {} }));
  assert.equal(exists.message, 'object already exists: user alice');
  const updated = await catalog.updateObject('pipe', null, 'alice', { state: 'STOPPED', error: 'auth failed' });
  assert.equal(updated.id, pipe.id);
  assert.deepEqual(updated.definition, { state: 'STOPPED', error: 'auth failed' });
  assert.equal(catalog.getObject('pipe', null, 'alice'), updated);
  await rejectsWith('OBJECT_NOT_FOUND', () => catalog.updateObject('pipe', null, 'bob', {}));
  const missing = await rejectsWith('OBJECT_NOT_FOUND', () => catalog.dropObject('pipesink', null, 'alice'));
  assert.equal(missing.message, 'object not found: pipesink alice');
  assert.equal(await catalog.dropObject('pipesink', null, 'alice', { ifExists: true }), null);
  assert.equal(await catalog.dropObject('user', null, 'alice'), alice);
  assert.equal(catalog.findObject('user', null, 'alice'), undefined);
  assert.deepEqual(catalog.listObjects('pipe').map((o) => o.name), ['alice']);
  await rejectsWith('INVALID_NAME', () => catalog.createObject({ kind: 'user', database: null, name: '', definition: {} }));
  await assert.rejects(() => catalog.createObject({ kind: 'user', database: 'default', name: 'x', definition: {} }), assert.AssertionError);
  await assert.rejects(() => catalog.createObject({ kind: 'view', database: null, name: 'x', definition: {} }), assert.AssertionError);
});

test('object definitions are deep-copied, frozen, and must be JSON', async (t) => {
  const catalog = await openCatalog(tempDir(t));
  const definition = { hosts: ['a:1', 'b:2'], secure: true };
  const es = await catalog.createObject({ kind: 'external_stream', database: 'default', name: 'remote', definition });
  definition.hosts.push('c:3');
  assert.deepEqual(es.definition, { hosts: ['a:1', 'b:2'], secure: true });
  assert.ok(Object.isFrozen(es.definition));
  await rejectsWith('INVALID_ARGUMENT', () => catalog.createObject({ kind: 'pipe', database: null, name: 'p', definition: { n: 1n } }));
  await rejectsWith('INVALID_ARGUMENT', () => catalog.createObject({ kind: 'pipe', database: null, name: 'p', definition: undefined }));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  await rejectsWith('INVALID_ARGUMENT', () => catalog.createObject({ kind: 'pipe', database: null, name: 'p', definition: cyclic }));
  assert.equal(catalog.findObject('pipe', null, 'p'), undefined);
});

test('reopen restores everything, and ids continue after the highest ever allocated', async (t) => {
  const dir = tempDir(t);
  const catalog = await openCatalog(dir, new ManualClock(42));
  await catalog.createDatabase('root.vehicle');
  const d0 = await catalog.createStream('root.vehicle', 'd0', cpuColumns, { segment_bytes: 1 << 20 });
  const gone = await catalog.createStream('default', 'gone', []);
  await catalog.dropStream('default', 'gone');
  await catalog.createObject({ kind: 'view', database: 'root.vehicle', name: 'v', definition: { into: 'x' } });
  await catalog.createObject({ kind: 'user', database: null, name: 'bob', definition: { hash: 'h' } });
  await catalog.createObject({ kind: 'grant', database: null, name: 'bob:USE_PIPE', definition: { user: 'bob' } });
  await catalog.close();

  const reopened = await openCatalog(dir, new ManualClock(43));
  assert.deepEqual(reopened.listDatabases(), catalog.listDatabases());
  assert.deepEqual(reopened.listStreams(), catalog.listStreams());
  assert.deepEqual(reopened.getStream('root.vehicle', 'd0'), d0);
  for (const kind of ['view', 'user', 'grant', 'pipe'] as const) assert.deepEqual(reopened.listObjects(kind), catalog.listObjects(kind));
  const next = await reopened.createStream('default', 'gone', []);
  assert.ok(next.id > gone.id && next.id > 5, `id ${next.id} is new`);
  assert.equal(next.createdAt, 43);
});

test('concurrent mutations are serialized and all committed', async (t) => {
  const dir = tempDir(t);
  const catalog = await openCatalog(dir);
  const results = await Promise.allSettled([
    ...Array.from({ length: 20 }, (_, i) => catalog.createStream('default', `s${i}`, [])),
    catalog.createStream('default', 's3', []), // a duplicate racing the original
    catalog.createDatabase('db'),
    catalog.createStream('db', 'x', []), // queued after createDatabase, so the database exists
  ]);
  assert.equal(results.filter((r) => r.status === 'rejected').length, 1);
  const ids = catalog.listStreams().map((s) => s.id);
  assert.equal(new Set(ids).size, 21);
  const reopened = await openCatalog(dir);
  assert.deepEqual(reopened.listStreams(), catalog.listStreams());
});

test('the catalog file carries version, checksum and state', async (t) => {
  const dir = tempDir(t);
  const catalog = await openCatalog(dir);
  await catalog.createStream('default', 'cpu', [{ name: 'v', type: T.nullable(T.int64) }]);
  const file = JSON.parse(fs.readFileSync(path.join(dir, 'catalog.json'), 'utf8'));
  assert.equal(file.version, 1);
  assert.equal(typeof file.crc32, 'number');
  assert.deepEqual(file.state.streams[0].columns[1], { name: 'v', type: 'nullable(int64)' });
  assert.equal(file.state.nextId, 2);
});
