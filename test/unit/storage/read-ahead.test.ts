// Reads of large runs (over SCAN_SYNC_READ_BYTES_MAX) start the next run's read before yielding the
// current one (stream-log.ts, read-ahead). The records must be exactly those of a plain read: every
// row once, in order, across segments, with time-range filtering, when the reader stops early, and
// when retention removes segments under a paused reader (the read-ahead of a removed run is dropped
// and the gap is reported, never its rows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamLog, SCAN_SYNC_READ_BYTES_MAX } from '../../../src/storage/log/stream-log.ts';
import { type Column, makeBatch } from '../../../src/types/batch.ts';
import { T } from '../../../src/types/data-type.ts';
import { tempDir } from '../../support/temp-dir.ts';

const columns: Column[] = [
  { name: '_tp_time', type: T.datetime64() },
  { name: 'v', type: T.float64 },
];
const ROWS = 10_000; // ~160 KB per batch: every run of batches is read asynchronously, with read-ahead

function batchAt(k: number) {
  const time = new Float64Array(ROWS);
  const v = new Float64Array(ROWS);
  for (let i = 0; i < ROWS; i++) {
    time[i] = 1_000 * k + (i % 1_000);
    v[i] = k * ROWS + i;
  }
  return makeBatch(columns, [
    { kind: 'fixed', type: columns[0].type, rowCount: ROWS, data: time },
    { kind: 'fixed', type: T.float64, rowCount: ROWS, data: v },
  ]);
}

function valuesOf(record: { batch: ReturnType<typeof makeBatch> | null; startRow: number }): Float64Array {
  return (record.batch!.vectors[1] as { data: Float64Array }).data.subarray(record.startRow);
}

test('read-ahead: full and time-filtered reads across segments return every wanted row once, in order', async () => {
  assert.ok(ROWS * 16 > SCAN_SYNC_READ_BYTES_MAX);
  const log = await StreamLog.open({ dir: tempDir(), settings: { segmentBytes: 1024 * 1024 } });
  for (let k = 0; k < 40; k++) await log.append(batchAt(k));
  assert.ok(log.getStats().segments > 3);
  let next = 0;
  for await (const record of log.read()) {
    for (const v of valuesOf(record)) assert.equal(v, next++);
  }
  assert.equal(next, 40 * ROWS);
  // Batches k hold times [1000 k, 1000 k + 999]: [12_500, 30_100] wants batches 12..30.
  const wanted: number[] = [];
  for await (const record of log.read({ minTimeMs: 12_500, maxTimeMs: 30_100 })) wanted.push(valuesOf(record)[0] / ROWS);
  assert.deepStrictEqual(wanted, Array.from({ length: 19 }, (_, i) => 12 + i));
  // From a sn in the middle of a batch.
  const fromSn = 17 * ROWS + 123;
  let expected = fromSn;
  for await (const record of log.read({ fromSn })) for (const v of valuesOf(record)) assert.equal(v, expected++);
  assert.equal(expected, 40 * ROWS);
  await log.close();
});

test('read-ahead: a reader that stops early leaves nothing behind, and the log closes cleanly', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  for (let k = 0; k < 60; k++) await log.append(batchAt(k));
  for (let stopAfter = 1; stopAfter < 40; stopAfter += 13) {
    let seen = 0;
    for await (const record of log.read()) {
      assert.equal(valuesOf(record)[0], seen * ROWS);
      if (++seen === stopAfter) break;
    }
  }
  await log.close();
});

test('read-ahead: retention under a paused reader reports the gap and never yields removed rows', async () => {
  const settings = { segmentBytes: 1024 * 1024, retentionBytes: 3 * 1024 * 1024 };
  const log = await StreamLog.open({ dir: tempDir(), settings });
  for (let k = 0; k < 24; k++) await log.append(batchAt(k));
  const gaps: [number, number][] = [];
  const sns: number[] = [];
  let first = true;
  for await (const record of log.read({ fromSn: 0, onGap: (from, to) => gaps.push([from, to]) })) {
    sns.push(record.header.baseSn + record.startRow);
    if (first) {
      first = false;
      // More appends push the oldest segments past retention while the reader holds its read-ahead.
      for (let k = 24; k < 36; k++) await log.append(batchAt(k));
      await log.runRetention();
    }
  }
  const firstSn = log.firstSn;
  assert.ok(firstSn > 6 * ROWS, `retention removed segments (first sn ${firstSn})`);
  assert.equal(gaps.length, 1);
  const [gapFrom, gapTo] = gaps[0];
  assert.equal(gapTo, firstSn);
  // Rows before the gap (the run already read when retention ran), none inside it, then every
  // retained row up to where the log ended when the read began, densely.
  assert.ok(sns.every((sn) => sn < gapFrom || sn >= gapTo), JSON.stringify({ sns, gaps }));
  const before = sns.filter((sn) => sn < gapFrom);
  assert.deepStrictEqual(before, Array.from({ length: before.length }, (_, i) => i * ROWS));
  assert.equal(before.length * ROWS, gapFrom);
  const after = sns.filter((sn) => sn >= gapTo);
  const expectedAfter: number[] = [];
  for (let sn = firstSn; sn < 24 * ROWS; sn += ROWS) expectedAfter.push(sn);
  assert.deepStrictEqual(after, expectedAfter);
  assert.ok(after.length > 0, 'the bounded range still holds retained rows');
  await log.close();
});
