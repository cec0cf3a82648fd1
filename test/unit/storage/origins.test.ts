// Exactly-once dedupe by batch origin in the stream log (receiver side): replays acknowledged and not
// stored, straddling ranges refused, keys independent, racing appends of one range stored once, a
// replay behind a failed write stored, and the high-water marks surviving reopen, retention
// (origins.json), a corrupt origins.json (an error), a torn tail and a corrupted sealed origin.
// A property test runs random interleavings of appends with random origins against a model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, truncateSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { isDbError } from '../../../src/core/errors.ts';
import { ORIGINS_PER_STREAM_MAX } from '../../../src/core/limits.ts';
import { SEGMENT_HEADER_BYTES, parseSegmentFileName } from '../../../src/storage/log/segment-file.ts';
import { type AppendResult, type LogRecord, StreamLog } from '../../../src/storage/log/stream-log.ts';
import { Storage } from '../../../src/storage/storage.ts';
import { batchChecksum, encodeBatch, peekBatchLength } from '../../../src/types/batch-codec.ts';
import { type Column, type Origin, batchFromRows } from '../../../src/types/batch.ts';
import { T } from '../../../src/types/data-type.ts';
import { tempDir } from '../../support/temp-dir.ts';

const columns: Column[] = [
  { name: 'k', type: T.uint32 },
  { name: 'text', type: T.string },
];

/** `rows` rows; `padding` bytes of text per row make segments fill quickly when wanted. */
function batchOf(first: number, rows: number, padding = 8) {
  const out = [];
  for (let i = first; i < first + rows; i++) out.push({ k: i, text: `row-${i}-`.padEnd(padding, 'x') });
  return batchFromRows(columns, out);
}

const origin = (firstSn: number, lastSn: number, over: Partial<Origin> = {}): Origin => ({ nodeId: 'edge-1', taskId: 'view-9', lane: 0, firstSn, lastSn, ...over });

async function records(log: StreamLog): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const record of log.read({ raw: true })) out.push(record);
  return out;
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => parseSegmentFileName(name) !== null)
    .sort()
    .map((name) => join(dir, name));
}

/** Byte offsets of the batches of a segment file (walking the length fields). */
function batchOffsets(path: string): number[] {
  const bytes = readFileSync(path);
  const offsets: number[] = [];
  for (let at = SEGMENT_HEADER_BYTES; at < bytes.length; ) {
    offsets.push(at);
    at += peekBatchLength(bytes, at)!;
  }
  return offsets;
}

test('a replay of a stored origin range is acknowledged and not stored', async () => {
  const dir = tempDir();
  const log = await StreamLog.open({ dir, name: 'default.sink' });
  assert.deepEqual(await log.append(batchOf(0, 10), { origin: origin(0, 9) }), { firstSn: 0, endSn: 10 });
  assert.equal(log.originHighWaterMark('edge-1', 'view-9', 0), 9);
  assert.deepEqual(await log.append(batchOf(0, 10), { origin: origin(0, 9) }), { firstSn: 10, endSn: 10, duplicate: true });
  // A range inside the stored one (a replay re-batched smaller) is a replay too.
  assert.deepEqual(await log.append(batchOf(3, 2), { origin: origin(3, 4) }), { firstSn: 10, endSn: 10, duplicate: true });
  // Over the wire (appendEncoded) the same.
  const wire = encodeBatch(batchOf(0, 10), { baseSn: 0, appendTimeMs: 1, origin: origin(0, 9) });
  assert.deepEqual(await log.appendEncoded(wire), { firstSn: 10, endSn: 10, duplicate: true });
  assert.equal(log.nextSn, 10);
  assert.equal((await records(log)).length, 1, 'stored once');
  // The next range is stored, through either path.
  assert.deepEqual(await log.appendEncoded(encodeBatch(batchOf(10, 5), { baseSn: 0, appendTimeMs: 1, origin: origin(10, 14) })), { firstSn: 10, endSn: 15 });
  assert.equal(log.originHighWaterMark('edge-1', 'view-9', 0), 14);
  assert.equal(log.getStats().appendedRows, 15);
  await log.close();
});

