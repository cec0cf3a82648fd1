// Storage: the data directory as a whole — catalog and stream logs kept consistent, the directory
// lock refusing a second process, orphan log directories reported and never deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDbError } from '../../../src/core/errors.ts';
import { Storage } from '../../../src/storage/storage.ts';
import { batchFromRows, rowsOf } from '../../../src/types/batch.ts';
import { T } from '../../../src/types/data-type.ts';
import { tempDir } from '../../support/temp-dir.ts';

test('streams created, appended, dropped and reopened through one data directory', async () => {
  const dataDir = tempDir();
  const storage = await Storage.open({ dataDir });
  const stream = await storage.createStream('default', 'sensors', [{ name: 'temp', type: T.float64 }], { segment_bytes: 65536 });
  assert.deepEqual(stream.columns.map((c) => c.name), ['_tp_time', 'temp'], '_tp_time is added first');
  const columns = stream.columns.map((c) => ({ name: c.name, type: c.type }));
  await storage.log('default', 'sensors').append(batchFromRows(columns, [{ _tp_time: 5, temp: 21.5 }]));
  await storage.createStream('default', 'doomed', [{ name: 'x', type: T.int32 }]);
  const doomed = storage.catalog.getStream('default', 'doomed');
  const doomedDir = join(dataDir, 'streams', String(doomed.id));
  assert.ok(existsSync(doomedDir));
  await storage.dropStream('default', 'doomed');
  assert.ok(!existsSync(doomedDir), 'dropping a stream removes its log');
  assert.throws(() => storage.log('default', 'doomed'), (e) => isDbError(e, 'STREAM_NOT_FOUND'));
  await storage.close();

  const reopened = await Storage.open({ dataDir });
  const rows = [];
  for await (const record of reopened.log('default', 'sensors').read()) rows.push(...rowsOf(record.batch!));
  assert.deepEqual(rows, [{ _tp_time: 5, temp: 21.5 }]);
  assert.equal(reopened.log('default', 'sensors').settings.segmentBytes, 65536, 'stream settings reach the log');
  assert.deepEqual(reopened.orphanDirs, []);
  await reopened.close();
});

test('a second process cannot open a data directory in use; a dead owner\'s lock is taken over', async () => {
  const dataDir = tempDir();
  const storage = await Storage.open({ dataDir });
  const script = `import { Storage } from ${JSON.stringify(new URL('../../../src/storage/storage.ts', import.meta.url).href)};
try { await Storage.open({ dataDir: ${JSON.stringify(dataDir)} }); console.log('opened'); }
catch (e) { console.log(e.code); }`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.stdout.trim(), 'DATA_DIR_LOCKED', child.stderr);
  await assert.rejects(Storage.open({ dataDir }), (e) => isDbError(e, 'DATA_DIR_LOCKED'));
  await storage.close();
  // A lock left by a process that died is taken over.
  const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dataDir, 'LOCK'), dead.stdout.trim());
  const again = await Storage.open({ dataDir });
  await again.close();
});

test('log directories unknown to the catalog are reported as orphans and kept', async () => {
  const dataDir = tempDir();
  mkdirSync(join(dataDir, 'streams', '999'), { recursive: true });
  const storage = await Storage.open({ dataDir });
  assert.deepEqual(storage.orphanDirs, ['999']);
  assert.ok(existsSync(join(dataDir, 'streams', '999')));
  await storage.close();
});

test('append checks the batch against the stream schema and changes nothing when it differs', async () => {
  const storage = await Storage.open({ dataDir: tempDir() });
  const stream = await storage.createStream('default', 'm', [{ name: 'v', type: T.int32 }]);
  const good = stream.columns.map((c) => ({ name: c.name, type: c.type }));
  const cases: [string, ReturnType<typeof batchFromRows>, RegExp][] = [
    ['missing column', batchFromRows([good[0]], [{ _tp_time: 1 }]), /batch has no column 'v'/],
    ['wrong type', batchFromRows([good[0], { name: 'v', type: T.int64 }], [{ _tp_time: 1, v: 1n }]), /column 'v' is int32, batch has int64/],
    ['extra column', batchFromRows([...good, { name: 'w', type: T.int32 }], [{ _tp_time: 1, v: 1, w: 2 }]), /unknown column 'w'/],
  ];
  for (const [what, batch, message] of cases) {
    await assert.rejects(storage.append('default', 'm', batch), (e) => isDbError(e, 'SCHEMA_MISMATCH') && message.test((e as Error).message), what);
  }
  assert.equal(storage.log('default', 'm').nextSn, 0, 'nothing was appended');
  const reordered = batchFromRows([good[1], good[0]], [{ _tp_time: 1, v: 7 }]);
  assert.deepEqual(await storage.append('default', 'm', reordered), { firstSn: 0, endSn: 1 });
  await storage.close();
});

test('stream defaults (the server config fsync) apply unless CREATE STREAM says otherwise', async () => {
  const storage = await Storage.open({ dataDir: tempDir(), streamDefaults: { fsync: 'interval' } });
  await storage.createStream('default', 'a', [{ name: 'v', type: T.int32 }]);
  await storage.createStream('default', 'b', [{ name: 'v', type: T.int32 }], { fsync: 'always' });
  assert.equal(storage.log('default', 'a').settings.fsync, 'interval');
  assert.equal(storage.log('default', 'b').settings.fsync, 'always');
  await storage.close();
});
