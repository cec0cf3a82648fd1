// castCol and the to_* conversion functions: each source class to each target class, range and
// parse errors naming row and value, NULLs kept (and never converted), _or_null / _or_zero, time
// text with and without offsets, pre-1970 times, bigint sources, arrays, empty input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Col } from '../../../../src/engine/column.ts';
import { canCast, castCol, castResultType } from '../../../../src/engine/functions/index.ts';
import { T, arrCol, boolCol, call, lit, ms, numCol, resolveFails, returnTypeOf, run, strCol, throwsDb, timeCol, valuesOf } from './support.ts';

function cast(col: Col, type: Parameters<typeof castCol>[1]) {
  return valuesOf(castCol(col, type, (col.values as ArrayLike<unknown>).length));
}

describe('castCol: numbers', () => {
  it('floats truncate toward zero into integers', () => {
    assert.deepEqual(cast(numCol([1.9, -1.9, -0.5, 0]), T.int32), [1, -1, 0, 0]);
  });

  it('integer ranges are errors, not wraps', () => {
    assert.deepEqual(cast(numCol([127, -128]), T.int8), [127, -128]);
    throwsDb(() => castCol(numCol([1, 128]), T.int8, 2), 'INVALID_VALUE', 'cannot convert 128 to int8 (row 2)');
    throwsDb(() => castCol(numCol([-1], T.int32), T.uint32, 1), 'INVALID_VALUE', 'cannot convert -1 to uint32 (row 1)');
    throwsDb(() => castCol(numCol([4_294_967_296], T.int64), T.uint32, 1), 'INVALID_VALUE', 'to uint32');
    throwsDb(() => castCol(numCol([NaN]), T.int64, 1), 'INVALID_VALUE', 'cannot convert nan to int64 (row 1)');
    throwsDb(() => castCol(numCol([Infinity]), T.int16, 1), 'INVALID_VALUE', 'cannot convert inf to int16');
    throwsDb(() => castCol(numCol([2 ** 64]), T.uint64, 1), 'INVALID_VALUE', 'to uint64');
    assert.deepEqual(cast(numCol([65_535, 0]), T.uint16), [65_535, 0]);
  });

  it('int64 results beyond 2^53 come back exact as bigints', () => {
    const col = castCol(numCol([1e18]), T.int64, 1);
    assert.ok(col.values instanceof BigInt64Array);
    assert.equal((col.values as BigInt64Array)[0], 1_000_000_000_000_000_000n);
  });

  it('floats, bools and times', () => {
    assert.deepEqual(cast(numCol([0.1]), T.float32), [Math.fround(0.1)]);
    assert.deepEqual(cast(numCol([1e300]), T.float32), [Infinity]);
    assert.deepEqual(cast(numCol([0, 2, -1]), T.bool), [false, true, true]);
    throwsDb(() => castCol(numCol([NaN]), T.bool, 1), 'INVALID_VALUE', 'cannot convert nan to bool');
    assert.deepEqual(cast(numCol([1.5, -1]), T.datetime64()), [1500, -1000]);
    assert.deepEqual(cast(numCol([1.9]), T.datetime()), [1]);
    assert.deepEqual(cast(numCol([3]), T.date), [3]);
    throwsDb(() => castCol(numCol([-1]), T.datetime(), 1), 'INVALID_VALUE', 'cannot convert -1 to datetime (row 1)');
    throwsDb(() => castCol(numCol([1e16]), T.datetime64(), 1), 'INVALID_VALUE', 'to datetime64(3)');
  });

  it('times convert by instant; to numbers a datetime64 is seconds', () => {
    const t = timeCol(['1969-12-31 23:59:59.500', '2026-01-01 00:00:00.250']);
    assert.deepEqual(cast(timeCol(['2026-01-01 00:00:00.250']), T.datetime()), [1_767_225_600]);
    assert.deepEqual(cast(t, T.date), [-1, 20_454]);
    assert.deepEqual(cast(numCol([20_454], T.date), T.datetime64()), [ms('2026-01-01')]);
    assert.deepEqual(cast(numCol([60], T.datetime()), T.datetime64()), [60_000]);
    assert.deepEqual(cast(t, T.float64), [-0.5, 1_767_225_600.25]);
    assert.deepEqual(cast(t, T.int64), [0, 1_767_225_600]);
    assert.deepEqual(cast(numCol([20_454], T.date), T.int32), [20_454]);
    throwsDb(() => castCol(t, T.datetime(), 2), 'INVALID_VALUE', 'cannot convert 1969-12-31 23:59:59.500 to datetime (row 1)');
  });
});

