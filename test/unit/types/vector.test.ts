// Column vectors: building them from JS values (and the errors that name the row and the type),
// reading them back (valueAt, stringsOf, isNull), and numbersOf's exactness flag for 64-bit ints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isDbError } from '../../../src/core/errors.ts';
import { type DataType, T, formatDataType } from '../../../src/types/data-type.ts';
import {
  type Value,
  type Vector,
  formatUuid,
  isNull,
  numbersOf,
  stringsOf,
  valueAt,
  vectorFromValues,
} from '../../../src/types/vector.ts';
import { INT64_MAX, INT64_MIN, UINT64_MAX, arbDataType, arbString, arbValueFor, fuzzRuns } from '../../support/arbitraries.ts';

const values = (vector: Vector): Value[] => Array.from({ length: vector.rowCount }, (_, i) => valueAt(vector, i));

function assertRowError(type: DataType, input: readonly Value[], row: number, shownType = formatDataType(type)): void {
  assert.throws(
    () => vectorFromValues(type, input),
    (error: unknown) => {
      assert.ok(isDbError(error, 'INVALID_VALUE'), `${formatDataType(type)}: expected INVALID_VALUE, got ${String(error)}`);
      assert.match(error.message, new RegExp(`row ${row}: .* is not a valid ${shownType.replace(/[()]/g, '\\$&')}$`));
      assert.equal(error.details.row, row);
      return true;
    },
  );
}

test('vector: type errors name the 1-based row and the type', () => {
  const cases: [DataType, Value[], number][] = [
    [T.int32, [1, 'x'], 2],
    [T.int32, [1.5], 1],
    [T.int32, [2147483648], 1],
    [T.int8, [0, 0, 128], 3],
    [T.int8, [-129], 1],
    [T.uint8, [256], 1],
    [T.uint8, [-1], 1],
    [T.uint16, [65536], 1],
    [T.uint32, [-1], 1],
    [T.int16, [NaN], 1],
    [T.date, [Infinity], 1],
    [T.datetime(), [-1], 1],
    [T.int64, [INT64_MAX + 1n], 1],
    [T.int64, [0n, INT64_MIN - 1n], 2],
    [T.int64, [2 ** 53], 1], // a number past 2^53 is not a safe integer: pass a bigint instead
    [T.int64, [1.5], 1],
    [T.int64, ['1'], 1],
    [T.uint64, [-1n], 1],
    [T.uint64, [UINT64_MAX + 1n], 1],
    [T.uint64, [-1], 1],
    [T.float64, ['1.5'], 1],
    [T.float64, [1n], 1],
    [T.float32, [true], 1],
    [T.datetime64(), [0, 1.5], 2],
    [T.datetime64('UTC'), [NaN], 1],
    [T.datetime64(), [Infinity], 1],
    [T.datetime64(), [1n], 1],
    [T.bool, [2], 1],
    [T.bool, ['true'], 1],
    [T.string, ['a', 5], 2],
    [T.string, [null], 1],
    [T.int32, [[1n]], 1], // an array of bigints must not trip JSON.stringify in the error path
    [T.string, [[1n, 2n]], 1],
    [T.uuid, ['not-a-uuid'], 1],
    [T.uuid, ['00000000-0000-0000-0000-00000000000g'], 1],
    [T.uuid, ['00000000-0000-0000-0000-000000000000', 7], 2],
    [T.array(T.int8), [[1], 2], 2],
  ];
  for (const [type, input, row] of cases) assertRowError(type, input, row);
});

test('vector: errors inside nullable name the row and the inner type', () => {
  assertRowError(T.nullable(T.int8), [null, 1, 300], 3, 'int8');
  assertRowError(T.nullable(T.uuid), [null, 'nope'], 2, 'uuid');
});

