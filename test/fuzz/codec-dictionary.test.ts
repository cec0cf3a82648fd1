// Batch codec, dictionary-coded string columns, at random: string and nullable(string) columns drawn
// from small pools of values (random cardinality, nulls, unicode, empty and long strings, rows on
// both sides of the encoder's sampling threshold) round-trip exactly, the encoder's choice follows
// its rule, re-encoding is byte-identical, and every damage — a flipped byte, a truncation, a random
// or a hand-crafted edit under a recomputed CRC (codes >= d, d > rows, bad dictionary offsets, an
// encoding byte on the wrong column) — is BATCH_CORRUPT or, for random edits, a batch that keeps
// every vector invariant. Set FUZZ_RUNS=<n> to search deeper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isDbError } from '../../src/core/errors.ts';
import { DICTIONARY_VALUES_MAX } from '../../src/core/limits.ts';
import { type Batch, type Column, makeBatch, rowsOf } from '../../src/types/batch.ts';
import { DICTIONARY_ROWS_PER_VALUE, batchChecksum, decodeBatch, encodeBatch } from '../../src/types/batch-codec.ts';
import { type DataType, T } from '../../src/types/data-type.ts';
import { type StringVector, type Value, type Vector, plainOfDictionary, stringsOf, valueAt, vectorFromValues } from '../../src/types/vector.ts';
import { arbEncodeOptions, arbString, fuzzRuns } from '../support/arbitraries.ts';

const runs = fuzzRuns(40);
const plain = { baseSn: 0, appendTimeMs: 1_700_000_000_000 };
/** Below this many rows the encoder decides without sampling (batch-codec.ts SAMPLE_FROM_ROWS). */
const UNSAMPLED_ROWS_MAX = 255;

/** Values of one column: rows drawn from a pool of 1..80 values, skewed or not, with nulls when nullable. */
function arbColumnValues(rowCount: number, nullable: boolean): fc.Arbitrary<Value[]> {
  return fc
    .tuple(fc.uniqueArray(arbString(), { minLength: 1, maxLength: 80 }), fc.boolean(), fc.array(fc.nat(), { minLength: rowCount, maxLength: rowCount }))
    .map(([pool, skewed, picks]) =>
      picks.map((pick) => {
        if (nullable && pick % 5 === 0) return null;
        // Skewed: value k with probability ~ 1/2^(k+1), so a few values dominate.
        const k = skewed ? Math.min(pool.length - 1, Math.clz32(pick % 0x10000 | 1) - 15) : pick % pool.length;
        return pool[k];
      }),
    );
}

const arbStringType = fc.constantFrom<DataType>(T.string, T.nullable(T.string));

/** 1..4 columns (string or nullable(string), sometimes an int32 between them) of 0..rowsMax rows. */
function arbDictionaryBatch(rowsMax = 600): fc.Arbitrary<Batch> {
  const arbType = fc.oneof({ weight: 4, arbitrary: arbStringType }, { weight: 1, arbitrary: fc.constant<DataType>(T.int32) });
  return fc.tuple(fc.array(arbType, { minLength: 1, maxLength: 4 }), fc.nat({ max: rowsMax })).chain(([types, rowCount]) =>
    fc
      .tuple(
        ...types.map((type) =>
          type.kind === 'int32' ? fc.array(fc.integer({ min: -5, max: 5 }), { minLength: rowCount, maxLength: rowCount }) : arbColumnValues(rowCount, type.kind === 'nullable'),
        ),
      )
      .map((valuesByColumn) => {
        const columns: Column[] = types.map((type, i) => ({ name: `c${i}`, type }));
        return makeBatch(columns, columns.map((column, i) => vectorFromValues(column.type, valuesByColumn[i] as Value[])));
      }),
  );
}

function stringVectorOf(vector: Vector): StringVector | null {
  const inner = vector.kind === 'nullable' ? vector.inner : vector;
  return inner.kind === 'string' ? inner : null;
}

