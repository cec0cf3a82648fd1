// Catalog.addColumns (IoTDB's CREATE TIMESERIES and schema auto-creation): only nullable columns
// without a default, appended after the existing ones, idempotent with ifNotExists, persisted, and
// a failing call changes nothing. Storage then accepts batches with or without the new column.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../../src/core/clock.ts';
import { COLUMNS_PER_STREAM_MAX } from '../../../src/core/limits.ts';
import { Catalog } from '../../../src/storage/catalog/catalog.ts';
import { Storage } from '../../../src/storage/storage.ts';
import { T, formatDataType } from '../../../src/types/data-type.ts';
import { makeBatch } from '../../../src/types/batch.ts';
import { vectorFromValues } from '../../../src/types/vector.ts';
import { rejectsWith, tempDir } from './helpers.ts';

const describe = (columns: readonly { name: string; type: Parameters<typeof formatDataType>[0] }[]) => columns.map((c) => `${c.name} ${formatDataType(c.type)}`);

test('addColumns appends nullable columns, keeps the stream id and survives a reopen', async (t) => {
  const dir = tempDir(t);
  const catalog = await Catalog.open(dir, { clock: new ManualClock(1) });
  await catalog.createDatabase('root.vehicle');
  const before = await catalog.createStream('root.vehicle', 'd0', [{ name: 's0', type: T.nullable(T.int32) }]);
  const after = await catalog.addColumns('root.vehicle', 'd0', [
    { name: 's1', type: T.nullable(T.string) },
    { name: 's2', type: T.nullable(T.float32) },
  ]);
  assert.equal(after.id, before.id);
  assert.deepEqual(describe(after.columns), ["_tp_time datetime64(3, 'UTC')", 's0 nullable(int32)', 's1 nullable(string)', 's2 nullable(float32)']);
  assert.deepEqual(catalog.getStream('root.vehicle', 'd0'), after);
  assert.ok(Object.isFrozen(after.columns));
  await catalog.close();
  const reopened = await Catalog.open(dir, { clock: new ManualClock(1) });
  assert.deepEqual(reopened.getStream('root.vehicle', 'd0'), after);
});

test('addColumns with ifNotExists skips columns already there with the same type', async (t) => {
  const catalog = await Catalog.open(tempDir(t));
  await catalog.createStream('default', 's', [{ name: 'a', type: T.nullable(T.int64) }]);
  const same = await catalog.addColumns('default', 's', [{ name: 'a', type: T.nullable(T.int64) }], { ifNotExists: true });
  assert.deepEqual(describe(same.columns), ["_tp_time datetime64(3, 'UTC')", 'a nullable(int64)']);
  const more = await catalog.addColumns('default', 's', [{ name: 'a', type: T.nullable(T.int64) }, { name: 'b', type: T.nullable(T.bool) }], { ifNotExists: true });
  assert.deepEqual(describe(more.columns), ["_tp_time datetime64(3, 'UTC')", 'a nullable(int64)', 'b nullable(bool)']);
  const error = await rejectsWith('SCHEMA_MISMATCH', () => catalog.addColumns('default', 's', [{ name: 'a', type: T.nullable(T.float64) }], { ifNotExists: true }));
  assert.match(error.message, /column "a" of stream default\.s is nullable\(int64\), not nullable\(float64\)/);
  await rejectsWith('INVALID_NAME', () => catalog.addColumns('default', 's', [{ name: 'a', type: T.nullable(T.int64) }]));
});

test('addColumns refuses what old batches could not mean, and a refusal changes nothing', async (t) => {
  const catalog = await Catalog.open(tempDir(t));
  await catalog.createStream('default', 's', [{ name: 'a', type: T.int32 }]);
  const columns = catalog.getStream('default', 's').columns;
  const notNullable = await rejectsWith('INVALID_TYPE', () => catalog.addColumns('default', 's', [{ name: 'ok', type: T.nullable(T.int8) }, { name: 'b', type: T.int32 }]));
  assert.match(notNullable.message, /must be nullable/);
  await rejectsWith('INVALID_ARGUMENT', () => catalog.addColumns('default', 's', [{ name: 'c', type: T.nullable(T.int32), default: '1' }]));
  await rejectsWith('RESERVED_NAME', () => catalog.addColumns('default', 's', [{ name: '_tp_sn', type: T.nullable(T.int32) }]));
  await rejectsWith('INVALID_NAME', () => catalog.addColumns('default', 's', [{ name: 'd', type: T.nullable(T.int32) }, { name: 'd', type: T.nullable(T.int32) }]));
  await rejectsWith('STREAM_NOT_FOUND', () => catalog.addColumns('default', 'nope', [{ name: 'e', type: T.nullable(T.int32) }]));
  const many = Array.from({ length: COLUMNS_PER_STREAM_MAX }, (_, i) => ({ name: `c${i}`, type: T.nullable(T.int32) }));
  await rejectsWith('LIMIT_EXCEEDED', () => catalog.addColumns('default', 's', many));
  assert.deepEqual(catalog.getStream('default', 's').columns, columns);
});

test('storage accepts a batch without a nullable, default-less column (a writer that learnt the columns before)', async () => {
  const storage = await Storage.open({ dataDir: (await import('../../support/temp-dir.ts')).tempDir() });
  try {
    await storage.createStream('default', 'm', [
      { name: 'v', type: T.int32 },
      { name: 'n', type: T.nullable(T.int32) },
      { name: 'd', type: T.nullable(T.int32), default: '7' },
    ]);
    const columns = storage.catalog.getStream('default', 'm').columns;
    const pick = (...names: string[]) => columns.filter((c) => names.includes(c.name));
    const batch = (cols: typeof columns) => makeBatch(cols, cols.map((c) => vectorFromValues(c.type, [1])));
    await storage.append('default', 'm', batch(pick('_tp_time', 'v', 'd')));
    await assert.rejects(storage.append('default', 'm', batch(pick('_tp_time', 'v', 'n'))), /batch has no column 'd'/);
    await assert.rejects(storage.append('default', 'm', batch(pick('_tp_time', 'n', 'd'))), /batch has no column 'v'/);
    assert.equal(storage.log('default', 'm').nextSn, 1);
  } finally {
    await storage.close();
  }
});
