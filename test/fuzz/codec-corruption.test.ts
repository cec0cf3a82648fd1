// Batch codec under damage: a flipped byte, a truncation, random bytes, or a well-checksummed batch
// with a broken structure must all end in DbError BATCH_CORRUPT. Never data, never a RangeError or
// TypeError from a typed array, never a hang.
//
// Method: exhaustive over offsets for small batches (every byte flipped two ways, every truncation),
// sampled offsets for larger ones, hand-crafted structural edits with the CRC recomputed through
// batchChecksum, and random edits with a recomputed CRC whose only allowed outcomes are BATCH_CORRUPT
// or a batch that satisfies every vector invariant. Set FUZZ_RUNS=<n> to search deeper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isDbError } from '../../src/core/errors.ts';
import { BATCH_ROWS_MAX, COLUMNS_PER_STREAM_MAX, TYPE_NESTING_MAX } from '../../src/core/limits.ts';
import { type Batch, batchFromRows, rowsOf } from '../../src/types/batch.ts';
import {
  BATCH_FORMAT_VERSION,
  BATCH_HEADER_BYTES,
  BATCH_MAGIC,
  batchChecksum,
  decodeBatch,
  encodeBatch,
  peekBatchLength,
  verifyBatch,
} from '../../src/types/batch-codec.ts';
import { type DataType, T } from '../../src/types/data-type.ts';
import { type Vector, elementsPerRow, valueAt } from '../../src/types/vector.ts';
import { arbBatch, arbEncodeOptions, fuzzRuns } from '../support/arbitraries.ts';

const runs = fuzzRuns(40);
const plain = { baseSn: 0, appendTimeMs: 1_700_000_000_000 };

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Runs `decode` and requires it to throw DbError BATCH_CORRUPT. */
function assertCorrupt(decode: () => unknown, context: string): void {
  let result: unknown;
  try {
    result = decode();
  } catch (error) {
    if (isDbError(error, 'BATCH_CORRUPT')) return;
    assert.fail(`${context}: expected DbError BATCH_CORRUPT, got ${(error as Error)?.stack ?? String(error)}`);
  }
  assert.fail(`${context}: decoded instead of failing: ${describe(result)}`);
}

/** Rewrites the CRC so that only the structure checks stand between the bytes and the decoder. */
function reseal(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = Math.min(view.getUint32(8, true), bytes.length);
  view.setUint32(12, batchChecksum(bytes, 0, length), true);
  return bytes;
}

function edit(bytes: Uint8Array, change: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const copy = Uint8Array.from(bytes);
  change(new DataView(copy.buffer), copy);
  return reseal(copy);
}

/** Every invariant vector.ts promises, checked on a decoded vector (what a consumer may rely on). */
function checkVector(vector: Vector, rowCount: number): void {
  assert.equal(vector.rowCount, rowCount);
  switch (vector.kind) {
    case 'fixed':
      assert.equal(vector.data.length, rowCount * elementsPerRow(vector.type));
      return;
    case 'string':
      assert.equal(vector.offsets.length, rowCount + 1);
      assert.equal(vector.offsets[0], 0);
      for (let i = 0; i < rowCount; i++) assert.ok(vector.offsets[i] <= vector.offsets[i + 1]);
      assert.ok(vector.offsets[rowCount] <= vector.bytes.length);
      return;
    case 'nullable':
      assert.ok(vector.nulls.length * 8 >= rowCount);
      checkVector(vector.inner, rowCount);
      return;
    case 'array':
      assert.equal(vector.offsets.length, rowCount + 1);
      assert.equal(vector.offsets[0], 0);
      for (let i = 0; i < rowCount; i++) assert.ok(vector.offsets[i] <= vector.offsets[i + 1]);
      checkVector(vector.inner, vector.offsets[rowCount]);
  }
}

function checkDecodedBatch(batch: Batch, headerRowCount: number): void {
  assert.equal(batch.rowCount, headerRowCount, 'header row count and batch row count agree');
  for (const vector of batch.vectors) checkVector(vector, batch.rowCount);
  for (let c = 0; c < batch.vectors.length; c++) {
    for (let r = 0; r < batch.rowCount; r++) valueAt(batch.vectors[c], r);
  }
}

// ---------------------------------------------------------------------------------------------
// Bit flips and truncation

