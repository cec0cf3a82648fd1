// The string interner's dictionary columns read back exactly the stored values (including non-ASCII,
// long and empty ones, which get no code), repeated values share one code and one string object,
// and slicing or taking rows keeps the values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { INTERNER_VALUE_BYTES_MAX, StringInterner } from '../../../src/engine/string-interner.ts';
import { sliceCol, takeCol } from '../../../src/engine/exec-batch.ts';
import { T } from '../../../src/types/data-type.ts';
import { vectorFromValues } from '../../../src/types/vector.ts';

function columnOf(interner: StringInterner, values: string[]) {
  const vector = vectorFromValues(T.string, values);
  if (vector.kind !== 'string') throw new Error('expected a string vector');
  return interner.column(T.string, vector.bytes, vector.offsets, vector.rowCount, null);
}

const values = fc.array(fc.oneof(fc.constantFrom('a', 'device-1', 'device-2', '', 'ü', 'x'.repeat(INTERNER_VALUE_BYTES_MAX + 1)), fc.string(), fc.string({ unit: 'grapheme' })), { maxLength: 120 });

test('dictionary columns read back exactly, across batches of one interner', () => {
  fc.assert(
    fc.property(values, values, (first, second) => {
      const interner = new StringInterner();
      const a = columnOf(interner, first);
      const b = columnOf(interner, second);
      assert.deepEqual(a.values, first);
      assert.deepEqual(b.values, second);
      assert.deepEqual(first.map((_, i) => a.stringAt(i)), first);
    }),
    { numRuns: 300 },
  );
});

test('slices and takes keep the values', () => {
  fc.assert(
    fc.property(values.filter((v) => v.length > 2), fc.nat(), (rows, seed) => {
      const col = columnOf(new StringInterner(), rows);
      const start = seed % rows.length;
      const end = start + ((seed >> 3) % (rows.length - start + 1));
      assert.deepEqual(sliceCol(col, start, end).values, rows.slice(start, end));
      const indices = Uint32Array.from(rows.map((_, i) => i).filter((i) => (i + seed) % 3 !== 0).reverse());
      assert.deepEqual(takeCol(col, indices).values, Array.from(indices, (i) => rows[i]));
    }),
    { numRuns: 200 },
  );
});

test('repeated values share one code and one string object', () => {
  const interner = new StringInterner();
  const a = columnOf(interner, ['device-7', 'device-8', 'device-7']);
  const b = columnOf(interner, ['device-7']);
  assert.equal(a.codes[0], a.codes[2]);
  assert.notEqual(a.codes[0], a.codes[1]);
  assert.equal(b.codes[0], a.codes[0]);
  assert.equal(a.values[0], b.values[0]);
});

test('the table grows past its initial size and up to its limit without losing a value', () => {
  const interner = new StringInterner();
  const many = Array.from({ length: 70_000 }, (_, i) => `k${i}`);
  const col = columnOf(interner, many);
  assert.deepEqual(col.values, many);
  let coded = 0;
  for (const code of col.codes) if (code >= 0) coded++;
  assert.equal(coded, 65_536, 'codes stop at INTERNER_ENTRIES_MAX; later values decode on their own');
  const again = columnOf(interner, ['k5', 'k65535', 'k69999']);
  assert.deepEqual(again.values, ['k5', 'k65535', 'k69999']);
  assert.equal(again.codes[0], col.codes[5]);
  assert.equal(again.codes[2], -1);
});

test('equalsConstant matches comparing the decoded strings, before and after encoding, and after slicing', () => {
  const constants = fc.oneof(fc.constantFrom('a', 'device-1', '', 'ü', '\uFFFD', '\uD800', 'x'.repeat(INTERNER_VALUE_BYTES_MAX + 1)), fc.string(), fc.string({ unit: 'grapheme' }));
  fc.assert(
    fc.property(values, constants, fc.boolean(), fc.boolean(), (rows, constant, negate, encodeFirst) => {
      const interner = new StringInterner();
      const decoded = columnOf(new StringInterner(), rows).values;
      const expected = decoded.map((v) => ((v === constant) !== negate ? 1 : 0));
      const col = columnOf(interner, rows);
      if (encodeFirst) void col.codes;
      assert.deepEqual([...col.equalsConstant(constant, negate)], expected);
      const half = Math.floor(rows.length / 2);
      assert.deepEqual([...col.slice(half, rows.length).equalsConstant(constant, negate)], expected.slice(half));
      const other = columnOf(interner, rows); // encoded or not, same interner
      assert.deepEqual([...other.equalsConstant(constant, negate)], expected);
      const firstRow = takeCol(col, Uint32Array.of(0));
      if (rows.length > 0) assert.deepEqual(firstRow.values, [decoded[0]]);
    }),
    { numRuns: 300 },
  );
});

test('a point match on a column not yet encoded takes its rows without encoding it', () => {
  const interner = new StringInterner();
  const rows = Array.from({ length: 64 }, (_, i) => `device-${i % 10}`);
  const col = columnOf(interner, rows);
  const mask = col.equalsConstant('device-3', false);
  assert.equal(col.isEncoded, false);
  const taken = takeCol(col, Uint32Array.of(3, 13));
  assert.deepEqual(taken.values, ['device-3', 'device-3']);
  assert.equal(col.isEncoded, false);
  assert.equal(mask.reduce((sum, v) => sum + v, 0), 7);
  // Taking many rows encodes the column and keeps the result coded.
  const many = takeCol(col, Uint32Array.from({ length: 32 }, (_, i) => i));
  assert.equal(col.isEncoded, true);
  assert.deepEqual(many.values, rows.slice(0, 32));
});
