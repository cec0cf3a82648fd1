// Comparison functions: numbers of every class, strings (UTF-16 order), bools, time vs string
// literal/column conversion, mixed time kinds, arrays, NaN, NULL, empty input and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, arrCol, boolCol, call, lit, ms, numCol, resolveFails, returnTypeOf, run, strCol, throwsDb, timeCol } from './support.ts';

const ops = ['equals', 'not_equals', 'less', 'greater', 'less_or_equals', 'greater_or_equals'] as const;

describe('comparison', () => {
  it('numbers: every operator, NULL propagation, NaN', () => {
    const a = numCol([1, 2, 3, null, NaN], T.int32);
    const b = numCol([2, 2, 1, 1, NaN]);
    const expected: Record<(typeof ops)[number], (boolean | null)[]> = {
      equals: [false, true, false, null, false],
      not_equals: [true, false, true, null, true],
      less: [true, false, false, null, false],
      greater: [false, false, true, null, false],
      less_or_equals: [true, true, false, null, false],
      greater_or_equals: [false, true, true, null, false],
    };
    for (const op of ops) {
      assert.deepEqual(run(op, [a, b]), expected[op], op);
      assert.deepEqual(returnTypeOf(op, [T.int32, T.float64]), T.bool);
      assert.deepEqual(run(op, [numCol([]), numCol([])]), []);
    }
  });

  it('strings compare by UTF-16 code units, unicode and empty strings included', () => {
    assert.deepEqual(run('less', [strCol(['a', 'b', '', 'é', 'Z', null]), strCol(['b', 'a', 'a', 'e', 'a', 'x'])]), [true, false, true, false, true, null]);
    assert.deepEqual(run('equals', [strCol(['日本', '']), lit('日本')]), [true, false]);
  });

  it('bools and ints mix', () => {
    assert.deepEqual(run('equals', [boolCol([true, false]), lit(1)]), [true, false]);
    assert.deepEqual(run('equals', [boolCol([true, false]), lit('true')]), [true, false]);
  });

  it('a time column against a string literal converts the literal once', () => {
    const t = timeCol(['2025-12-31 23:59:59.999', '2026-01-01 00:00:00', '2026-01-01 00:00:00.001', null]);
    assert.deepEqual(run('greater', [t, lit('2026-01-01 00:00:00')]), [false, false, true, null]);
    assert.deepEqual(run('greater_or_equals', [t, lit('2026-01-01T00:00:00Z')]), [false, true, true, null]);
    assert.deepEqual(run('less', [lit('2026-01-01T01:00:00+01:00'), t]), [false, false, true, null]);
    const dates = numCol([20_454, 20_455], T.date); // 2026-01-01, 2026-01-02
    assert.deepEqual(run('equals', [dates, lit('2026-01-02')]), [false, true]);
    const seconds = numCol([ms('2026-01-01 00:00:00') / 1000], T.datetime());
    assert.deepEqual(run('equals', [seconds, lit('2026-01-01 00:00:00')]), [true]);
  });

  it('a time column against a string column converts per batch', () => {
    const t = timeCol(['2026-01-01 00:00:00', '2026-01-01 00:00:00']);
    assert.deepEqual(run('equals', [t, strCol(['2026-01-01 00:00:00', '2026-01-01 00:00:01'])]), [true, false]);
    throwsDb(() => call('equals', [t, strCol(['2026-01-01', 'soon'])]), 'INVALID_VALUE', "cannot convert 'soon' to datetime64(3) (row 2)");
  });

  it('different time kinds compare as instants', () => {
    const date = numCol([20_454], T.date);
    const dt64 = numCol([ms('2026-01-01 00:00:00')], T.datetime64());
    assert.deepEqual(run('equals', [date, dt64]), [true]);
    assert.deepEqual(run('less', [date, numCol([ms('2026-01-01 00:00:01') / 1000], T.datetime())]), [true]);
  });

  it('numbers against string literals parse the string', () => {
    assert.deepEqual(run('equals', [numCol([1, 2], T.int32), lit('2')]), [false, true]);
    throwsDb(() => call('equals', [numCol([1], T.int32), lit('x')]), 'INVALID_VALUE', "function equals: cannot convert 'x' to int32");
    throwsDb(() => call('less', [timeCol(['2026-01-01']), lit('yesterday')]), 'INVALID_VALUE', "function less: cannot convert 'yesterday' to datetime64(3)");
  });

  it('uuid against a string literal normalizes case', () => {
    const id = '123e4567-e89b-12d3-a456-426614174000';
    assert.deepEqual(run('equals', [strCol([id], T.uuid), lit(id.toUpperCase())]), [true]);
  });

  it('arrays: equality only', () => {
    const a = arrCol([[1, 2], [3], []], T.int32);
    const b = arrCol([[1, 2], [4], []], T.int32);
    assert.deepEqual(run('equals', [a, b]), [true, false, true]);
    assert.deepEqual(run('not_equals', [a, b]), [false, true, false]);
    resolveFails('less', [T.array(T.int32), T.array(T.int32)], 'function less: cannot compare array(int32) with array(int32)');
  });

  it('errors', () => {
    resolveFails('equals', [T.int32], 'function equals takes 2 arguments, got 1');
    resolveFails('less', [T.uuid, T.int32], 'function less: cannot compare uuid with int32');
    resolveFails('greater', [T.array(T.string), T.string], 'function greater: cannot compare array(string) with string');
  });
});
