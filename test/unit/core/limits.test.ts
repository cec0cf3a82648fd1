// Every named size limit is enforced with LIMIT_EXCEEDED naming the limit: batch rows, batch bytes,
// string length, columns per batch and stream, name length, type nesting, segment size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDbError } from '../../../src/core/errors.ts';
import * as limits from '../../../src/core/limits.ts';
import { StreamLog } from '../../../src/storage/log/stream-log.ts';
import { Storage } from '../../../src/storage/storage.ts';
import { makeBatch } from '../../../src/types/batch.ts';
import { encodeBatch } from '../../../src/types/batch-codec.ts';
import { T, parseDataType } from '../../../src/types/data-type.ts';
import { vectorFromValues } from '../../../src/types/vector.ts';
import { tempDir } from '../../support/temp-dir.ts';

const exceeded = (name: string) => (e: unknown) => isDbError(e, 'LIMIT_EXCEEDED') && (e as Error).message.includes(name);

test('BATCH_ROWS_MAX', () => {
  const rows = limits.BATCH_ROWS_MAX + 1;
  const vector = { kind: 'fixed', type: T.uint8, rowCount: rows, data: new Uint8Array(rows) } as const;
  assert.throws(() => makeBatch([{ name: 'x', type: T.uint8 }], [vector]), exceeded('BATCH_ROWS_MAX'));
});

test('BATCH_BYTES_MAX', () => {
  const rows = limits.BATCH_BYTES_MAX / 8 + 1;
  const vector = { kind: 'fixed', type: T.float64, rowCount: rows, data: new Float64Array(rows) } as const;
  assert.throws(() => encodeBatch({ columns: [{ name: 'x', type: T.float64 }], vectors: [vector], rowCount: rows }, { baseSn: 0, appendTimeMs: 0 }), exceeded('BATCH_BYTES_MAX'));
});

test('STRING_BYTES_MAX', () => {
  const long = 'x'.repeat(limits.STRING_BYTES_MAX + 1);
  assert.throws(() => vectorFromValues(T.string, ['ok', long]), (e) => exceeded('STRING_BYTES_MAX')(e) && /row 2/.test((e as Error).message));
});

test('COLUMNS_PER_STREAM_MAX, in batches and in the catalog', async () => {
  const n = limits.COLUMNS_PER_STREAM_MAX + 1;
  const columns = Array.from({ length: n }, (_, i) => ({ name: `c${i}`, type: T.uint8 }));
  const vectors = columns.map(() => vectorFromValues(T.uint8, [1]));
  assert.throws(() => makeBatch(columns, vectors), exceeded('COLUMNS_PER_STREAM_MAX'));
  const storage = await Storage.open({ dataDir: tempDir() });
  await assert.rejects(storage.createStream('default', 'wide', columns), exceeded('COLUMNS_PER_STREAM_MAX'));
  await storage.close();
});

test('NAME_BYTES_MAX and TYPE_NESTING_MAX', async () => {
  const storage = await Storage.open({ dataDir: tempDir() });
  await assert.rejects(storage.createStream('default', 'n'.repeat(limits.NAME_BYTES_MAX + 1), [{ name: 'x', type: T.uint8 }]), (e) =>
    isDbError(e) && /255/.test((e as Error).message),
  );
  await storage.close();
  const nested = 'array('.repeat(limits.TYPE_NESTING_MAX) + 'int8' + ')'.repeat(limits.TYPE_NESTING_MAX);
  assert.throws(() => parseDataType(nested), exceeded('TYPE_NESTING_MAX'));
});

test('segment size bounds', async () => {
  for (const segmentBytes of [limits.SEGMENT_BYTES_MIN - 1, limits.SEGMENT_BYTES_MAX + 1]) {
    await assert.rejects(StreamLog.open({ dir: tempDir(), settings: { segmentBytes } }), (e) => isDbError(e, 'INVALID_SETTING'));
  }
});