/** Every invariant a consumer may rely on, dictionaries included. */
function checkVector(vector: Vector, rowCount: number): void {
  assert.equal(vector.rowCount, rowCount);
  if (vector.kind === 'nullable') {
    assert.ok(vector.nulls.length * 8 >= rowCount);
    checkVector(vector.inner, rowCount);
    return;
  }
  if (vector.kind !== 'string') return;
  const dictionary = vector.dictionary;
  if (dictionary !== undefined) {
    assert.ok(dictionary.size <= rowCount);
    assert.equal(dictionary.offsets.length, dictionary.size + 1);
    assert.equal(dictionary.offsets[0], 0);
    for (let j = 0; j < dictionary.size; j++) assert.ok(dictionary.offsets[j] <= dictionary.offsets[j + 1]);
    assert.ok(dictionary.offsets[dictionary.size] <= dictionary.bytes.length);
    assert.ok(dictionary.codes.length >= rowCount);
    for (let i = 0; i < rowCount; i++) assert.ok(dictionary.codes[i] < dictionary.size);
  }
  assert.equal(vector.offsets.length, rowCount + 1);
  assert.equal(vector.offsets[0], 0);
  for (let i = 0; i < rowCount; i++) assert.ok(vector.offsets[i] <= vector.offsets[i + 1]);
  assert.ok(vector.offsets[rowCount] <= vector.bytes.length);
  if (dictionary !== undefined) {
    // The plain form agrees with the dictionary, row by row.
    const strings = stringsOf(vector);
    for (let i = 0; i < rowCount; i++) {
      assert.equal(Buffer.from(vector.bytes.subarray(vector.offsets[i], vector.offsets[i + 1])).toString('utf8'), strings[i]);
    }
  }
}

function assertCorrupt(decode: () => unknown, context: string): void {
  try {
    decode();
  } catch (error) {
    if (isDbError(error, 'BATCH_CORRUPT')) return;
    assert.fail(`${context}: expected DbError BATCH_CORRUPT, got ${(error as Error)?.stack ?? String(error)}`);
  }
  assert.fail(`${context}: decoded instead of failing`);
}

function reseal(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(12, batchChecksum(bytes, 0, bytes.length), true);
  return bytes;
}

/** Column encodings from the directory of a batch without an origin (as decodeBatch reads it). */
function encodingsOf(bytes: Uint8Array, batch: Batch): number[] {
  const out: number[] = [];
  let pos = 56;
  for (const column of batch.columns) {
    pos += 2 + Buffer.byteLength(column.name) + (column.type.kind === 'nullable' ? 2 : 1);
    out.push(bytes[pos++]);
  }
  return out;
}

test('dictionary codec: decode(encode(b)) equals b, with copy false and true, and re-encoding gives the same bytes', () => {
  fc.assert(
    fc.property(arbDictionaryBatch(), arbEncodeOptions(), (batch, options) => {
      const bytes = encodeBatch(batch, options);
      const expected = rowsOf(batch);
      for (const copy of [false, true]) {
        const decoded = decodeBatch(bytes, 0, { copy }).batch;
        assert.deepStrictEqual(decoded.columns, batch.columns);
        assert.deepStrictEqual(rowsOf(decoded), expected);
        for (const vector of decoded.vectors) checkVector(vector, batch.rowCount);
      }
      assert.deepStrictEqual(Buffer.from(encodeBatch(decodeBatch(bytes).batch, options)), Buffer.from(bytes));
      assert.deepStrictEqual(Buffer.from(encodeBatch(batch, options)), Buffer.from(bytes), 'deterministic');
    }),
    { numRuns: runs * 3 },
  );
});

test('dictionary codec: the encoder picks the dictionary form only within the bound, and always below the sampling threshold', () => {
  fc.assert(
    fc.property(arbDictionaryBatch(), (batch) => {
      const bytes = encodeBatch(batch, plain);
      const encodings = encodingsOf(bytes, batch);
      const decoded = decodeBatch(bytes).batch;
      const limit = Math.min(DICTIONARY_VALUES_MAX, Math.floor(batch.rowCount / DICTIONARY_ROWS_PER_VALUE));
      batch.vectors.forEach((vector, c) => {
        const strings = stringVectorOf(vector);
        if (strings === null) {
          assert.equal(encodings[c], 0);
          return;
        }
        const distinct = new Set(stringsOf(strings)).size;
        const coded = stringVectorOf(decoded.vectors[c])!.dictionary !== undefined;
        assert.equal(coded, encodings[c] === 1);
        if (coded) assert.ok(distinct <= limit, `${distinct} distinct values in ${batch.rowCount} rows`);
        else if (batch.rowCount <= UNSAMPLED_ROWS_MAX) assert.ok(limit < 1 || distinct > limit, `${distinct} distinct values in ${batch.rowCount} rows, written plain`);
        if (coded) assert.equal(stringVectorOf(decoded.vectors[c])!.dictionary!.size, distinct, 'one dictionary entry per distinct value');
      });
    }),
    { numRuns: runs * 3 },
  );
});

