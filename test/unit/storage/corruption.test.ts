// Corruption and torn-write recovery of StreamLog, on real files: a segment truncated at every byte
// of its last batch, random byte flips inside the active segment and inside sealed ones, torn segment
// creation, corrupt segment headers and leftover temporary files. Every check reads the data back
// row by row: recovery keeps exactly the intact batches before the damage, reports the cut, and no
// read ever returns bytes from a damaged batch or anything after it in the active segment.
//
// SEED=<n> replays the random choices (the seed is in every assertion message).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { isDbError } from '../../../src/core/errors.ts';
import { Prng } from '../../../src/core/prng.ts';
import { type LogSettings } from '../../../src/storage/log/log-settings.ts';
import { SEGMENT_HEADER_BYTES, encodeSegmentHeader, segmentFileName } from '../../../src/storage/log/segment-file.ts';
import { type AppendResult, type ReadOptions, StreamLog } from '../../../src/storage/log/stream-log.ts';
import { BATCH_HEADER_BYTES } from '../../../src/types/batch-codec.ts';
import { type Batch, type Column, batchFromRows, rowsOf } from '../../../src/types/batch.ts';
import { T } from '../../../src/types/data-type.ts';
import type { Value } from '../../../src/types/vector.ts';

const seed = process.env.SEED !== undefined && process.env.SEED !== '' ? Number(process.env.SEED) >>> 0 : (Math.random() * 0x100000000) >>> 0;

const COLUMNS: readonly Column[] = [
  { name: 'i', type: T.uint32 },
  { name: 'r', type: T.int64 },
  { name: 's', type: T.string },
  { name: 'f', type: T.nullable(T.float64) },
];

/** Batch `i`: `rows` rows whose content is determined by (i, row). */
function batchOf(i: number, rows: number, textBytes: number): Batch {
  const out: Record<string, Value>[] = [];
  for (let r = 0; r < rows; r++) {
    out.push({ i, r: BigInt(i * 1000 + r), s: `${i}:${r}:`.padEnd(textBytes, String.fromCharCode(97 + ((i + r) % 26))), f: r % 3 === 0 ? null : i + r / 8 });
  }
  return batchFromRows(COLUMNS, out);
}

interface Placed {
  readonly batch: Batch;
  readonly firstSn: number;
  readonly endSn: number;
  /** Segment file name and the batch's byte range in it. */
  readonly segment: string;
  readonly offset: number;
  readonly length: number;
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'trib-'));
}

