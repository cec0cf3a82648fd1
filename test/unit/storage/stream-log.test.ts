// Stream log behaviour on real files: appends and dense sns, scans, seeks by sn, event time and
// append time, time-range skipping, tail-follow wake-ups, consumers holding retention, retention by
// age and bytes, and both backlog policies. Crash and corruption cases live in crash/ and
// corruption.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { ManualClock } from '../../../src/core/clock.ts';
import { isDbError } from '../../../src/core/errors.ts';
import { StreamLog, type LogRecord } from '../../../src/storage/log/stream-log.ts';
import { type Column, batchFromRows, rowsOf } from '../../../src/types/batch.ts';
import { T } from '../../../src/types/data-type.ts';
import { tempDir } from '../../support/temp-dir.ts';

const columns: Column[] = [
  { name: '_tp_time', type: T.datetime64() },
  { name: 'device', type: T.string },
  { name: 'value', type: T.float64 },
];

/** Long enough that 50-row batches are ~4 KiB, so a 64 KiB segment fills after ~15 batches; distinct
 *  per row, so the codec stores the column plain (a few repeated values would be dictionary-coded, ~1 B/row). */
const deviceOf = (i: number): string => `device-${i}-`.padEnd(64, 'x');

function sensorBatch(first: number, count: number, timeOf: (i: number) => number = (i) => 1_000 * i) {
  const rows = [];
  for (let i = first; i < first + count; i++) rows.push({ _tp_time: timeOf(i), device: deviceOf(i), value: i * 0.5 });
  return batchFromRows(columns, rows);
}

async function collect(records: AsyncIterable<LogRecord>): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const record of records) {
    const batchRows = rowsOf(record.batch!);
    for (let i = 0; i < batchRows.length; i++) rows.push({ sn: record.header.baseSn + i, ...batchRows[i] });
  }
  return rows;
}

test('appends assign dense sns in order and survive reopen', async () => {
  const dir = tempDir();
  const log = await StreamLog.open({ dir, name: 'default.s' });
  const results = await Promise.all([0, 1, 2, 3, 4].map((k) => log.append(sensorBatch(k * 10, 10))));
  assert.deepEqual(
    results.map((r) => [r.firstSn, r.endSn]),
    [[0, 10], [10, 20], [20, 30], [30, 40], [40, 50]],
  );
  assert.equal(log.nextSn, 50);
  await log.close();
  const reopened = await StreamLog.open({ dir });
  assert.equal(reopened.nextSn, 50);
  assert.deepEqual(reopened.recovery.cuts, []);
  const rows = await collect(reopened.read());
  assert.equal(rows.length, 50);
  rows.forEach((row, i) => {
    assert.equal(row.sn, i);
    assert.equal(row.value, i * 0.5);
    assert.equal(row.device, deviceOf(i));
  });
  const next = await reopened.append(sensorBatch(50, 5));
  assert.deepEqual(next, { firstSn: 50, endSn: 55 });
  await reopened.close();
});

test('concurrent appends share group commits', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  await Promise.all(Array.from({ length: 64 }, (_, k) => log.append(sensorBatch(k, 1))));
  const stats = log.getStats();
  assert.equal(stats.nextSn, 64);
  assert.ok(stats.groupCommits < 64, `expected fewer group commits than appends, got ${stats.groupCommits}`);
  assert.equal(stats.fsyncs, stats.groupCommits);
  await log.close();
});

test('appends roll segments at segment_bytes and reads cross them', async () => {
  const dir = tempDir();
  const log = await StreamLog.open({ dir, settings: { segmentBytes: 64 * 1024 } });
  for (let k = 0; k < 60; k++) await log.append(sensorBatch(k * 50, 50));
  assert.ok(log.getStats().segments > 3, `expected several segments, got ${log.getStats().segments}`);
  const rows = await collect(log.read());
  assert.equal(rows.length, 3000);
  assert.ok(rows.every((row, i) => row.sn === i && row.value === i * 0.5));
  await log.close();
  const reopened = await StreamLog.open({ dir, settings: { segmentBytes: 64 * 1024 } });
  assert.equal((await collect(reopened.read({ fromSn: 2999 }))).at(-1)!.sn, 2999);
  assert.equal(reopened.nextSn, 3000);
  await reopened.close();
});

