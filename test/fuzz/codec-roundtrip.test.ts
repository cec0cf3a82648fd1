// Batch codec round trip: decodeBatch(encodeBatch(b)) gives back b, for random schemas (nested arrays,
// nullables, every scalar) and values at their extremes (int64 min/max, NaN, -0, ±Infinity, empty and
// astral-plane strings), wherever the bytes sit in memory (aligned views or the unaligned copy path).
//
// Equality is assert.deepStrictEqual over rowsOf(): it compares primitives with Object.is, so NaN
// equals NaN, -0 differs from 0 and bigints compare exactly. Set FUZZ_RUNS=<n> to search deeper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type Batch, columnIndex, rowsOf } from '../../src/types/batch.ts';
import { BATCH_HEADER_BYTES, type DecodedBatch, decodeBatch, decodeBatchHeader, encodeBatch, verifyBatch } from '../../src/types/batch-codec.ts';
import type { Origin } from '../../src/types/batch.ts';
import { arbBatch, arbEncodeOptions, fuzzRuns } from '../support/arbitraries.ts';

interface Options {
  baseSn: number;
  appendTimeMs: number;
  origin: Origin | null;
}

/** The [min, max] the header must carry: of a non-empty `_tp_time datetime64` column, else the append time. */
function expectedTimeRange(batch: Batch, appendTimeMs: number): [number, number] {
  const index = columnIndex(batch, '_tp_time');
  if (index < 0 || batch.rowCount === 0 || batch.columns[index].type.kind !== 'datetime64') return [appendTimeMs, appendTimeMs];
  const times = rowsOf(batch).map((row) => row._tp_time as number);
  return [Math.min(...times), Math.max(...times)];
}

function assertSameBatch(decoded: DecodedBatch, batch: Batch, options: Options, byteLength: number): void {
  assert.deepStrictEqual(decoded.batch.columns, batch.columns);
  assert.equal(decoded.batch.rowCount, batch.rowCount);
  assert.deepStrictEqual(rowsOf(decoded.batch), rowsOf(batch));
  const header = decoded.header;
  assert.equal(header.byteLength, byteLength);
  assert.equal(header.rowCount, batch.rowCount);
  assert.equal(header.columnCount, batch.columns.length);
  assert.equal(header.baseSn, options.baseSn);
  assert.equal(header.appendTimeMs, options.appendTimeMs);
  assert.deepStrictEqual(header.origin, options.origin);
  const [min, max] = expectedTimeRange(batch, options.appendTimeMs);
  // == on numbers: the header keeps whichever of -0 and 0 it met first, and both are the same instant.
  assert.ok(header.minTimeMs === min, `minTimeMs ${header.minTimeMs}, expected ${min}`);
  assert.ok(header.maxTimeMs === max, `maxTimeMs ${header.maxTimeMs}, expected ${max}`);
}

const runs = fuzzRuns(60);

test('codec: decode(encode(b)) equals b, with copy false and true', () => {
  fc.assert(
    fc.property(arbBatch(), arbEncodeOptions(), (batch, options) => {
      const bytes = encodeBatch(batch, options);
      assert.equal(bytes.length % 8, 0);
      assert.ok(bytes.length >= BATCH_HEADER_BYTES);
      assert.equal(verifyBatch(bytes, 0), bytes.length);
      assertSameBatch(decodeBatch(bytes), batch, options, bytes.length);
      assertSameBatch(decodeBatch(bytes, 0, { copy: true }), batch, options, bytes.length);
      assert.deepStrictEqual(decodeBatchHeader(bytes, 0), decodeBatch(bytes).header);
    }),
    { numRuns: runs },
  );
});

test('codec: decoding at an odd offset (unaligned copy path) and at offset 8 of a larger buffer', () => {
  fc.assert(
    fc.property(
      arbBatch({ rowsMax: 60 }),
      arbEncodeOptions(),
      fc.constantFrom(1, 3, 7, 8, 16),
      fc.uint8Array({ maxLength: 24 }),
      fc.boolean(),
      (batch, options, offset, trailing, copy) => {
        const bytes = encodeBatch(batch, options);
        // A fresh ArrayBuffer so `offset` is also the absolute offset; garbage before and after.
        const host = new Uint8Array(new ArrayBuffer(offset + bytes.length + trailing.length)).fill(0xa5);
        host.set(bytes, offset);
        host.set(trailing, offset + bytes.length);
        assert.equal(verifyBatch(host, offset), bytes.length);
        const decoded = decodeBatch(host, offset, { copy });
        assertSameBatch(decoded, batch, options, bytes.length);
        if (copy) {
          // Owned arrays: scribbling over the source bytes must not change the decoded batch.
          const before = rowsOf(decoded.batch);
          host.fill(0xff);
          assert.deepStrictEqual(rowsOf(decoded.batch), before);
        }
      },
    ),
    { numRuns: runs },
  );
});

test('codec: decoding a view with a non-zero byteOffset into a shared ArrayBuffer', () => {
  fc.assert(
    fc.property(arbBatch({ rowsMax: 40 }), arbEncodeOptions(), fc.nat({ max: 9 }), (batch, options, shift) => {
      const bytes = encodeBatch(batch, options);
      const backing = new ArrayBuffer(shift + bytes.length);
      const view = new Uint8Array(backing, shift, bytes.length);
      view.set(bytes);
      assertSameBatch(decodeBatch(view), batch, options, bytes.length);
    }),
    { numRuns: runs },
  );
});

test('codec: encoding is deterministic and re-encoding a decoded batch gives the same bytes', () => {
  fc.assert(
    fc.property(arbBatch(), arbEncodeOptions(), (batch, options) => {
      const first = encodeBatch(batch, options);
      const second = encodeBatch(batch, { ...options });
      assert.deepStrictEqual(Buffer.from(second), Buffer.from(first));
      const again = encodeBatch(decodeBatch(first).batch, options);
      assert.deepStrictEqual(Buffer.from(again), Buffer.from(first));
    }),
    { numRuns: runs },
  );
});

test('codec: batches laid end to end decode one after another by their declared lengths', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(arbBatch({ rowsMax: 20, columnsMax: 4 }), arbEncodeOptions()), { minLength: 1, maxLength: 5 }), (items) => {
      const encoded = items.map(([batch, options]) => encodeBatch(batch, options));
      const stream = Buffer.concat(encoded);
      let offset = 0;
      for (const [batch, options] of items) {
        const decoded = decodeBatch(stream, offset);
        assertSameBatch(decoded, batch, options, decoded.header.byteLength);
        offset += decoded.header.byteLength;
      }
      assert.equal(offset, stream.length);
    }),
    { numRuns: Math.ceil(runs / 2) },
  );
});