/** Writes `batches` into a fresh log in `dir`, closes it, and returns where each batch landed. */
async function writeLog(dir: string, batches: readonly Batch[], settings: Partial<LogSettings> = {}): Promise<Placed[]> {
  const log = await StreamLog.open({ dir, settings });
  const results: AppendResult[] = [];
  for (const batch of batches) results.push(await log.append(batch));
  const lengths: number[] = [];
  for await (const record of log.read()) lengths.push(record.bytes.length);
  await log.close();
  assert.equal(lengths.length, batches.length);
  const bases = readdirSync(dir)
    .filter((name) => name.endsWith('.seg'))
    .sort()
    .map((name) => Number(name.slice(0, 20)));
  const placed: Placed[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  let segmentBase = -1;
  for (let i = 0; i < batches.length; i++) {
    const base = bases.filter((b) => b <= results[i].firstSn).at(-1)!;
    if (base !== segmentBase) {
      assert.equal(base, results[i].firstSn, 'a segment starts at a batch boundary');
      segmentBase = base;
      offset = SEGMENT_HEADER_BYTES;
    }
    placed.push({ batch: batches[i], ...results[i], segment: segmentFileName(base), offset, length: lengths[i] });
    offset += lengths[i];
  }
  for (const base of bases) {
    const name = segmentFileName(base);
    const last = placed.filter((p) => p.segment === name).at(-1);
    assert.equal(statSync(join(dir, name)).size, last === undefined ? SEGMENT_HEADER_BYTES : last.offset + last.length, `size of ${name}`);
  }
  return placed;
}

/**
 * Reads the log (with `options`) and checks it yields exactly `expected`, in order, row by row, with
 * dense sns.
 */
async function assertReads(log: StreamLog, expected: readonly Placed[], where: string, options: ReadOptions = {}): Promise<void> {
  let n = 0;
  for await (const record of log.read(options)) {
    assert.ok(n < expected.length, `${where}: read returned more than the ${expected.length} expected batches (one at sn ${record.header.baseSn})`);
    const want = expected[n];
    assert.equal(record.header.baseSn, want.firstSn, `${where}: batch ${n} sn`);
    assert.equal(record.header.rowCount, want.endSn - want.firstSn, `${where}: batch ${n} row count`);
    assert.ok(record.batch !== null);
    assert.deepStrictEqual(record.batch.columns, COLUMNS, `${where}: batch ${n} columns`);
    assert.deepStrictEqual(rowsOf(record.batch), rowsOf(want.batch), `${where}: batch ${n} rows`);
    n++;
  }
  assert.equal(n, expected.length, `${where}: batches read`);
}

/** Appends one more batch and checks it continues the sns densely and reads back. */
async function assertAppendContinues(log: StreamLog, kept: readonly Placed[], where: string): Promise<void> {
  const endSn = kept.length === 0 ? 0 : kept[kept.length - 1].endSn;
  assert.equal(log.nextSn, endSn, `${where}: nextSn`);
  const batch = batchOf(9999, 3, 20);
  const result = await log.append(batch);
  assert.deepStrictEqual(result, { firstSn: endSn, endSn: endSn + 3 }, `${where}: append after recovery`);
  const added: Placed = { batch, ...result, segment: '', offset: 0, length: 0 };
  await assertReads(log, [...kept, added], `${where} (after the append)`);
}

function flipByte(file: string, at: number, xor: number): void {
  const bytes = readFileSync(file);
  bytes[at] ^= xor;
  writeFileSync(file, bytes);
}

async function expectSegmentCorrupt(promise: Promise<unknown>, where: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isDbError(error, 'SEGMENT_CORRUPT'), `${where}: expected SEGMENT_CORRUPT, got ${String(error)}`);
    return true;
  });
}

async function drain(log: StreamLog, options: ReadOptions = {}): Promise<number[]> {
  const sns: number[] = [];
  for await (const record of log.read(options)) sns.push(record.header.baseSn);
  return sns;
}