test('a batch straddling the high-water mark is refused with ORIGIN_OVERLAP and changes nothing', async () => {
  const log = await StreamLog.open({ dir: tempDir(), name: 'default.sink' });
  await log.append(batchOf(0, 10), { origin: origin(100, 109) });
  for (const [first, last] of [
    [105, 114],
    [100, 110],
    [0, 200],
  ]) {
    await assert.rejects(log.append(batchOf(0, 10), { origin: origin(first, last) }), (e) => {
      assert.ok(isDbError(e, 'ORIGIN_OVERLAP'), String(e));
      assert.equal(e.wireCode, 308);
      assert.match(e.message, /default\.sink/);
      assert.match(e.message, /node "edge-1", task "view-9", lane 0/);
      assert.match(e.message, /up to 109 \(high-water mark\)/);
      assert.match(e.message, new RegExp(`\\[${first}, ${last}\\]`));
      assert.equal(e.details.highWaterMark, 109);
      return true;
    });
  }
  const encoded = encodeBatch(batchOf(0, 10), { baseSn: 0, appendTimeMs: 1, origin: origin(109, 118) });
  await assert.rejects(log.appendEncoded(encoded), (e) => isDbError(e, 'ORIGIN_OVERLAP'));
  assert.equal(log.nextSn, 10);
  assert.equal(log.originHighWaterMark('edge-1', 'view-9', 0), 109);
  assert.equal((await records(log)).length, 1);
  await log.close();
});

test('a reversed origin range is refused as bad input', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  await assert.rejects(log.append(batchOf(0, 1), { origin: origin(5, 4) }), (e) => isDbError(e, 'INVALID_ARGUMENT'));
  // A wire batch whose header says lastSn < firstSn (CRC resealed, so only the range is wrong).
  const bytes = encodeBatch(batchOf(0, 1), { baseSn: 0, appendTimeMs: 1, origin: origin(5, 6) });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lastSnAt = 56 + 1 + 'edge-1'.length + 1 + 'view-9'.length + 4 + 8;
  assert.equal(view.getBigUint64(lastSnAt, true), 6n);
  view.setBigUint64(lastSnAt, 4n, true);
  view.setUint32(12, batchChecksum(bytes, 0, bytes.length), true);
  await assert.rejects(log.appendEncoded(bytes), (e) => isDbError(e, 'BATCH_CORRUPT') && /reversed/.test(e.message));
  assert.equal(log.nextSn, 0);
  assert.equal(log.originHighWaterMarks().size, 0);
  await log.close();
});

test('origin keys are independent (node, task, lane), and batches without origin are not deduplicated', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  const keys: Partial<Origin>[] = [{}, { taskId: 'view-10' }, { lane: 1 }, { nodeId: 'edge-2' }, { nodeId: 'edge-1\u0000view-9' }];
  for (const key of keys) assert.equal((await log.append(batchOf(0, 4), { origin: origin(0, 3, key) })).duplicate, undefined);
  for (const key of keys) assert.equal((await log.append(batchOf(0, 4), { origin: origin(0, 3, key) })).duplicate, true);
  assert.equal(log.nextSn, 20);
  await log.append(batchOf(0, 4));
  await log.append(batchOf(0, 4), { origin: null });
  assert.equal(log.nextSn, 28, 'no origin: stored every time');
  const marks = log.originHighWaterMarks();
  assert.equal(marks.size, keys.length);
  assert.deepEqual(
    [...marks.values()].map((m) => [m.nodeId, m.taskId, m.lane, m.lastSn]).sort(),
    keys.map((k) => { const o = origin(0, 3, k); return [o.nodeId, o.taskId, o.lane, 3]; }).sort(),
  );
  assert.equal(log.originHighWaterMark('edge-9', 'view-9', 0), undefined);
  await log.close();
});

test('concurrent appends of one origin range store it once; successive ranges pipeline', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  const wire = encodeBatch(batchOf(0, 10), { baseSn: 0, appendTimeMs: 1, origin: origin(0, 9) });
  const results = await Promise.all(
    Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? log.append(batchOf(0, 10), { origin: origin(0, 9) }) : log.appendEncoded(wire))),
  );
  assert.equal(results.filter((r) => r.duplicate !== true).length, 1);
  assert.deepEqual(results[0], { firstSn: 0, endSn: 10 }, 'the first caller stores it');
  assert.equal(log.nextSn, 10);
  // Successive ranges of one lane, in flight together: all stored, in order, in shared group commits.
  const commitsBefore = log.getStats().groupCommits;
  const next = await Promise.all(Array.from({ length: 20 }, (_, i) => log.append(batchOf(10 + i, 1), { origin: origin(10 + i, 10 + i) })));
  assert.ok(next.every((r, i) => r.duplicate === undefined && r.firstSn === 10 + i), JSON.stringify(next));
  assert.ok(log.getStats().groupCommits - commitsBefore < 20, 'pipelined appends share group commits');
  // Replays racing with new ranges.
  const mixed = await Promise.all([
    log.append(batchOf(0, 5), { origin: origin(30, 34) }),
    log.append(batchOf(0, 5), { origin: origin(30, 34) }),
    log.append(batchOf(0, 5), { origin: origin(35, 39) }),
    log.append(batchOf(0, 5), { origin: origin(30, 34) }),
    log.append(batchOf(0, 5), { origin: origin(35, 39) }),
  ]);
  assert.deepEqual(mixed.map((r) => r.duplicate === true), [false, true, false, true, true]);
  assert.equal(log.originHighWaterMark('edge-1', 'view-9', 0), 39);
  const origins = (await records(log)).map((r) => [r.header.origin!.firstSn, r.header.origin!.lastSn]);
  assert.deepEqual(origins, [[0, 9], ...Array.from({ length: 20 }, (_, i) => [10 + i, 10 + i]), [30, 34], [35, 39]]);
  await log.close();
});