test('corruption: flipping any single byte of a small batch is BATCH_CORRUPT (every offset)', () => {
  fc.assert(
    fc.property(arbBatch({ rowsMax: 12, columnsMax: 4, arrayDepthMax: 2 }), arbEncodeOptions(), fc.integer({ min: 1, max: 254 }), (batch, options, xor) => {
      const bytes = encodeBatch(batch, options);
      const damaged = Uint8Array.from(bytes);
      for (let offset = 0; offset < bytes.length; offset++) {
        for (const mask of [0xff, xor]) {
          damaged[offset] = bytes[offset] ^ mask;
          assertCorrupt(() => decodeBatch(damaged), `byte ${offset} ^ ${mask} of ${bytes.length}`);
          assertCorrupt(() => decodeBatch(damaged, 0, { copy: true }), `byte ${offset} ^ ${mask} (copy)`);
        }
        damaged[offset] = bytes[offset];
      }
    }),
    { numRuns: runs },
  );
});

test('corruption: flipping a byte at random offsets of a larger batch is BATCH_CORRUPT', () => {
  fc.assert(
    fc.property(
      arbBatch(),
      arbEncodeOptions(),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 1, max: 255 })), {
        minLength: 1,
        maxLength: 32,
      }),
      (batch, options, flips) => {
        const bytes = encodeBatch(batch, options);
        for (const [where, mask] of flips) {
          const offset = Math.floor(where * bytes.length);
          const damaged = Uint8Array.from(bytes);
          damaged[offset] ^= mask;
          assertCorrupt(() => decodeBatch(damaged), `byte ${offset} ^ ${mask} of ${bytes.length}`);
        }
      },
    ),
    { numRuns: runs },
  );
});

test('corruption: truncating at every offset is BATCH_CORRUPT, and the full batch still decodes', () => {
  fc.assert(
    fc.property(arbBatch({ rowsMax: 30, columnsMax: 6 }), arbEncodeOptions(), (batch, options) => {
      const bytes = encodeBatch(batch, options);
      for (let length = 0; length < bytes.length; length++) {
        const torn = bytes.subarray(0, length);
        assertCorrupt(() => decodeBatch(torn), `truncated to ${length} of ${bytes.length}`);
        assertCorrupt(() => verifyBatch(torn, 0), `verify truncated to ${length}`);
      }
      assert.equal(decodeBatch(bytes).batch.rowCount, batch.rowCount);
    }),
    { numRuns: runs },
  );
});

test('corruption: random byte arrays are BATCH_CORRUPT', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat({ max: 16 }), (bytes, offset) => {
      assertCorrupt(() => decodeBatch(bytes), `random ${bytes.length} bytes`);
      assertCorrupt(() => decodeBatch(bytes, offset, { copy: true }), `random ${bytes.length} bytes at ${offset}`);
    }),
    { numRuns: runs * 5 },
  );
});

test('corruption: random bodies behind a valid header fail the CRC', () => {
  fc.assert(
    fc.property(fc.nat({ max: 64 }), fc.uint8Array({ minLength: 512, maxLength: 512 }), fc.boolean(), (words, body, origin) => {
      const length = BATCH_HEADER_BYTES + words * 8;
      const bytes = body.slice(0, length);
      const view = new DataView(bytes.buffer);
      view.setUint32(0, BATCH_MAGIC, true);
      view.setUint16(4, BATCH_FORMAT_VERSION, true);
      view.setUint16(6, origin ? 1 : 0, true);
      view.setUint32(8, length, true);
      const crc = batchChecksum(bytes, 0, length);
      view.setUint32(12, (crc ^ 1) >>> 0, true);
      assertCorrupt(() => decodeBatch(bytes), 'valid header, random body, wrong CRC');
    }),
    { numRuns: runs * 2 },
  );
});

// ---------------------------------------------------------------------------------------------
// Well-checksummed batches with a broken structure