test('corruption: truncating the last segment at every byte of its last batch keeps the batches before it', async () => {
  const source = tempDir();
  const work = tempDir();
  try {
    const batches = Array.from({ length: 12 }, (_, i) => batchOf(i, 1 + (i % 4), 8 + i));
    batches.push(batchOf(12, 6, 12)); // the last batch: ~300 bytes
    const placed = await writeLog(source, batches);
    const last = placed[placed.length - 1];
    const kept = placed.slice(0, -1);
    assert.ok(placed.every((p) => p.segment === last.segment), 'one segment');
    assert.ok(last.length >= 250 && last.length <= 400, `last batch is ${last.length} bytes`);
    const file = join(work, last.segment);
    for (let size = last.offset; size < last.offset + last.length; size++) {
      const where = `truncated to ${size} (last batch at ${last.offset}, ${last.length} bytes)`;
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work);
      copyFileSync(join(source, last.segment), file);
      truncateSync(file, size);
      const log = await StreamLog.open({ dir: work, settings: { fsync: 'never' } });
      try {
        const remaining = size - last.offset;
        if (remaining === 0) {
          // Cut exactly at a batch boundary: a valid log of the first batches, nothing to report.
          assert.deepStrictEqual(log.recovery.cuts, [], where);
        } else {
          assert.equal(log.recovery.cuts.length, 1, where);
          const cut = log.recovery.cuts[0];
          assert.equal(basename(cut.segment), last.segment, where);
          assert.equal(cut.offset, last.offset, where);
          assert.equal(cut.bytesCut, remaining, where);
          assert.equal(cut.truncated, true, where);
          const reason =
            remaining < BATCH_HEADER_BYTES
              ? `torn batch header (${remaining} bytes at the end of the file)`
              : `torn batch (${last.length} bytes declared, ${remaining} present)`;
          assert.equal(cut.reason, reason, where);
        }
        assert.deepStrictEqual(log.recovery.removedFiles, [], where);
        assert.equal(log.recovery.batches, kept.length, where);
        assert.equal(log.recovery.rows, kept.at(-1)!.endSn, where);
        assert.equal(statSync(file).size, last.offset, `${where}: file truncated to the end of the previous batch`);
        await assertReads(log, kept, where);
        await assertAppendContinues(log, kept, where);
      } finally {
        await log.close();
      }
    }
  } finally {
    rmSync(source, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

test(`corruption: a flipped byte inside the active segment cuts it at the damaged batch (SEED=${seed})`, async () => {
  const prng = new Prng(seed);
  const source = tempDir();
  const work = tempDir();
  try {
    const batches = Array.from({ length: 12 }, (_, i) => batchOf(i, 1 + ((i * 7) % 9), 4 + ((i * 13) % 40)));
    const placed = await writeLog(source, batches);
    const segment = placed[0].segment;
    const fileBytes = statSync(join(source, segment)).size;
    const file = join(work, segment);
    const reasons = new Set<string>();
    for (let iteration = 0; iteration < 150; iteration++) {
      const k = prng.int(2, placed.length - 3);
      const damaged = placed[k];
      const at = damaged.offset + prng.int(0, damaged.length - 1);
      const xor = prng.int(1, 255);
      const where = `SEED=${seed} iteration ${iteration}: byte ${at} ^ ${xor} (batch ${k} at ${damaged.offset}, ${damaged.length} bytes)`;
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work);
      copyFileSync(join(source, segment), file);
      flipByte(file, at, xor);
      const log = await StreamLog.open({ dir: work, settings: { fsync: 'never' } });
      try {
        const kept = placed.slice(0, k);
        assert.equal(log.recovery.cuts.length, 1, where);
        const cut = log.recovery.cuts[0];
        assert.equal(basename(cut.segment), segment, where);
        assert.equal(cut.offset, damaged.offset, where);
        assert.equal(cut.bytesCut, fileBytes - damaged.offset, where);
        assert.equal(cut.truncated, true, where);
        assert.match(cut.reason, /checksum mismatch|bad magic|unsupported format version|unknown flags|impossible length|torn batch/, where);
        reasons.add(cut.reason.replace(/[\d ()]+$/, '').replace(/\d+/g, 'N'));
        assert.equal(statSync(file).size, damaged.offset, where);
        assert.equal(log.recovery.batches, k, where);
        assert.equal(log.nextSn, damaged.firstSn, where);
        await assertReads(log, kept, where);
        // Nothing at or after the damage is served, however the read starts.
        assert.deepStrictEqual(await drain(log, { fromSn: damaged.firstSn }), [], where);
        assert.deepStrictEqual(await drain(log, { fromSn: placed.at(-1)!.firstSn }), [], where);
        await assertAppendContinues(log, kept, where);
      } finally {
        await log.close();
      }
    }
    assert.ok([...reasons].some((r) => r.includes('checksum')), `SEED=${seed}: reasons seen: ${[...reasons].join('; ')}`);
  } finally {
    rmSync(source, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

/** A log over several 64 KiB segments: 40 batches of ~5 KiB. */
async function writeSegmentedLog(dir: string): Promise<{ placed: Placed[]; segments: string[] }> {
  const batches = Array.from({ length: 40 }, (_, i) => batchOf(i, 20 + (i % 5), 200));
  const placed = await writeLog(dir, batches, { segmentBytes: 64 * 1024 });
  const segments = [...new Set(placed.map((p) => p.segment))];
  assert.ok(segments.length >= 3, `${segments.length} segments`);
  return { placed, segments };
}

test(`corruption: a flipped payload byte in a sealed segment is never served (SEED=${seed})`, async () => {
  const prng = new Prng(seed ^ 0x5eed);
  const source = tempDir();
  const work = tempDir();
  try {
    const { placed, segments } = await writeSegmentedLog(source);
    const sealed = placed.filter((p) => p.segment === segments[0]);
    const nextSn = placed.at(-1)!.endSn;
    for (let iteration = 0; iteration < 12; iteration++) {
      // A batch in the middle of the first (sealed) segment; a byte past its fixed header, which
      // the header walk at open does not read, or its CRC field.
      const d = prng.int(1, sealed.length - 2);
      const damaged = sealed[d];
      const at = damaged.offset + (iteration % 4 === 0 ? prng.int(12, 15) : prng.int(BATCH_HEADER_BYTES, damaged.length - 1));
      const where = `SEED=${seed} iteration ${iteration}: byte ${at} of ${damaged.segment} (batch ${d} at ${damaged.offset})`;
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work);
      for (const name of segments) copyFileSync(join(source, name), join(work, name));
      const file = join(work, segments[0]);
      flipByte(file, at, prng.int(1, 255));
      const before = readFileSync(file);

      // verify 'tail' (default): open succeeds; the damage shows only when the batch is read.
      let log = await StreamLog.open({ dir: work, settings: { segmentBytes: 64 * 1024, fsync: 'never' } });
      try {
        assert.deepStrictEqual(log.recovery.cuts, [], where);
        assert.equal(log.nextSn, nextSn, where);
        // A full read serves the batches before the damaged one, then fails: never wrong data.
        const served: number[] = [];
        await expectSegmentCorrupt(
          (async () => {
            let n = 0;
            for await (const record of log.read()) {
              assert.equal(record.header.baseSn, placed[n].firstSn, where);
              assert.deepStrictEqual(rowsOf(record.batch!), rowsOf(placed[n].batch), where);
              served.push(record.header.baseSn);
              n++;
            }
          })(),
          where,
        );
        assert.deepStrictEqual(served, sealed.slice(0, d).map((p) => p.firstSn), `${where}: served before the damage`);
        await expectSegmentCorrupt(drain(log, { fromSn: damaged.firstSn }), where);
        await expectSegmentCorrupt(drain(log, { fromSn: damaged.endSn - 1, raw: true }), where);
        // Everything after the damaged batch is intact and readable.
        await assertReads(log, placed.slice(d + 1), where, { fromSn: placed[d + 1].firstSn });
      } finally {
        await log.close();
      }
      assert.deepStrictEqual(readFileSync(file), before, `${where}: a sealed segment is never rewritten`);

      // verify 'all': the damage is found and reported at open; the sealed file is left as is.
      log = await StreamLog.open({ dir: work, verify: 'all', settings: { segmentBytes: 64 * 1024, fsync: 'never' } });
      try {
        assert.equal(log.recovery.cuts.length, 1, where);
        const cut = log.recovery.cuts[0];
        assert.equal(basename(cut.segment), segments[0], where);
        assert.equal(cut.offset, damaged.offset, where);
        assert.equal(cut.bytesCut, before.length - damaged.offset, where);
        assert.equal(cut.truncated, false, where);
        assert.match(cut.reason, /checksum mismatch/, where);
        assert.equal(log.nextSn, nextSn, where);
        // No read serves the damaged batch or the rest of its segment; every batch served is intact.
        const lost = new Set(sealed.slice(d).map((p) => p.firstSn));
        const expected = placed.filter((p) => !lost.has(p.firstSn));
        let n = 0;
        for await (const record of log.read({ onGap: () => undefined })) {
          assert.ok(!lost.has(record.header.baseSn), `${where}: served the batch at sn ${record.header.baseSn} from the cut range`);
          assert.equal(record.header.baseSn, expected[n].firstSn, where);
          assert.deepStrictEqual(rowsOf(record.batch!), rowsOf(expected[n].batch), where);
          n++;
        }
        assert.equal(n, expected.length, where);
      } finally {
        await log.close();
      }
      assert.deepStrictEqual(readFileSync(file), before, `${where}: verify 'all' does not truncate a sealed segment`);
    }
  } finally {
    rmSync(source, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

test('corruption: a torn segment creation (a last segment of 0..32 bytes with no valid header) is removed at open', async () => {
  const source = tempDir();
  const work = tempDir();
  try {
    const batches = Array.from({ length: 6 }, (_, i) => batchOf(i, 3, 30));
    const placed = await writeLog(source, batches);
    const segment = placed[0].segment;
    const endSn = placed.at(-1)!.endSn;
    const torn = segmentFileName(endSn);
    const header = encodeSegmentHeader(endSn, Date.now());
    for (let size = 0; size <= SEGMENT_HEADER_BYTES; size++) {
      const where = `torn header of ${size} bytes`;
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work);
      copyFileSync(join(source, segment), join(work, segment));
      const bytes = Buffer.from(header.subarray(0, size));
      if (size === SEGMENT_HEADER_BYTES) bytes[30] ^= 0xff; // whole but unwritten checksum
      writeFileSync(join(work, torn), bytes);
      const log = await StreamLog.open({ dir: work, settings: { fsync: 'never' } });
      try {
        assert.deepStrictEqual(log.recovery.removedFiles.map((f) => basename(f)), [torn], where);
        assert.ok(!existsSync(join(work, torn)), `${where}: file removed`);
        assert.deepStrictEqual(log.recovery.cuts, [], where);
        assert.equal(log.recovery.segments, 1, where);
        await assertReads(log, placed, where);
        await assertAppendContinues(log, placed, where);
      } finally {
        await log.close();
      }
      // And the log reopens cleanly with the appended batch.
      const again = await StreamLog.open({ dir: work, settings: { fsync: 'never' } });
      try {
        assert.deepStrictEqual(again.recovery.cuts, [], where);
        assert.deepStrictEqual(again.recovery.removedFiles, [], where);
        assert.equal(again.nextSn, endSn + 3, where);
      } finally {
        await again.close();
      }
    }
  } finally {
    rmSync(source, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

test('corruption: a corrupt header on a segment that holds batches fails the open and changes nothing', async () => {
  const single = tempDir();
  const multi = tempDir();
  const work = tempDir();
  try {
    const singlePlaced = await writeLog(single, Array.from({ length: 5 }, (_, i) => batchOf(i, 4, 16)));
    const { segments } = await writeSegmentedLog(multi);
    const cases: { source: string; names: string[]; target: string }[] = [
      { source: single, names: [singlePlaced[0].segment], target: singlePlaced[0].segment }, // the active (only) segment
      { source: multi, names: segments, target: segments[0] }, // a sealed segment
      { source: multi, names: segments, target: segments[1] }, // a sealed segment in the middle
      { source: multi, names: segments, target: segments.at(-1)! }, // the active segment of several
    ];
    for (const { source, names, target } of cases) {
      for (let at = 0; at < SEGMENT_HEADER_BYTES; at++) {
        const where = `header byte ${at} of ${target} (${names.length} segments)`;
        rmSync(work, { recursive: true, force: true });
        mkdirSync(work);
        for (const name of names) copyFileSync(join(source, name), join(work, name));
        flipByte(join(work, target), at, 0x40);
        const before = names.map((name) => readFileSync(join(work, name)));
        await expectSegmentCorrupt(StreamLog.open({ dir: work }), where);
        assert.deepStrictEqual(readdirSync(work).sort(), [...names].sort(), `${where}: no file added or removed`);
        assert.deepStrictEqual(
          names.map((name) => readFileSync(join(work, name))),
          before,
          `${where}: no file changed`,
        );
      }
    }
    // A header whose base sn disagrees with the file name is corrupt too.
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work);
    copyFileSync(join(single, singlePlaced[0].segment), join(work, segmentFileName(1000)));
    await expectSegmentCorrupt(StreamLog.open({ dir: work }), 'renamed segment');
    renameSync(join(work, segmentFileName(1000)), join(work, singlePlaced[0].segment));
    const log = await StreamLog.open({ dir: work, settings: { fsync: 'never' } });
    try {
      await assertReads(log, singlePlaced, 'renamed back');
    } finally {
      await log.close();
    }
  } finally {
    rmSync(single, { recursive: true, force: true });
    rmSync(multi, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

test('corruption: leftover *.tmp files are removed at open', async () => {
  const dir = tempDir();
  try {
    const placed = await writeLog(dir, Array.from({ length: 4 }, (_, i) => batchOf(i, 2, 10)));
    writeFileSync(join(dir, 'consumers.json.tmp'), '{"version":1,"cons');
    writeFileSync(join(dir, `${segmentFileName(placed.at(-1)!.endSn)}.tmp`), Buffer.alloc(10));
    const log = await StreamLog.open({ dir, settings: { fsync: 'never' } });
    try {
      assert.deepStrictEqual(
        log.recovery.removedFiles.map((f) => basename(f)).sort(),
        ['consumers.json.tmp', `${segmentFileName(placed.at(-1)!.endSn)}.tmp`].sort(),
      );
      assert.deepStrictEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
      assert.deepStrictEqual(log.recovery.cuts, []);
      await assertReads(log, placed, 'after removing .tmp files');
      await assertAppendContinues(log, placed, 'after removing .tmp files');
    } finally {
      await log.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('corruption: a damaged header of a sealed segment\'s last batch is found at open and crossing it is a reported gap', async () => {
  const dir = tempDir();
  try {
    const batches = Array.from({ length: 40 }, (_, i) => batchOf(i, 10, 300));
    const placed = await writeLog(dir, batches, { segmentBytes: 64 * 1024 });
    const sealed = placed.filter((p) => p.segment === placed[0].segment);
    const lastSealed = sealed[sealed.length - 1];
    const next = placed[sealed.length];
    assert.notEqual(next.segment, lastSealed.segment, 'the log spans at least two segments');
    // Change the row count in the header of the sealed segment's last batch (CRC now fails).
    const path = join(dir, lastSealed.segment);
    const bytes = readFileSync(path);
    bytes.writeUInt32LE(bytes.readUInt32LE(lastSealed.offset + 16) + 3, lastSealed.offset + 16);
    writeFileSync(path, bytes);

    const log = await StreamLog.open({ dir });
    try {
      assert.equal(log.recovery.cuts.length, 1, JSON.stringify(log.recovery.cuts));
      assert.equal(basename(log.recovery.cuts[0].segment), lastSealed.segment);
      assert.equal(log.recovery.cuts[0].offset, lastSealed.offset);
      assert.equal(log.recovery.cuts[0].truncated, false, 'a sealed segment is left as it is');
      // Data after the damage stays reachable by sn.
      const after: Record<string, Value>[] = [];
      for await (const record of log.read({ fromSn: next.firstSn })) after.push(...rowsOf(record.batch!));
      assert.deepEqual(after, placed.slice(sealed.length).flatMap((p) => rowsOf(p.batch)));
      // A read across the damage is told of the gap, never given a silent jump in _tp_sn.
      const gaps: [number, number][] = [];
      let served = 0;
      for await (const record of log.read({ fromSn: 0, onGap: (from, to) => gaps.push([from, to]) })) served += record.header.rowCount;
      assert.deepEqual(gaps, [[lastSealed.firstSn, lastSealed.endSn]]);
      assert.equal(served, 400 - 10);
      await assert.rejects(
        (async () => {
          for await (const _ of log.read({ fromSn: 0 })) void _;
        })(),
        (e) => isDbError(e, 'POSITION_DROPPED'),
      );
    } finally {
      await log.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