describe('castCol: strings', () => {
  it('integers: strict text, ranges, 64-bit exactness', () => {
    assert.deepEqual(cast(strCol(['12', ' -7 ', '+3', '0']), T.int32), [12, -7, 3, 0]);
    throwsDb(() => castCol(strCol(['1', '2', 'abc']), T.int32, 3), 'INVALID_VALUE', "cannot convert 'abc' to int32 (row 3)");
    throwsDb(() => castCol(strCol(['1.5']), T.int32, 1), 'INVALID_VALUE', "cannot convert '1.5' to int32 (row 1)");
    throwsDb(() => castCol(strCol(['']), T.int64, 1), 'INVALID_VALUE', "cannot convert '' to int64 (row 1)");
    throwsDb(() => castCol(strCol(['2147483648']), T.int32, 1), 'INVALID_VALUE', "cannot convert '2147483648' to int32");
    const big = castCol(strCol(['9223372036854775807', '1']), T.int64, 2);
    assert.deepEqual([...(big.values as BigInt64Array)], [9_223_372_036_854_775_807n, 1n]);
    throwsDb(() => castCol(strCol(['9223372036854775808']), T.int64, 1), 'INVALID_VALUE', 'to int64');
    const ubig = castCol(strCol(['18446744073709551615']), T.uint64, 1);
    assert.deepEqual([...(ubig.values as BigUint64Array)], [18_446_744_073_709_551_615n]);
  });

  it('floats and bools', () => {
    assert.deepEqual(cast(strCol(['1.5', '-2e3', '.5', 'inf', '-Infinity', 'nan', ' 7 ']), T.float64), [1.5, -2000, 0.5, Infinity, -Infinity, NaN, 7]);
    throwsDb(() => castCol(strCol(['0x10']), T.float64, 1), 'INVALID_VALUE', "cannot convert '0x10' to float64 (row 1)");
    assert.deepEqual(cast(strCol(['true', 'FALSE', '1', '0', 'yes', 'off']), T.bool), [true, false, true, false, true, false]);
    throwsDb(() => castCol(strCol(['maybe']), T.bool, 1), 'INVALID_VALUE', "cannot convert 'maybe' to bool");
  });

  it('ISO 8601 and ClickHouse time text, with or without offsets', () => {
    const texts = ['2026-01-01 00:00:00', '2026-01-01T00:00:00.123Z', '2026-01-01T02:00:00+02:00', '2026-01-01T00:00:00-0130', '2026-01-01', '2024-02-29 23:59:59.9999', '1969-12-31 23:59:59.999', '2026-01-01 05:06'];
    assert.deepEqual(cast(strCol(texts), T.datetime64()), [
      ms('2026-01-01'),
      ms('2026-01-01T00:00:00.123Z'),
      ms('2026-01-01'),
      ms('2026-01-01T01:30:00Z'),
      ms('2026-01-01'),
      ms('2024-02-29T23:59:59.999Z'),
      -1,
      ms('2026-01-01T05:06:00Z'),
    ]);
    assert.deepEqual(cast(strCol(['2026-01-01 00:00:01.999']), T.datetime()), [1_767_225_601]);
    assert.deepEqual(cast(strCol(['2024-02-29', '1969-12-31 12:00:00']), T.date), [19_782, -1]);
    for (const bad of ['2023-02-29', '2026-13-01', '2026-01-01 24:00:00', '2026-01-01T00:60', 'yesterday', '']) {
      throwsDb(() => castCol(strCol([bad]), T.datetime64(), 1), 'INVALID_VALUE', `cannot convert '${bad}' to datetime64(3) (row 1)`);
    }
  });

  it('uuid', () => {
    assert.deepEqual(cast(strCol(['123E4567-E89B-12D3-A456-426614174000']), T.uuid), ['123e4567-e89b-12d3-a456-426614174000']);
    throwsDb(() => castCol(strCol(['nope']), T.uuid, 1), 'INVALID_VALUE', "cannot convert 'nope' to uuid (row 1)");
  });
});

