// The string interner returns exactly the decoded values (including non-ASCII, long, empty and
// colliding ones), and the same object for repeated values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StringInterner, INTERNER_VALUE_BYTES_MAX } from '../../../src/engine/string-interner.ts';
import { T } from '../../../src/types/data-type.ts';
import { vectorFromValues } from '../../../src/types/vector.ts';

function decodeWith(interner: StringInterner, values: string[]): string[] {
  const vector = vectorFromValues(T.string, values);
  if (vector.kind !== 'string') throw new Error('expected a string vector');
  return interner.decode(vector.bytes, vector.offsets, vector.rowCount);
}

test('interned decoding equals plain decoding', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom('a', 'device-1', 'device-2', '', 'ü', 'x'.repeat(INTERNER_VALUE_BYTES_MAX + 1)), fc.string(), fc.string({ unit: 'grapheme' })), { maxLength: 200 }), (values) => {
      const interner = new StringInterner();
      assert.deepEqual(decodeWith(interner, values), values);
      assert.deepEqual(decodeWith(interner, values), values, 'a second batch through the same interner');
    }),
    { numRuns: 300 },
  );
});

test('repeated values come back as one string object', () => {
  const interner = new StringInterner();
  const [a, b] = decodeWith(interner, ['device-7', 'device-7']);
  const [c] = decodeWith(interner, ['device-7']);
  assert.equal(a, b);
  assert.equal(a, c);
});