test('corruption: random edits with a recomputed CRC give BATCH_CORRUPT or a batch that keeps every invariant', () => {
  fc.assert(
    fc.property(
      arbBatch({ rowsMax: 20, columnsMax: 5 }),
      arbEncodeOptions(),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      (batch, options, writes) => {
        const bytes = encodeBatch(batch, options);
        // Skip the magic/version/flags/length/CRC words (offset 16 on): those have their own checks.
        const edited = edit(bytes, (_view, target) => {
          for (const [where, value] of writes) target[16 + Math.floor(where * (bytes.length - 16))] = value;
        });
        let decoded: ReturnType<typeof decodeBatch>;
        try {
          decoded = decodeBatch(edited);
        } catch (error) {
          assert.ok(isDbError(error, 'BATCH_CORRUPT'), `expected BATCH_CORRUPT, got ${(error as Error)?.stack ?? String(error)}`);
          return;
        }
        checkDecodedBatch(decoded.batch, decoded.header.rowCount);
      },
    ),
    { numRuns: runs * 3 },
  );
});

// One string column 's' holding ['ab', 'cde'], no origin. Layout:
//   0..56 header; 56 u16 name length = 1; 58 's'; 59 tag 12 (string); 60 encoding 0 (plain); 61..64 padding;
//   64 offsets u32 [0, 2, 5] (+4 padding); 80 'abcde' (+3 padding); length 88.
const stringBatch = encodeBatch(batchFromRows([{ name: 's', type: T.string }], [{ s: 'ab' }, { s: 'cde' }]), plain);
const OFFSETS_AT = 64;

test('corruption: the hand-computed layout of the crafted batch holds', () => {
  assert.equal(stringBatch.length, 88);
  const view = new DataView(stringBatch.buffer, stringBatch.byteOffset);
  assert.equal(view.getUint16(56, true), 1);
  assert.equal(stringBatch[58], 's'.charCodeAt(0));
  assert.equal(stringBatch[59], 12);
  assert.equal(stringBatch[60], 0);
  assert.deepStrictEqual([0, 1, 2].map((i) => view.getUint32(OFFSETS_AT + 4 * i, true)), [0, 2, 5]);
  assert.equal(Buffer.from(stringBatch.subarray(80, 85)).toString(), 'abcde');
  assert.deepStrictEqual(rowsOf(decodeBatch(stringBatch).batch), [{ s: 'ab' }, { s: 'cde' }]);
});

const craftedCases: readonly [string, (view: DataView, bytes: Uint8Array) => void][] = [
  ['string offsets decrease', (v) => v.setUint32(OFFSETS_AT + 4, 6, true)],
  ['string offsets do not start at 0', (v) => v.setUint32(OFFSETS_AT, 1, true)],
  ['last string offset past the end', (v) => v.setUint32(OFFSETS_AT + 8, 1000, true)],
  ['last string offset at u32 max', (v) => v.setUint32(OFFSETS_AT + 8, 0xffffffff, true)],
  ['unknown type tag 0', (_v, b) => (b[59] = 0)],
  ['unknown type tag 19', (_v, b) => (b[59] = 19)],
  ['unknown type tag 255', (_v, b) => (b[59] = 255)],
  ['column count over COLUMNS_PER_STREAM_MAX', (v) => v.setUint16(20, COLUMNS_PER_STREAM_MAX + 1, true)],
  ['column count 0xffff', (v) => v.setUint16(20, 0xffff, true)],
  ['column count larger than the directory', (v) => v.setUint16(20, 2, true)],
  ['column count 0 (payload left over)', (v) => v.setUint16(20, 0, true)],
  ['row count 1 (payload left over)', (v) => v.setUint32(16, 1, true)],
  ['row count 3 (reads string bytes as offsets)', (v) => v.setUint32(16, 3, true)],
  ['row count over BATCH_ROWS_MAX', (v) => v.setUint32(16, BATCH_ROWS_MAX + 1, true)],
  ['row count u32 max', (v) => v.setUint32(16, 0xffffffff, true)],
  ['column name length past the end', (v) => v.setUint16(56, 0xffff, true)],
  ['column name length 40 (runs into the payload)', (v) => v.setUint16(56, 40, true)],
  ['column name not UTF-8', (_v, b) => (b[58] = 0xff)],
  ['origin flag without an origin', (v) => v.setUint16(6, 1, true)],
  ['unknown flag bit', (v) => v.setUint16(6, 2, true)],
  ['format version 0', (v) => v.setUint16(4, 0, true)],
  ['format version 3', (v) => v.setUint16(4, BATCH_FORMAT_VERSION + 1, true)],
  ['format version 0x0102', (v) => v.setUint16(4, 0x0102, true)],
  ['unknown column encoding 2', (_v, b) => (b[60] = 2)],
  ['unknown column encoding 255', (_v, b) => (b[60] = 255)],
  ['dictionary encoding over a plain string payload', (_v, b) => (b[60] = 1)],
  ['bad magic', (v) => v.setUint32(0, BATCH_MAGIC ^ 1, true)],
  ['base sn over 2^53', (v) => v.setBigUint64(24, 2n ** 53n, true)],
  ['declared length shorter than the payload', (v) => v.setUint32(8, 80, true)],
  ['declared length not a multiple of 8', (v) => v.setUint32(8, 84, true)],
  ['declared length below the header', (v) => v.setUint32(8, 48, true)],
  ['declared length 0', (v) => v.setUint32(8, 0, true)],
];