describe('castCol: NULLs, types, bigints, arrays', () => {
  it('NULL rows are kept and never converted', () => {
    const col = castCol(strCol(['1', null, '3']), T.int32, 3);
    assert.deepEqual(valuesOf(col), [1, null, 3]);
    assert.deepEqual(col.type, T.nullable(T.int32));
    assert.deepEqual(castResultType(T.nullable(T.string), T.int32), T.nullable(T.int32));
    assert.deepEqual(castResultType(T.string, T.int32), T.int32);
    assert.deepEqual(castCol(numCol([1]), T.nullable(T.int32), 1).type, T.nullable(T.int32));
    assert.deepEqual(cast(numCol([], T.int32), T.string), []);
  });

  it('same type returns the same values', () => {
    const col = numCol([1, 2], T.int32);
    assert.equal(castCol(col, T.int32, 2).values, col.values);
  });

  it('bigint sources', () => {
    const big: Col = { type: T.int64, values: new BigInt64Array([2n ** 62n, -5n]), nulls: null };
    assert.deepEqual(cast(big, T.string), ['4611686018427387904', '-5']);
    assert.deepEqual(cast(big, T.float64), [2 ** 62, -5]);
    throwsDb(() => castCol(big, T.int32, 2), 'INVALID_VALUE', 'to int32 (row 1)');
    throwsDb(() => castCol(big, T.uint64, 2), 'INVALID_VALUE', 'cannot convert -5 to uint64 (row 2)');
  });

  it('arrays element by element, and impossible casts', () => {
    assert.deepEqual(cast(arrCol([['1', '2'], []], T.string), T.array(T.int32)), [[1, 2], []]);
    assert.deepEqual(cast(arrCol([[1, null]], T.nullable(T.int32)), T.array(T.nullable(T.string))), [['1', null]]);
    throwsDb(() => castCol(arrCol([['x']], T.string), T.array(T.int32), 1), 'INVALID_VALUE', "cannot convert 'x' to int32 (row 1)");
    throwsDb(() => castCol(numCol([1]), T.uuid, 1), 'INVALID_TYPE', 'cannot convert float64 to uuid');
    throwsDb(() => castCol(strCol(['[1]']), T.array(T.int32), 1), 'INVALID_TYPE', 'cannot convert string to array(int32)');
    assert.equal(canCast(T.int32, T.string), true);
    assert.equal(canCast(T.array(T.int32), T.int32), false);
  });
});

describe('to_* functions', () => {
  it('convert with castCol rules and keep NULLs', () => {
    assert.deepEqual(run('to_int32', [strCol(['1', null])]), [1, null]);
    assert.deepEqual(run('toInt8', [numCol([-128.9])]), [-128]);
    assert.deepEqual(run('to_uint8', [boolCol([true])]), [1]);
    assert.deepEqual(run('to_float64', [strCol(['2.5'])]), [2.5]);
    assert.deepEqual(run('to_bool', [strCol(['true'])]), [true]);
    assert.deepEqual(run('to_date', [strCol(['2024-02-29'])]), [19_782]);
    assert.deepEqual(run('to_datetime', [strCol(['2026-01-01 00:00:00'])]), [1_767_225_600]);
    assert.deepEqual(run('to_datetime', [numCol([1_767_225_600], T.int64)]), [1_767_225_600]);
    assert.deepEqual(run('to_datetime', [timeCol(['2026-01-01 00:00:00.999'])]), [1_767_225_600]);
    assert.deepEqual(run('to_datetime', [strCol(['2026-01-01 00:00:00']), lit('UTC')]), [1_767_225_600]);
    assert.deepEqual(run('to_datetime64', [strCol(['2026-01-01 00:00:00.5']), lit(3)]), [ms('2026-01-01T00:00:00.5Z')]);
    assert.deepEqual(run('to_datetime64', [numCol([1.5])]), [1500]);
    assert.deepEqual(run('to_uuid', [strCol(['123e4567-e89b-12d3-a456-426614174000'])]), ['123e4567-e89b-12d3-a456-426614174000']);
    assert.deepEqual(returnTypeOf('to_datetime64', [T.string, T.int32], [undefined, 3]), T.datetime64());
    assert.deepEqual(run('to_int64', [strCol([])]), []);
    throwsDb(() => call('to_int32', [strCol(['1', 'x'])]), 'INVALID_VALUE', "cannot convert 'x' to int32 (row 2)");
  });

  it('_or_null and _or_zero', () => {
    assert.deepEqual(run('to_int32_or_null', [strCol(['1', 'x', null, '99999999999'])]), [1, null, null, null]);
    assert.deepEqual(returnTypeOf('to_int32_or_null', [T.string]), T.nullable(T.int32));
    assert.deepEqual(run('to_int32_or_zero', [strCol(['1', 'x'])]), [1, 0]);
    assert.deepEqual(run('toFloat64OrZero', [strCol(['x'])]), [0]);
    assert.deepEqual(run('to_datetime64_or_null', [strCol(['2026-01-01', 'soon'])]), [ms('2026-01-01'), null]);
    assert.deepEqual(run('to_uuid_or_zero', [strCol(['bad'])]), ['00000000-0000-0000-0000-000000000000']);
  });

  it('errors', () => {
    resolveFails('to_int32', [], 'function to_int32 takes 1 argument, got 0');
    resolveFails('to_int32', [T.array(T.int32)], 'function to_int32: argument 1 must be convertible to int32, got array(int32)');
    resolveFails('to_datetime', [T.string, T.string], "function to_datetime: time zone 'Asia/Tokyo' is not supported; times are UTC only", [undefined, 'Asia/Tokyo']);
    resolveFails('to_datetime64', [T.string, T.int32], 'function to_datetime64: only precision 3 (milliseconds) is supported', [undefined, 6]);
    resolveFails('to_uuid', [T.int32], 'function to_uuid: argument 1 must be convertible to uuid, got int32');
  });
});