test('seek by sn starts at the batch holding it, with startRow pointing at the row', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  for (let k = 0; k < 10; k++) await log.append(sensorBatch(k * 10, 10));
  for await (const record of log.read({ fromSn: 37 })) {
    assert.equal(record.header.baseSn, 30);
    assert.equal(record.startRow, 7);
    break;
  }
  const after = await collect(log.read({ fromSn: 95 }));
  assert.deepEqual(after.map((r) => r.sn), [90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  assert.deepEqual(await collect(log.read({ fromSn: 100 })), []);
  await log.close();
});

test('seek by event time skips batches wholly older, even with unordered times', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  // Batches of 10 rows with times k*10..k*10+9 seconds, except batch 5 which holds late rows.
  for (let k = 0; k < 10; k++) {
    await log.append(sensorBatch(k * 10, 10, (i) => (k === 5 ? 1_000 * (i - 40) : 1_000 * i)));
  }
  let firstBase = -1;
  for await (const record of log.read({ fromTimeMs: 62_000 })) {
    firstBase = record.header.baseSn;
    break;
  }
  assert.equal(firstBase, 60, 'batches 0..5 hold only times < 62 s');
  let lateBase = -1;
  for await (const record of log.read({ fromTimeMs: 15_000 })) {
    lateBase = record.header.baseSn;
    break;
  }
  assert.equal(lateBase, 10);
  await log.close();
});

test('time-range reads skip batches outside the range', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  for (let k = 0; k < 100; k++) await log.append(sensorBatch(k * 10, 10));
  const records: number[] = [];
  for await (const record of log.read({ minTimeMs: 500_000, maxTimeMs: 509_000 })) records.push(record.header.baseSn);
  assert.deepEqual(records, [500], 'exactly one batch of 100 overlaps [500 s, 509 s]');
  await log.close();
});