for (const [name, change] of craftedCases) {
  test(`corruption: a well-checksummed batch with ${name} is BATCH_CORRUPT`, () => {
    const crafted = edit(stringBatch, change);
    assertCorrupt(() => decodeBatch(crafted), name);
    assertCorrupt(() => decodeBatch(crafted, 0, { copy: true }), `${name} (copy)`);
  });
}

test('corruption: a well-checksummed batch with zero columns but a non-zero row count is BATCH_CORRUPT', () => {
  const empty = encodeBatch(batchFromRows([], []), plain);
  assert.equal(empty.length, BATCH_HEADER_BYTES);
  assert.equal(decodeBatch(empty).header.rowCount, 0);
  const crafted = edit(empty, (v) => v.setUint32(16, 5, true));
  assertCorrupt(() => decodeBatch(crafted), 'no columns, 5 rows');
});

test('corruption: a well-checksummed batch with a duplicate column name is BATCH_CORRUPT', () => {
  const bytes = encodeBatch(batchFromRows([{ name: 'a', type: T.int8 }, { name: 'b', type: T.int8 }], [{ a: 1, b: 2 }]), plain);
  // Directory: 56 u16 1, 58 'a', 59 tag, 60 encoding, 61 u16 1, 63 'b', 64 tag, 65 encoding.
  assert.equal(bytes[63], 'b'.charCodeAt(0));
  assertCorrupt(() => decodeBatch(edit(bytes, (_v, b) => (b[63] = 'a'.charCodeAt(0)))), 'duplicate name');
});

test('corruption: row count changes that alter payload sizes are BATCH_CORRUPT', () => {
  const bytes = encodeBatch(batchFromRows([{ name: 'n', type: T.int64 }], [{ n: 1n }, { n: 2n }]), plain);
  for (const rowCount of [0, 1, 3, 4, 1000]) {
    assertCorrupt(() => decodeBatch(edit(bytes, (v) => v.setUint32(16, rowCount, true))), `int64 rows ${rowCount}`);
  }
});

test('corruption: invalid type descriptors are BATCH_CORRUPT', () => {
  // nullable(int8) at directory byte 58..59 ('x' at 58): tags 17 then 2.
  const nullable = encodeBatch(batchFromRows([{ name: 'x', type: T.nullable(T.int8) }], [{ x: null }]), plain);
  assert.deepStrictEqual([nullable[59], nullable[60]], [17, 2]);
  assertCorrupt(() => decodeBatch(edit(nullable, (_v, b) => (b[60] = 17))), 'nullable(nullable(...))');
  assertCorrupt(() => decodeBatch(edit(nullable, (_v, b) => (b[60] = 18))), 'nullable(array(...))');

  // datetime64(3) at 59: tag 13, precision 3, timezone length 0.
  const time = encodeBatch(batchFromRows([{ name: 't', type: T.datetime64() }], [{ t: 1 }]), plain);
  assert.deepStrictEqual([time[59], time[60], time[61]], [13, 3, 0]);
  assertCorrupt(() => decodeBatch(edit(time, (_v, b) => (b[60] = 6))), 'datetime64 precision 6');
  assertCorrupt(() => decodeBatch(edit(time, (_v, b) => (b[61] = 200))), 'timezone past the end');

  // The deepest allowed type, then one more level: the innermost tag becomes another array.
  let deep: DataType = T.int8;
  for (let level = 1; level < TYPE_NESTING_MAX; level++) deep = T.array(deep);
  const deepBytes = encodeBatch(batchFromRows([{ name: 'd', type: deep }], []), plain);
  assert.deepStrictEqual(decodeBatch(deepBytes).batch.columns[0].type, deep);
  const innermost = 58 + TYPE_NESTING_MAX;
  assert.equal(deepBytes[innermost], 2);
  assertCorrupt(() => decodeBatch(edit(deepBytes, (_v, b) => (b[innermost] = 18))), 'nesting over TYPE_NESTING_MAX');
});