test('a replay waiting on a write that fails is stored once the failure is known', async () => {
  const log = await StreamLog.open({ dir: tempDir() });
  await log.append(batchOf(0, 1), { origin: origin(0, 0) });
  const segments = (log as unknown as { segments: { handle: { writev: (...args: unknown[]) => Promise<unknown> } }[] }).segments;
  const handle = segments[segments.length - 1].handle;
  const writev = handle.writev;
  handle.writev = async () => {
    handle.writev = writev;
    throw Object.assign(new Error('injected'), { code: 'EIO' });
  };
  const first = log.append(batchOf(1, 10), { origin: origin(1, 10) });
  const replay = log.append(batchOf(1, 10), { origin: origin(1, 10) });
  await assert.rejects(first, (e) => isDbError(e, 'IO_ERROR'));
  const stored = await replay;
  assert.equal(stored.duplicate, undefined, 'the pending mark fell back: the replay is stored');
  assert.deepEqual(stored, { firstSn: 1, endSn: 11 });
  assert.equal(log.originHighWaterMark('edge-1', 'view-9', 0), 10);
  assert.equal((await records(log)).length, 2);
  await log.close();
});

test('high-water marks survive close and reopen', async () => {
  const dir = tempDir();
  const log = await StreamLog.open({ dir, settings: { segmentBytes: 64 * 1024 } });
  for (let i = 0; i < 40; i++) await log.append(batchOf(i * 20, 20, 200), { origin: origin(i * 20, i * 20 + 19, { lane: i % 3 }) });
  assert.ok(log.getStats().segments > 2, 'marks come from sealed (header-walked) and active segments');
  const before = log.originHighWaterMarks();
  await log.close();
  const reopened = await StreamLog.open({ dir });
  assert.deepEqual(reopened.originHighWaterMarks(), before);
  assert.equal(reopened.originHighWaterMark('edge-1', 'view-9', 0), 39 * 20 + 19);
  assert.equal(reopened.originHighWaterMark('edge-1', 'view-9', 1), 37 * 20 + 19);
  assert.equal((await reopened.append(batchOf(0, 20), { origin: origin(37 * 20, 37 * 20 + 19, { lane: 1 }) })).duplicate, true);
  assert.equal((await reopened.append(batchOf(0, 20), { origin: origin(800, 819, { lane: 1 }) })).duplicate, undefined);
  assert.ok(!existsSync(join(dir, 'origins.json')), 'no retention ran: the headers alone hold the marks');
  await reopened.close();
});

test('high-water marks survive retention deleting the segments that held them (origins.json)', async () => {
  for (const fsync of ['always', 'interval'] as const) {
    const dir = tempDir();
    const settings = { segmentBytes: 64 * 1024, retentionBytes: 128 * 1024, fsync };
    const log = await StreamLog.open({ dir, settings });
    // Key A only at the start; then unrelated traffic (key B and no origin) until A's segments go.
    for (let i = 0; i < 5; i++) await log.append(batchOf(i, 20, 100), { origin: origin(i * 20, i * 20 + 19) });
    for (let i = 0; i < 80; i++) await log.append(batchOf(i, 20, 100), i % 2 === 0 ? { origin: origin(i, i, { taskId: 'pipe-2' }) } : {});
    await log.runRetention();
    assert.ok(log.firstSn > 100, `${fsync}: the segments holding key A were removed (firstSn ${log.firstSn})`);
    assert.ok((await records(log)).every((r) => r.header.origin === null || r.header.origin.taskId === 'pipe-2'), 'no batch of key A is left');
    assert.ok(existsSync(join(dir, 'origins.json')), 'origins.json written before the deletion');
    assert.equal(log.originHighWaterMark('edge-1', 'view-9', 0), 99);
    await log.close();

    const reopened = await StreamLog.open({ dir, settings });
    assert.equal(reopened.originHighWaterMark('edge-1', 'view-9', 0), 99, `${fsync}: from origins.json`);
    assert.equal(reopened.originHighWaterMark('edge-1', 'pipe-2', 0), 78, `${fsync}: from the headers, newer than the file`);
    assert.equal((await reopened.append(batchOf(0, 20), { origin: origin(80, 99) })).duplicate, true);
    await assert.rejects(reopened.append(batchOf(0, 20), { origin: origin(90, 109) }), (e) => isDbError(e, 'ORIGIN_OVERLAP'));
    await reopened.close();
  }
});