test('dictionary codec: decoding at odd offsets (the copy path) keeps the values', () => {
  fc.assert(
    fc.property(arbDictionaryBatch(300), fc.constantFrom(1, 3, 5, 8), (batch, offset) => {
      const bytes = encodeBatch(batch, plain);
      const host = new Uint8Array(new ArrayBuffer(offset + bytes.length)).fill(0xa5);
      host.set(bytes, offset);
      assert.deepStrictEqual(rowsOf(decodeBatch(host, offset).batch), rowsOf(batch));
      const owned = decodeBatch(host, offset, { copy: true }).batch;
      host.fill(0xff);
      assert.deepStrictEqual(rowsOf(owned), rowsOf(batch), 'copy: true owns its arrays');
    }),
    { numRuns: runs },
  );
});

test('dictionary codec: plainOfDictionary builds what vectorFromValues builds', () => {
  fc.assert(
    fc.property(arbColumnValues(200, false), (values) => {
      const pool = [...new Set(values as string[])];
      const dictionary = vectorFromValues(T.string, pool) as StringVector;
      const codes = Uint16Array.from(values as string[], (v) => pool.indexOf(v));
      const built = plainOfDictionary({ size: pool.length, offsets: dictionary.offsets, bytes: dictionary.bytes, codes }, values.length);
      const expected = vectorFromValues(T.string, values) as StringVector;
      assert.deepStrictEqual([...built.offsets], [...expected.offsets]);
      assert.deepStrictEqual(Buffer.from(built.bytes), Buffer.from(expected.bytes));
    }),
    { numRuns: runs },
  );
});

// ---------------------------------------------------------------------------------------------
// Damage

test('dictionary codec: flipping any byte of a small dictionary batch, or truncating it, is BATCH_CORRUPT', () => {
  fc.assert(
    fc.property(arbDictionaryBatch(40), fc.integer({ min: 1, max: 254 }), (batch, xor) => {
      const bytes = encodeBatch(batch, plain);
      const damaged = Uint8Array.from(bytes);
      for (let offset = 0; offset < bytes.length; offset++) {
        damaged[offset] = bytes[offset] ^ xor;
        assertCorrupt(() => decodeBatch(damaged), `byte ${offset} ^ ${xor} of ${bytes.length}`);
        damaged[offset] = bytes[offset];
      }
      for (let length = 0; length < bytes.length; length += 8) assertCorrupt(() => decodeBatch(bytes.subarray(0, length)), `truncated to ${length}`);
    }),
    { numRuns: runs },
  );
});

test('dictionary codec: random edits with a recomputed CRC give BATCH_CORRUPT or a batch that keeps every invariant', () => {
  fc.assert(
    fc.property(
      arbDictionaryBatch(120),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      (batch, writes) => {
        const bytes = encodeBatch(batch, plain);
        const edited = Uint8Array.from(bytes);
        for (const [where, value] of writes) edited[16 + Math.floor(where * (bytes.length - 16))] = value;
        reseal(edited);
        let decoded: Batch;
        try {
          decoded = decodeBatch(edited).batch;
        } catch (error) {
          assert.ok(isDbError(error, 'BATCH_CORRUPT'), `expected BATCH_CORRUPT, got ${(error as Error)?.stack ?? String(error)}`);
          return;
        }
        for (const vector of decoded.vectors) checkVector(vector, decoded.rowCount);
        for (const vector of decoded.vectors) for (let r = 0; r < decoded.rowCount; r++) valueAt(vector, r);
      },
    ),
    { numRuns: runs * 5 },
  );
});