test('corruption: an origin with u64 fields over 2^53 or ids running past the end is BATCH_CORRUPT', () => {
  const origin = { nodeId: 'n', taskId: 't', lane: 7, firstSn: 1, lastSn: 2 };
  const bytes = encodeBatch(batchFromRows([], []), { ...plain, origin });
  // Origin at 56: u8 1, 'n', u8 1, 't', u32 lane at 60, u64 first at 64, u64 last at 72.
  assert.deepStrictEqual(decodeBatch(bytes).header.origin, origin);
  assertCorrupt(() => decodeBatch(edit(bytes, (v) => v.setBigUint64(64, 2n ** 60n, true))), 'first sn over 2^53');
  assertCorrupt(() => decodeBatch(edit(bytes, (v) => v.setBigUint64(72, 2n ** 64n - 1n, true))), 'last sn over 2^53');
  assertCorrupt(() => decodeBatch(edit(bytes, (_v, b) => (b[56] = 255))), 'node id past the end');
  assertCorrupt(() => decodeBatch(edit(bytes, (_v, b) => (b[57] = 0xc3))), 'node id not UTF-8');
  assertCorrupt(() => decodeBatch(edit(bytes, (v) => v.setBigUint64(64, 3n, true))), 'first sn after last sn');
});

// ---------------------------------------------------------------------------------------------
// peekBatchLength / verifyBatch on short or foreign buffers

test('peekBatchLength: null while fewer than BATCH_HEADER_BYTES remain, the length once the header is there', () => {
  for (let length = 0; length < BATCH_HEADER_BYTES; length++) {
    assert.equal(peekBatchLength(stringBatch.subarray(0, length), 0), null, `prefix of ${length}`);
    assert.equal(peekBatchLength(new Uint8Array(length), 0), null, `zeros of ${length}`);
  }
  // A torn batch whose header is complete: peek reports the full length so the caller can wait for it.
  assert.equal(peekBatchLength(stringBatch.subarray(0, BATCH_HEADER_BYTES), 0), stringBatch.length);
  assert.equal(peekBatchLength(stringBatch, 0), stringBatch.length);
  const host = new Uint8Array(stringBatch.length + 13);
  host.set(stringBatch, 5);
  assert.equal(peekBatchLength(host, 5), stringBatch.length);
  assert.equal(peekBatchLength(host, host.length - BATCH_HEADER_BYTES + 1), null);
  assert.equal(peekBatchLength(host, host.length), null);
});

test('peekBatchLength: a complete header that is not a batch header is BATCH_CORRUPT', () => {
  assertCorrupt(() => peekBatchLength(new Uint8Array(BATCH_HEADER_BYTES), 0), 'zeros');
  for (const [name, change] of craftedCases.filter(([n]) => /magic|version|flag bit|declared length (not|below|0)/.test(n))) {
    assertCorrupt(() => peekBatchLength(edit(stringBatch, change), 0), name);
  }
  const tooLong = edit(stringBatch, (v) => v.setUint32(8, 0x7ffffff8, true));
  assertCorrupt(() => peekBatchLength(tooLong, 0), 'length over BATCH_BYTES_MAX');
});

test('verifyBatch: short, torn and damaged buffers are BATCH_CORRUPT; an intact one gives its length', () => {
  for (const length of [0, 1, 8, 55, 56, 57, 87]) {
    assertCorrupt(() => verifyBatch(stringBatch.subarray(0, length), 0), `prefix of ${length}`);
  }
  assert.equal(verifyBatch(stringBatch, 0), 88);
  const damaged = Uint8Array.from(stringBatch);
  damaged[82] ^= 1;
  assertCorrupt(() => verifyBatch(damaged, 0), 'payload byte flipped');
  assertCorrupt(() => verifyBatch(stringBatch, 8), 'wrong offset');
});