test('vector: errors inside arrays name the row of the array, not the index among all elements', () => {
  assertRowError(T.array(T.int8), [[1, 2, 3], [4, 999]], 2);
  assertRowError(T.array(T.int8), [[], [], [1, 2, 3], [1000]], 4);
  assertRowError(T.array(T.array(T.int8)), [[[1], [2, 3]], [[4], [5, 600]]], 2);
  assertRowError(T.array(T.nullable(T.string)), [[null, 'a'], [null, 1]], 2);
  // The element's own error is kept as the cause.
  try {
    vectorFromValues(T.array(T.int8), [[1], [2, 999]]);
    assert.fail('expected an error');
  } catch (error) {
    assert.ok(isDbError(error, 'INVALID_VALUE'));
    assert.match(String((error.cause as Error).message), /999 is not a valid int8/);
  }
});

test('vector: accepted spellings are normalised (safe-integer numbers for 64-bit ints, 0/1 for bool, uuid case and dashes)', () => {
  assert.deepStrictEqual(values(vectorFromValues(T.int64, [1, -(2 ** 53) + 1, INT64_MIN])), [1n, -(2n ** 53n) + 1n, INT64_MIN]);
  assert.deepStrictEqual(values(vectorFromValues(T.uint64, [0, UINT64_MAX])), [0n, UINT64_MAX]);
  assert.deepStrictEqual(values(vectorFromValues(T.bool, [true, false, 0, 1])), [true, false, false, true]);
  assert.deepStrictEqual(values(vectorFromValues(T.float32, [0.1, -0, NaN])), [Math.fround(0.1), -0, NaN]);
  assert.deepStrictEqual(
    values(vectorFromValues(T.uuid, ['0123456789ABCDEF0123456789abcdef', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'])),
    ['01234567-89ab-cdef-0123-456789abcdef', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
  );
  const uuid = vectorFromValues(T.uuid, ['00112233-4455-6677-8899-aabbccddeeff']);
  assert.ok(uuid.kind === 'fixed');
  assert.deepStrictEqual(Array.from(uuid.data as Uint8Array), [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]);
  assert.equal(formatUuid(uuid.data as Uint8Array, 0), '00112233-4455-6677-8899-aabbccddeeff');
});

test('vector: every canonical value reads back unchanged through valueAt (random types)', () => {
  fc.assert(
    fc.property(
      arbDataType().chain((type) => fc.tuple(fc.constant(type), fc.array(arbValueFor(type), { maxLength: 30 }))),
      ([type, input]) => {
        const vector = vectorFromValues(type, input);
        assert.equal(vector.rowCount, input.length);
        assert.deepStrictEqual(values(vector), input);
      },
    ),
    { numRuns: fuzzRuns(200) },
  );
});

test('vector: representation of nullable and array vectors', () => {
  const vector = vectorFromValues(T.nullable(T.int32), [1, null, 3, null, null, 6, 7, 8, null]);
  assert.ok(vector.kind === 'nullable');
  assert.deepStrictEqual(Array.from(vector.nulls), [0b0001_1010, 0b0000_0001]);
  assert.deepStrictEqual(Array.from((vector.inner as Extract<Vector, { kind: 'fixed' }>).data as Int32Array), [1, 0, 3, 0, 0, 6, 7, 8, 0]);
  assert.deepStrictEqual([0, 1, 8].map((row) => isNull(vector, row)), [false, true, true]);
  assert.equal(isNull(vectorFromValues(T.int32, [1]), 0), false);

  const array = vectorFromValues(T.array(T.string), [['a', 'bc'], [], ['😀']]);
  assert.ok(array.kind === 'array');
  assert.deepStrictEqual(Array.from(array.offsets), [0, 2, 2, 3]);
  assert.equal(array.inner.rowCount, 3);
});

test('vector: valueAt on nested arrays of nullable values', () => {
  const type = T.array(T.array(T.nullable(T.int32)));
  const input: Value[] = [[[1, null], []], [], [[null]], [[], [2147483647, -2147483648, null]]];
  const vector = vectorFromValues(type, input);
  assert.deepStrictEqual(values(vector), input);
  assert.deepStrictEqual(valueAt(vector, 3), [[], [2147483647, -2147483648, null]]);

  const strings = vectorFromValues(T.array(T.nullable(T.string)), [['', null, 'x'], [null]]);
  assert.deepStrictEqual(values(strings), [['', null, 'x'], [null]]);
  const times = vectorFromValues(T.array(T.nullable(T.datetime64('UTC'))), [[null, 1_700_000_000_123]]);
  assert.deepStrictEqual(valueAt(times, 0), [null, 1_700_000_000_123]);
  const uuids = vectorFromValues(T.nullable(T.uuid), [null, 'ffffffff-0000-0000-0000-000000000001']);
  assert.deepStrictEqual(values(uuids), [null, 'ffffffff-0000-0000-0000-000000000001']);
});

test('vector: stringsOf decodes every row, unicode and empty strings included', () => {
  const input = ['', 'a', 'é', 'e\u0301', '😀', '中文', '\u0000', ''];
  const vector = vectorFromValues(T.string, input);
  assert.ok(vector.kind === 'string');
  assert.deepStrictEqual(stringsOf(vector), input);
  assert.equal(vector.offsets[vector.rowCount], Buffer.byteLength(input.join(''), 'utf8'));
  fc.assert(
    fc.property(fc.array(arbString(), { maxLength: 40 }), (strings) => {
      const v = vectorFromValues(T.string, strings);
      assert.ok(v.kind === 'string');
      assert.deepStrictEqual(stringsOf(v), strings);
    }),
    { numRuns: fuzzRuns(100) },
  );
});

test('vector: lone surrogates do not survive UTF-8 (why the arbitraries never produce them)', () => {
  const vector = vectorFromValues(T.string, ['\uD800', 'a\uDC00b']);
  assert.deepStrictEqual(values(vector), ['\uFFFD', 'a\uFFFDb']);
});

test('vector: numbersOf is Number(v) for every value; exact says whether all lie in [-2^53, 2^53)', () => {
  const edge = [0n, 1n, -1n, 2n ** 53n - 1n, -(2n ** 53n), 2n ** 53n, -(2n ** 53n) - 1n, INT64_MIN, INT64_MAX, 2n ** 32n, -(2n ** 32n)];
  const arbInt64 = fc.oneof(fc.constantFrom(...edge), fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n }));
  fc.assert(
    fc.property(fc.array(arbInt64, { maxLength: 20 }), fc.nat({ max: 3 }), (input, pad) => {
      // A view at a non-zero byteOffset, as a batch decoded in place gives.
      const data = new BigInt64Array(new ArrayBuffer((input.length + pad) * 8), pad * 8, input.length);
      data.set(input);
      const { values: numbers, exact } = numbersOf(data);
      assert.equal(numbers.length, input.length);
      for (let i = 0; i < input.length; i++) assert.equal(numbers[i], Number(input[i]), `${input[i]}`);
      assert.equal(exact, input.every((v) => v >= -(2n ** 53n) && v < 2n ** 53n));
    }),
    { numRuns: fuzzRuns(200) },
  );
  const arbUint64 = fc.oneof(fc.constantFrom(0n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, UINT64_MAX), fc.bigInt({ min: 0n, max: UINT64_MAX }));
  fc.assert(
    fc.property(fc.array(arbUint64, { maxLength: 20 }), (input) => {
      const { values: numbers, exact } = numbersOf(BigUint64Array.from(input));
      for (let i = 0; i < input.length; i++) assert.equal(numbers[i], Number(input[i]), `${input[i]}`);
      assert.equal(exact, input.every((v) => v < 2n ** 53n));
    }),
    { numRuns: fuzzRuns(200) },
  );
  assert.deepStrictEqual(numbersOf(new BigInt64Array(0)), { values: new Float64Array(0), exact: true });
  const vector = vectorFromValues(T.int64, [INT64_MIN, -1n, 5n]);
  assert.ok(vector.kind === 'fixed');
  const { values: numbers, exact } = numbersOf(vector.data as BigInt64Array);
  assert.deepStrictEqual(Array.from(numbers), [-(2 ** 63), -1, 5]);
  assert.equal(exact, false);
});