test('a corrupt origins.json is an error at open, naming the file', async () => {
  const dir = tempDir();
  const settings = { segmentBytes: 64 * 1024, retentionBytes: 64 * 1024 };
  const log = await StreamLog.open({ dir, settings });
  for (let i = 0; i < 40; i++) await log.append(batchOf(i, 20, 100), { origin: origin(i * 20, i * 20 + 19) });
  await log.runRetention();
  await log.close();
  const path = join(dir, 'origins.json');
  const good = readFileSync(path, 'utf8');
  assert.match(good, /^\{"version":1,"crc32":\d+,"origins":\[\["edge-1","view-9",0,\d+\]\]\}\n$/);
  const cases: [string, RegExp][] = [
    [good.replace(/,0,(\d+)\]/, (_, sn: string) => `,0,${Number(sn) + 1000}]`), /origins\.json: checksum mismatch/],
    [good.slice(0, good.length - 10), /origins\.json: not valid JSON/],
    [good.replace('"version":1', '"version":2'), /origins\.json: unknown version 2/],
    ['[]', /origins\.json: .*"origins" is not an array|origins\.json: unknown version/],
  ];
  for (const [text, pattern] of cases) {
    writeFileSync(path, text);
    await assert.rejects(StreamLog.open({ dir, settings }), (e) => {
      assert.ok(isDbError(e, 'SEGMENT_CORRUPT'), String(e));
      assert.match(e.message, pattern);
      assert.match(e.message, /cannot be trusted/);
      return true;
    });
  }
  // An entry that checks out but is not a valid mark.
  const entries = JSON.stringify([['edge-1', 'view-9', -1, 5]]);
  writeFileSync(path, `{"version":1,"crc32":${crc32(entries)},"origins":${entries}}`);
  await assert.rejects(StreamLog.open({ dir, settings }), (e) => isDbError(e, 'SEGMENT_CORRUPT') && /invalid entry/.test(e.message));
  writeFileSync(path, good);
  const reopened = await StreamLog.open({ dir, settings });
  assert.equal(reopened.originHighWaterMark('edge-1', 'view-9', 0), 799);
  await reopened.close();
});

test('a torn tail batch does not count toward the high-water mark', async () => {
  const dir = tempDir();
  const log = await StreamLog.open({ dir });
  await log.append(batchOf(0, 10), { origin: origin(0, 9) });
  await log.append(batchOf(10, 10), { origin: origin(10, 19) });
  await log.append(batchOf(0, 5), { origin: origin(0, 4, { lane: 7 }) });
  await log.close();
  const [segment] = segmentFiles(dir);
  const offsets = batchOffsets(segment);
  const size = statSync(segment).size;
  // Cut inside the third batch (lane 7), then inside the second one as well.
  truncateSync(segment, offsets[2] + Math.floor((size - offsets[2]) / 2));
  let reopened = await StreamLog.open({ dir });
  assert.equal(reopened.recovery.cuts.length, 1);
  assert.equal(reopened.originHighWaterMark('edge-1', 'view-9', 0), 19);
  assert.equal(reopened.originHighWaterMark('edge-1', 'view-9', 7), undefined, 'the torn batch does not count');
  await reopened.close();
  truncateSync(segment, offsets[1] + 60);
  reopened = await StreamLog.open({ dir });
  assert.equal(reopened.originHighWaterMark('edge-1', 'view-9', 0), 9);
  // The sender replays what was not durable: stored now.
  assert.deepEqual(await reopened.append(batchOf(10, 10), { origin: origin(10, 19) }), { firstSn: 10, endSn: 20 });
  assert.equal((await reopened.append(batchOf(0, 10), { origin: origin(0, 9) })).duplicate, true);
  await reopened.close();
});