test('a following time-range read skips batches outside the range, appended before or after it began', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  await log.append(sensorBatch(0, 10)); // 0-9 s: older
  await log.append(sensorBatch(10, 10, (i) => 1_000 * (i + 100))); // 110-119 s: in range
  const controller = new AbortController();
  const seen: number[] = [];
  const reader = (async () => {
    try {
      for await (const record of log.read({ fromSn: 0, minTimeMs: 100_000, follow: true, signal: controller.signal })) {
        seen.push(record.header.baseSn);
        if (seen.length === 3) controller.abort();
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  await log.append(sensorBatch(20, 10)); // 20-29 s: older (a backfill)
  await log.append(sensorBatch(30, 10, (i) => (i === 35 ? 200_000 : 1_000 * i))); // one row in range
  await log.append(sensorBatch(40, 10)); // older
  await log.append(sensorBatch(50, 10, (i) => 1_000 * (i + 100))); // in range
  await reader;
  assert.deepEqual(seen, [10, 30, 50]);
  await log.close();
});

test('seek by append time', async () => {
  const clock = new ManualClock(10_000);
  const log = await StreamLog.open({ dir: tempDir(), clock });
  for (let k = 0; k < 5; k++) {
    await log.append(sensorBatch(k, 1));
    clock.advance(1_000);
  }
  const rows = await collect(log.read({ fromAppendTimeMs: 12_000 }));
  assert.deepEqual(rows.map((r) => r.sn), [2, 3, 4]);
  await log.close();
});

test('a following reader starts at the tail and wakes on append', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  await log.append(sensorBatch(0, 5));
  const controller = new AbortController();
  const seen: number[] = [];
  const reader = (async () => {
    try {
      for await (const record of log.read({ follow: true, signal: controller.signal })) {
        seen.push(record.header.baseSn);
        if (seen.length === 2) controller.abort();
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(seen, [], 'rows before the read began are not replayed');
  await log.append(sensorBatch(5, 3));
  // The reader wakes on the append; poll rather than sleep a fixed time (CI machines can be loaded).
  for (const deadline = Date.now() + 5_000; seen.length === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(seen, [5]);
  await log.append(sensorBatch(8, 2));
  await reader;
  assert.deepEqual(seen, [5, 8]);
  await log.close();
});

test('a following read from sn replays history then live rows without gap or duplicate', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  for (let k = 0; k < 5; k++) await log.append(sensorBatch(k * 4, 4));
  const controller = new AbortController();
  const sns: number[] = [];
  const reader = (async () => {
    try {
      for await (const record of log.read({ fromSn: 6, follow: true, signal: controller.signal })) {
        for (let i = record.startRow; i < record.header.rowCount; i++) sns.push(record.header.baseSn + i);
        if (sns.length >= 38) controller.abort();
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  // Appends race the replay.
  for (let k = 5; k < 10; k++) await log.append(sensorBatch(k * 4, 4));
  await new Promise((resolve) => setTimeout(resolve, 10));
  for (let k = 10; k < 11; k++) await log.append(sensorBatch(k * 4, 4));
  await reader;
  assert.deepEqual(sns, Array.from({ length: 38 }, (_, i) => i + 6).slice(0, sns.length));
  assert.equal(sns.length, 38);
  await log.close();
});

test('close ends following readers', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  const reader = collect(log.read({ follow: true }));
  await new Promise((resolve) => setTimeout(resolve, 10));
  await log.close();
  assert.deepEqual(await reader, []);
  await assert.rejects(log.append(sensorBatch(0, 1)), (e) => isDbError(e, 'LOG_CLOSED'));
});

test('retention by bytes removes oldest sealed segments', async () => {
  const dir = tempDir();
  const log = await StreamLog.open({ dir, settings: { segmentBytes: 64 * 1024, retentionBytes: 200 * 1024 } });
  for (let k = 0; k < 100; k++) await log.append(sensorBatch(k * 50, 50));
  await log.runRetention();
  const stats = log.getStats();
  assert.ok(stats.bytes <= 200 * 1024 + 64 * 1024, `log is ${stats.bytes} bytes`);
  assert.ok(stats.firstSn > 0);
  const rows = await collect(log.read());
  assert.equal(rows[0].sn, stats.firstSn);
  assert.equal(rows.at(-1)!.sn, 4999);
  assert.equal(rows.length, 5000 - stats.firstSn, 'what is retained is dense');
  assert.equal(readdirSync(dir).filter((n) => n.endsWith('.seg')).length, stats.segments);
  await assert.rejects(collect(log.read({ fromSn: 0 })), (e) => isDbError(e, 'POSITION_DROPPED'));
  await log.close();
});

test('retention by age respects the clock', async () => {
  const clock = new ManualClock(1_000_000);
  const log = await StreamLog.open({ dir: tempDir(), clock, settings: { segmentBytes: 64 * 1024, retentionMs: 60_000 } });
  for (let k = 0; k < 40; k++) await log.append(sensorBatch(k * 50, 50));
  const before = log.getStats().segments;
  assert.ok(before > 2);
  assert.equal(await log.runRetention(), 0, 'nothing is old yet');
  clock.advance(61_000);
  await log.append(sensorBatch(2000, 1));
  const removed = await log.runRetention();
  assert.equal(removed, before - 1, 'every sealed segment expired; the active one stays');
  await log.close();
});

test('a registered consumer holds retention, and releases it when it commits', async () => {
  const dir = tempDir();
  const settings = { segmentBytes: 64 * 1024, retentionBytes: 64 * 1024 };
  const log = await StreamLog.open({ dir, settings });
  await log.registerConsumer('view-1', 0);
  for (let k = 0; k < 60; k++) await log.append(sensorBatch(k * 50, 50));
  await log.runRetention();
  assert.equal(log.firstSn, 0, 'the consumer still needs sn 0');
  log.commitConsumer('view-1', 1500);
  await log.runRetention();
  assert.ok(log.firstSn > 0 && log.firstSn <= 1500, `first sn ${log.firstSn} must not pass the consumer`);
  await log.close();
  const reopened = await StreamLog.open({ dir, settings });
  assert.equal(reopened.consumer('view-1')?.position, 1500, 'consumer positions persist');
  assert.equal(await reopened.unregisterConsumer('view-1'), true);
  await reopened.runRetention();
  assert.ok(reopened.firstSn > 1500);
  await reopened.close();
});

test('backlog policy block: writers wait, then fail with BACKLOG_FULL naming the limit', async () => {
  const segmentBytes = 64 * 1024;
  const log = await StreamLog.open({
    dir: tempDir(),
    settings: { segmentBytes, maxBacklogBytes: 2 * segmentBytes, backlogPolicy: 'block', blockTimeoutMs: 100 },
  });
  await log.registerConsumer('slow', 0);
  let error: unknown = null;
  let appended = 0;
  try {
    for (let k = 0; k < 1000; k++) {
      await log.append(sensorBatch(k * 50, 50));
      appended++;
    }
  } catch (e) {
    error = e;
  }
  assert.ok(isDbError(error, 'BACKLOG_FULL'), `expected BACKLOG_FULL, got ${String(error)}`);
  assert.match((error as Error).message, /max_backlog_bytes \(131072\)/);
  assert.ok(log.backlogBytes() <= 2 * segmentBytes);
  const stuckAt = log.nextSn;
  // A consumer that catches up lets a blocked writer through.
  const blocked = log.append(sensorBatch(0, 50));
  setTimeout(() => log.commitConsumer('slow', stuckAt), 20);
  const result = await blocked;
  assert.equal(result.firstSn, stuckAt);
  assert.equal((await collect(log.read())).length, stuckAt + 50, `nothing dropped (${appended} appended before the block)`);
  await log.close();
});

test('backlog policy drop_oldest: oldest segments go, every dropped row is counted', async () => {
  const segmentBytes = 64 * 1024;
  const log = await StreamLog.open({
    dir: tempDir(),
    settings: { segmentBytes, maxBacklogBytes: 2 * segmentBytes, backlogPolicy: 'drop_oldest' },
  });
  await log.registerConsumer('slow', 0);
  for (let k = 0; k < 100; k++) await log.append(sensorBatch(k * 50, 50));
  await log.runRetention();
  const stats = log.getStats();
  assert.ok(stats.firstSn > 0, 'something was dropped');
  assert.equal(stats.droppedRows, stats.firstSn, 'every row below the first retained one was counted');
  assert.equal(log.consumer('slow')!.droppedRows, stats.firstSn);
  assert.equal(log.consumer('slow')!.position, stats.firstSn, 'the consumer moves past what it lost');
  const gaps: [number, number][] = [];
  const rows = await collect(log.read({ fromSn: 0, onGap: (from, to) => gaps.push([from, to]) }));
  assert.deepEqual(gaps, [[0, stats.firstSn]]);
  assert.equal(rows[0].sn, stats.firstSn);
  await log.close();
});

test('invalid log settings are refused with a clear error', async () => {
  await assert.rejects(StreamLog.open({ dir: tempDir(), settings: { segmentBytes: 10 } }), /segment_bytes 10 is outside/);
  await assert.rejects(
    StreamLog.open({ dir: tempDir(), settings: { segmentBytes: 65536, maxBacklogBytes: 65536 } }),
    /max_backlog_bytes 65536 must be 0 or at least 2 x segment_bytes/,
  );
});

test('appendEncoded stores a wire batch as is, with the log assigning sn and append time', async () => {
  const { encodeBatch } = await import('../../../src/types/batch-codec.ts');
  const log = await StreamLog.open({ dir: tempDir() });
  await log.append(sensorBatch(0, 3));
  const origin = { nodeId: 'edge-1', taskId: 'view-9', lane: 0, firstSn: 100, lastSn: 104 };
  const wire = encodeBatch(sensorBatch(3, 5), { baseSn: 0, appendTimeMs: 1, origin });
  const result = await log.appendEncoded(wire);
  assert.deepEqual(result, { firstSn: 3, endSn: 8 });
  const records: LogRecord[] = [];
  for await (const record of log.read({ fromSn: 3 })) records.push(record);
  assert.equal(records.length, 1);
  assert.deepEqual(records[0].header.origin, origin);
  assert.notEqual(records[0].header.appendTimeMs, 1);
  assert.deepEqual(rowsOf(records[0].batch!), rowsOf(sensorBatch(3, 5)));
  const damaged = new Uint8Array(wire);
  damaged[damaged.length - 9] ^= 0xff;
  await assert.rejects(log.appendEncoded(damaged), (e) => isDbError(e, 'BATCH_CORRUPT'));
  assert.equal(log.nextSn, 8, 'a refused batch changes nothing');
  await log.close();
});

test('fsync interval and never policies acknowledge after the write and persist on close', async () => {
  for (const fsync of ['interval', 'never'] as const) {
    const dir = tempDir();
    const log = await StreamLog.open({ dir, settings: { fsync, fsyncIntervalMs: 5 } });
    await Promise.all([0, 1, 2].map((k) => log.append(sensorBatch(k * 10, 10))));
    assert.equal(log.getStats().fsyncs, 0, `${fsync}: appends do not wait for fsync`);
    await log.close();
    const reopened = await StreamLog.open({ dir });
    assert.equal(reopened.nextSn, 30);
    await reopened.close();
  }
});