// One string column 's' of 8 rows, 2 values. Layout: 56 u16 1, 58 's', 59 tag 12, 60 encoding 1,
// 64 u32 d = 2, 68 offsets [0, 1, 2], 80 'ab', 88 codes (u8) [0, 1, 0, 0, 1, 0, 0, 0]; length 96.
const small = encodeBatch(makeBatch([{ name: 's', type: T.string }], [vectorFromValues(T.string, ['a', 'b', 'a', 'a', 'b', 'a', 'a', 'a'])]), plain);
// One nullable(string) column 's' of 1200 rows, 300 values (u16 codes). Layout: 56 u16 1, 58 's',
// 59 tag 17, 60 tag 12, 61 encoding 1, 64 bitmap (150 bytes, to 216), 216 u32 d = 300,
// 220 offsets[301] (to 1424), value bytes, then u16 codes.
const wideValues = Array.from({ length: 1200 }, (_, i) => (i % 2 === 0 ? 'hot' : `value-${(i >> 1) % 299}`));
const wide = encodeBatch(makeBatch([{ name: 's', type: T.nullable(T.string) }], [vectorFromValues(T.nullable(T.string), wideValues)]), plain);
const WIDE_D_AT = 216;
const wideCodesAt = (() => {
  const view = new DataView(wide.buffer, wide.byteOffset);
  const valueBytes = view.getUint32(WIDE_D_AT + 4 + 4 * 300, true);
  const align8 = (n: number) => (n + 7) & ~7;
  return align8(WIDE_D_AT + 4 * 302) + align8(valueBytes);
})();

test('dictionary codec: the hand-computed layouts of the crafted batches hold', () => {
  const view = new DataView(small.buffer, small.byteOffset);
  assert.equal(small.length, 96);
  assert.equal(small[60], 1);
  assert.equal(view.getUint32(64, true), 2);
  assert.deepStrictEqual([...small.subarray(88, 96)], [0, 1, 0, 0, 1, 0, 0, 0]);
  const wideView = new DataView(wide.buffer, wide.byteOffset);
  assert.deepStrictEqual([wide[59], wide[60], wide[61]], [17, 12, 1]);
  assert.equal(wideView.getUint32(WIDE_D_AT, true), 300);
  assert.equal(wideCodesAt + 2 * 1200, wide.length);
  assert.deepStrictEqual(rowsOf(decodeBatch(wide).batch), wideValues.map((s) => ({ s })));
});

const craftedCases: readonly [string, Uint8Array, (view: DataView, bytes: Uint8Array) => void][] = [
  ['a code equal to d', small, (_v, b) => (b[89] = 2)],
  ['a code of 255', small, (_v, b) => (b[95] = 255)],
  ['d = 0', small, (v) => v.setUint32(64, 0, true)],
  ['d = 1 (code 1 out of range)', small, (v) => v.setUint32(64, 1, true)],
  ['d = 3 (shifts every part)', small, (v) => v.setUint32(64, 3, true)],
  ['d over the row count', small, (v) => v.setUint32(64, 9, true)],
  ['d = u32 max', small, (v) => v.setUint32(64, 0xffffffff, true)],
  ['dictionary offsets do not start at 0', small, (v) => v.setUint32(68, 1, true)],
  ['dictionary offsets decrease', small, (v) => (v.setUint32(72, 3, true), v.setUint32(76, 2, true))],
  ['last dictionary offset past the end', small, (v) => v.setUint32(76, 1000, true)],
  ['last dictionary offset at u32 max', small, (v) => v.setUint32(76, 0xffffffff, true)],
  ['encoding 0 over a dictionary payload', small, (_v, b) => (b[60] = 0)],
  ['encoding 2', small, (_v, b) => (b[60] = 2)],
  ['row count 9', small, (v) => v.setUint32(16, 9, true)],
  ['row count 1 (d over the row count)', small, (v) => v.setUint32(16, 1, true)],
  ['row count 16 (codes run past the end)', small, (v) => v.setUint32(16, 16, true)],
  ['a u16 code equal to d', wide, (v) => v.setUint16(wideCodesAt + 2 * 7, 300, true)],
  ['a u16 code of 0xffff', wide, (v) => v.setUint16(wideCodesAt + 2 * 1199, 0xffff, true)],
  ['u16 dictionary read as u8 (d = 256)', wide, (v) => v.setUint32(WIDE_D_AT, 256, true)],
  ['encoding 0 over a nullable dictionary payload', wide, (_v, b) => (b[61] = 0)],
  ['encoding 1 on an int32 column', wide, (_v, b) => ((b[59] = 4), (b[60] = 1), (b[61] = 0))],
];

for (const [name, source, change] of craftedCases) {
  test(`dictionary codec: a well-checksummed batch with ${name} is BATCH_CORRUPT`, () => {
    const crafted = Uint8Array.from(source);
    change(new DataView(crafted.buffer), crafted);
    reseal(crafted);
    assertCorrupt(() => decodeBatch(crafted), name);
    assertCorrupt(() => decodeBatch(crafted, 0, { copy: true }), `${name} (copy)`);
  });
}