test('a corrupted origin in a sealed segment is caught, and the marks come from verified batches', async () => {
  const dir = tempDir();
  const log = await StreamLog.open({ dir, settings: { segmentBytes: 64 * 1024 } });
  // Key B only in the first segment, then key A until several segments exist.
  for (let i = 0; i < 5; i++) await log.append(batchOf(i, 20, 100), { origin: origin(i * 20, i * 20 + 19, { taskId: 'view-b' }) });
  for (let i = 0; i < 40; i++) await log.append(batchOf(i, 20, 200), { origin: origin(i * 20, i * 20 + 19) });
  await log.close();
  const first = segmentFiles(dir)[0];
  assert.ok(segmentFiles(dir).length > 2, `${segmentFiles(dir).length} segments`);
  // Raise the lastSn of key B's last batch (bit rot in a header-walked segment: the CRC is not resealed).
  const at = batchOffsets(first)[4];
  const bytes = readFileSync(first);
  const lastSnAt = at + 56 + 1 + 'edge-1'.length + 1 + 'view-b'.length + 4 + 8;
  assert.equal(bytes.readBigUInt64LE(lastSnAt), 99n);
  bytes.writeBigUInt64LE(1_000_000n, lastSnAt);
  writeFileSync(first, bytes);
  const reopened = await StreamLog.open({ dir });
  assert.equal(reopened.originHighWaterMark('edge-1', 'view-b', 0), 79, 'the damaged batch does not count');
  assert.equal(reopened.originHighWaterMark('edge-1', 'view-9', 0), 799);
  assert.ok(
    reopened.recovery.cuts.some((c) => c.segment === first && c.offset === at && !c.truncated),
    `the damage is reported: ${JSON.stringify(reopened.recovery.cuts)}`,
  );
  await reopened.close();
});

test('a new origin key beyond ORIGINS_PER_STREAM_MAX is refused with LIMIT_EXCEEDED', async () => {
  const dir = tempDir();
  const entries = JSON.stringify(Array.from({ length: ORIGINS_PER_STREAM_MAX }, (_, i) => ['edge-1', `task-${i}`, 0, 5]));
  writeFileSync(join(dir, 'origins.json'), `{"version":1,"crc32":${crc32(entries)},"origins":${entries}}`);
  const log = await StreamLog.open({ dir });
  assert.equal(log.originHighWaterMarks().size, ORIGINS_PER_STREAM_MAX);
  await assert.rejects(log.append(batchOf(0, 1), { origin: origin(0, 0, { taskId: 'one-more' }) }), (e) => {
    assert.ok(isDbError(e, 'LIMIT_EXCEEDED'), String(e));
    assert.match(e.message, /origin key count .* is 65537, more than ORIGINS_PER_STREAM_MAX \(65536\)/);
    return true;
  });
  assert.equal((await log.append(batchOf(0, 1), { origin: origin(6, 6, { taskId: 'task-7' }) })).duplicate, undefined, 'known keys go on');
  assert.equal((await log.append(batchOf(0, 1), { origin: origin(5, 5, { taskId: 'task-8' }) })).duplicate, true);
  assert.equal((await log.append(batchOf(0, 1))).duplicate, undefined, 'batches without origin are not limited');
  await log.close();
});

test('Storage.append passes the origin through: a replay is acknowledged, not stored', async () => {
  const storage = await Storage.open({ dataDir: tempDir() });
  const stream = await storage.createStream('default', 'sink', [{ name: 'v', type: T.int32 }]);
  const cols = stream.columns.map((c) => ({ name: c.name, type: c.type }));
  const batch = batchFromRows(cols, [{ _tp_time: 1, v: 1 }, { _tp_time: 2, v: 2 }]);
  assert.deepEqual(await storage.append('default', 'sink', batch, { origin: origin(0, 1) }), { firstSn: 0, endSn: 2 });
  assert.deepEqual(await storage.append('default', 'sink', batch, { origin: origin(0, 1) }), { firstSn: 2, endSn: 2, duplicate: true });
  assert.equal(storage.log('default', 'sink').originHighWaterMark('edge-1', 'view-9', 0), 1);
  await storage.close();
});

// ---------------------------------------------------------------------------------------------
// Property: any interleaving of appends with random origins (fresh ranges, exact replays, random
// ranges) stores, per key, strictly increasing ranges; every stored batch is one that was appended
// and not refused; replays are never stored over their original; the marks survive reopen.

