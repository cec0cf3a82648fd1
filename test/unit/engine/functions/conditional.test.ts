// Conditionals and NULL functions: branch selection, NULL conditions, common branch types,
// nullability of results, the compiler's NULL-literal typing, empty input and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, arrCol, boolCol, call, lit, numCol, resolveFails, returnTypeOf, run, strCol, timeCol } from './support.ts';

describe('if / multi_if', () => {
  it('if picks per row; a NULL condition picks else', () => {
    assert.deepEqual(run('if', [boolCol([true, false, null]), numCol([1, 2, 3], T.int32), numCol([10, 20, 30], T.int32)]), [1, 20, 30]);
    assert.deepEqual(run('if', [numCol([2, 0]), strCol(['a', 'b']), lit('z')]), ['a', 'z']);
  });

  it('branch types: common supertype, nullable if any branch is', () => {
    assert.deepEqual(returnTypeOf('if', [T.bool, T.int32, T.int32]), T.int32);
    assert.deepEqual(returnTypeOf('if', [T.bool, T.int32, T.uint8]), T.int64);
    assert.deepEqual(returnTypeOf('if', [T.bool, T.int32, T.float32]), T.float64);
    assert.deepEqual(returnTypeOf('if', [T.bool, T.string, T.nullable(T.string)]), T.nullable(T.string));
    assert.deepEqual(returnTypeOf('if', [T.bool, T.date, T.datetime64()]), T.datetime64());
    assert.deepEqual(returnTypeOf('if', [T.bool, T.uuid, T.string]), T.string);
    assert.deepEqual(run('if', [boolCol([true, false]), numCol([1, 2], T.int32), numCol([0.5, 1.5])]), [1, 1.5]);
    const dates = numCol([20_454, 20_454], T.date);
    assert.deepEqual(run('if', [boolCol([true, false]), dates, timeCol(['2026-02-01 00:00:00.5', '2026-02-01 00:00:00.5'])]), [Date.UTC(2026, 0, 1), Date.UTC(2026, 1, 1, 0, 0, 0, 500)]);
  });

  it('NULL branches stay NULL', () => {
    const col = call('if', [boolCol([true, false, true]), numCol([1, 2, null], T.int32), numCol([null, 5, 6], T.int32)]);
    assert.deepEqual(col.type, T.nullable(T.int32));
    assert.deepEqual([...(col.nulls ?? [])], [0, 0, 1]);
  });

  it("tolerates the compiler's NULL literal typed after the condition (CASE WHEN c THEN 'a' END)", () => {
    assert.deepEqual(returnTypeOf('multi_if', [T.bool, T.string, T.nullable(T.bool)]), T.nullable(T.string));
    assert.deepEqual(run('multi_if', [boolCol([true, false]), lit('a'), lit(null, T.bool)]), ['a', null]);
  });

  it('multi_if takes the first true condition', () => {
    const x = numCol([1, 5, 10, null], T.int32);
    const lt3 = call('less', [x, lit(3)]);
    const lt7 = call('less', [x, lit(7)]);
    assert.deepEqual(run('multi_if', [lt3, lit('small'), lt7, lit('medium'), lit('large')]), ['small', 'medium', 'large', 'large']);
    assert.deepEqual(run('multi_if', [boolCol([]), strCol([]), strCol([])]), []);
  });

  it('arrays as branches', () => {
    assert.deepEqual(run('if', [boolCol([true, false]), arrCol([[1], [2]], T.int32), arrCol([[3], [4, 5]], T.int32)]), [[1], [4, 5]]);
  });

  it('errors', () => {
    resolveFails('if', [T.bool, T.int32], 'function if takes 3 arguments, got 2');
    resolveFails('multi_if', [T.bool, T.int32], 'function multi_if takes an odd number of arguments (at least 3: condition, value, else), got 2');
    resolveFails('if', [T.string, T.int32, T.int32], 'function if: argument 1 must be a number, got string');
    resolveFails('if', [T.bool, T.string, T.int32], 'function if: arguments have no common type (string, int32)');
    resolveFails('multi_if', [T.bool, T.int32, T.bool, T.int32, T.array(T.int32)], 'function multi_if: arguments have no common type (int32, array(int32))');
  });
});

describe('coalesce / if_null / null_if', () => {
  it('coalesce takes the first non-NULL', () => {
    const a = numCol([null, 1, null], T.int32);
    const b = numCol([2, 3, null], T.int32);
    assert.deepEqual(run('coalesce', [a, b]), [2, 1, null]);
    assert.deepEqual(run('coalesce', [a, b, lit(0)]), [2, 1, 0]);
    assert.deepEqual(returnTypeOf('coalesce', [T.nullable(T.int32), T.int32]), T.int32);
    assert.deepEqual(returnTypeOf('coalesce', [T.nullable(T.int32), T.nullable(T.float64)]), T.nullable(T.float64));
    assert.deepEqual(run('coalesce', [strCol([null, 'x']), lit('-')]), ['-', 'x']);
    assert.deepEqual(run('coalesce', [numCol([])]), []);
    resolveFails('coalesce', [], 'function coalesce takes at least 1 argument, got 0');
  });

  it('if_null', () => {
    assert.deepEqual(run('if_null', [strCol([null, 'a']), lit('b')]), ['b', 'a']);
    assert.deepEqual(run('ifNull', [numCol([null], T.int32), lit(7)]), [7]);
    resolveFails('if_null', [T.int32], 'function if_null takes 2 arguments, got 1');
  });

  it('null_if', () => {
    assert.deepEqual(run('null_if', [numCol([1, 2, null, 3], T.int32), numCol([1, 3, 1, null], T.int32)]), [null, 2, null, 3]);
    assert.deepEqual(run('null_if', [strCol(['', 'a']), lit('')]), [null, 'a']);
    assert.deepEqual(returnTypeOf('null_if', [T.int32, T.int32]), T.nullable(T.int32));
    resolveFails('null_if', [T.int32, T.string, T.int32], 'function null_if takes 2 arguments, got 3');
  });
});

describe('is_null / is_not_null / assume_not_null', () => {
  it('read the NULL mask; never NULL themselves', () => {
    const x = strCol(['a', null, '']);
    assert.deepEqual(run('is_null', [x]), [false, true, false]);
    assert.deepEqual(run('is_not_null', [x]), [true, false, true]);
    assert.deepEqual(run('is_null', [numCol([1])]), [false]);
    assert.deepEqual(returnTypeOf('is_null', [T.nullable(T.int32)]), T.bool);
    assert.deepEqual(run('is_null', [numCol([])]), []);
  });

  it('assume_not_null drops the mask and the nullable type', () => {
    const col = call('assume_not_null', [numCol([1, null], T.int32)]);
    assert.deepEqual(col.type, T.int32);
    assert.equal(col.nulls, null);
    resolveFails('assume_not_null', [], 'function assume_not_null takes 1 argument, got 0');
  });
});