interface Op {
  readonly key: number;
  readonly kind: 'fresh' | 'replay' | 'random';
  readonly a: number;
  readonly b: number;
  /** Start this op together with the ops before it (same wave) or after they all settled. */
  readonly wait: boolean;
}

const arbOp: fc.Arbitrary<Op> = fc.record({
  key: fc.integer({ min: 0, max: 2 }),
  kind: fc.constantFrom('fresh', 'fresh', 'replay', 'random'),
  a: fc.nat({ max: 60 }),
  b: fc.nat({ max: 8 }),
  wait: fc.boolean(),
});

const KEYS: Partial<Origin>[] = [{}, { taskId: 'view-10' }, { lane: 3 }];

test('property: per origin key, stored ranges increase strictly under any interleaving', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(arbOp, { minLength: 1, maxLength: 40 }), fc.boolean(), async (ops, encoded) => {
      const dir = tempDir();
      const log = await StreamLog.open({ dir, settings: { fsync: 'never' } });
      const next = [0, 0, 0];
      const issued: Origin[][] = [[], [], []];
      const outcomes: { origin: Origin; result: AppendResult | Error }[] = [];
      let wave: Promise<void>[] = [];
      for (const op of ops) {
        let o: Origin;
        if (op.kind === 'fresh' || (op.kind === 'replay' && issued[op.key].length === 0)) {
          o = origin(next[op.key], next[op.key] + op.b, KEYS[op.key]);
          next[op.key] += op.b + 1;
        } else if (op.kind === 'replay') o = issued[op.key][op.a % issued[op.key].length];
        else o = origin(op.a, op.a + op.b, KEYS[op.key]);
        issued[op.key].push(o);
        if (op.wait) {
          await Promise.all(wave);
          wave = [];
        }
        const rows = (o.lastSn - o.firstSn) % 3 + 1;
        const batch = batchOf(o.firstSn, rows);
        const append = encoded ? log.appendEncoded(encodeBatch(batch, { baseSn: 0, appendTimeMs: 1, origin: o })) : log.append(batch, { origin: o });
        wave.push(
          append.then(
            (result) => void outcomes.push({ origin: o, result }),
            (error: Error) => {
              assert.ok(isDbError(error, 'ORIGIN_OVERLAP'), String(error));
              outcomes.push({ origin: o, result: error });
            },
          ),
        );
      }
      await Promise.all(wave);
      const stored = (await records(log)).map((r) => ({ sn: r.header.baseSn, rows: r.header.rowCount, origin: r.header.origin! }));
      const storedResults = outcomes.filter((x): x is { origin: Origin; result: AppendResult } => !(x.result instanceof Error) && x.result.duplicate !== true);
      assert.equal(stored.length, storedResults.length, 'exactly the non-duplicate, non-refused appends are stored');
      for (const { origin: o, result } of storedResults) {
        const at = stored.find((s) => s.sn === result.firstSn);
        assert.ok(at !== undefined, `a stored batch at sn ${result.firstSn}`);
        assert.deepEqual(at.origin, o);
        assert.equal(result.endSn - result.firstSn, at.rows);
      }
      const marks = new Map<string, number>();
      for (const s of stored) {
        const key = JSON.stringify([s.origin.nodeId, s.origin.taskId, s.origin.lane]);
        const previous = marks.get(key) ?? -1;
        assert.ok(s.origin.firstSn > previous, `stored [${s.origin.firstSn}, ${s.origin.lastSn}] after mark ${previous}`);
        marks.set(key, s.origin.lastSn);
      }
      for (const { origin: o, result } of outcomes) {
        const mark = marks.get(JSON.stringify([o.nodeId, o.taskId, o.lane])) ?? -1;
        if (result instanceof Error) assert.ok(o.firstSn <= mark, 'a refused range began at or below the mark (which only grows)');
        else if (result.duplicate === true) assert.ok(o.lastSn <= mark, 'a duplicate lies at or below the final mark');
      }
      const expected = [...marks].sort();
      const actual = [...log.originHighWaterMarks()].map(([k, m]) => [k, m.lastSn]).sort();
      assert.deepEqual(actual, expected);
      await log.close();
      const reopened = await StreamLog.open({ dir });
      assert.deepEqual([...reopened.originHighWaterMarks()].map(([k, m]) => [k, m.lastSn]).sort(), expected);
      await reopened.close();
    }),
    { numRuns: 40 },
  );
});
