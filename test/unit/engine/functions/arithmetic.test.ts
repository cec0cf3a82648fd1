// Arithmetic functions: value tables (normal, NULL, empty, NaN/±inf, int boundaries), result types
// and error messages. Method: each case calls the function as the compiler would (support.ts call).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, call, lit, numCol, resolveFails, returnTypeOf, run, strCol, throwsDb, timeCol } from './support.ts';

const I32 = T.int32;
const F64 = T.float64;

describe('arithmetic', () => {
  const cases: readonly [string, (number | null)[], (number | null)[], (number | null)[]][] = [
    ['plus', [1, 2, -3, null], [10, -2, 3, 1], [11, 0, 0, null]],
    ['minus', [1, 2, -3, 5], [10, -2, 3, null], [-9, 4, -6, null]],
    ['multiply', [3, -2, 0, null], [4, 5, 7, null], [12, -10, 0, null]],
    ['modulo', [7, -7, 7, null], [2, 2, -3, 1], [1, -1, 1, null]],
    ['int_div', [7, -7, 9, null], [2, 2, 3, 1], [3, -3, 3, null]],
  ];
  for (const [name, a, b, expected] of cases) {
    it(`${name} over int32 columns`, () => {
      assert.deepEqual(run(name, [numCol(a, I32), numCol(b, I32)]), expected);
      assert.deepEqual(returnTypeOf(name, [I32, I32]), T.int64);
    });
  }

  it('divide is float64 and x/0 is inf or nan (ClickHouse)', () => {
    assert.deepEqual(run('divide', [numCol([1, -1, 0, 7], I32), numCol([0, 0, 0, 2], I32)]), [Infinity, -Infinity, NaN, 3.5]);
    assert.deepEqual(returnTypeOf('divide', [I32, I32]), T.float64);
  });

  it('float operands give float64 and follow IEEE', () => {
    assert.deepEqual(returnTypeOf('plus', [I32, T.float32]), F64);
    assert.deepEqual(run('plus', [numCol([NaN, Infinity, 0.1]), numCol([1, -Infinity, 0.2])]), [NaN, NaN, 0.1 + 0.2]);
    assert.deepEqual(run('modulo', [numCol([5.5, 1]), numCol([2, 0])]), [1.5, NaN]);
  });

  it('bool counts as an integer', () => {
    assert.deepEqual(returnTypeOf('plus', [T.bool, T.bool]), T.int64);
    assert.deepEqual(run('plus', [numCol([1, 0], T.bool), lit(1)]), [2, 1]);
  });

  it('int boundaries stay exact below 2^53', () => {
    assert.deepEqual(run('plus', [numCol([2_147_483_647, -2_147_483_648], I32), lit(1)]), [2_147_483_648, -2_147_483_647]);
    assert.deepEqual(run('minus', [numCol([2 ** 53 - 2], T.int64), lit(-1)]), [2 ** 53 - 1]);
  });

  it('negate', () => {
    assert.deepEqual(run('negate', [numCol([1, -2, null, 0], I32)]), [-1, 2, null, -0]);
    assert.deepEqual(run('negate', [numCol([Infinity, NaN])]), [-Infinity, NaN]);
    assert.deepEqual(returnTypeOf('negate', [T.uint8]), T.int64);
  });

  it('empty input', () => {
    for (const name of ['plus', 'minus', 'multiply', 'divide', 'modulo', 'int_div']) {
      assert.deepEqual(run(name, [numCol([], I32), numCol([], I32)]), []);
    }
    assert.deepEqual(run('negate', [numCol([], I32)]), []);
  });

  it('integer division and modulo by zero are errors naming the row, except on NULL rows', () => {
    throwsDb(() => call('int_div', [numCol([1, 2, 3], I32), numCol([1, 1, 0], I32)]), 'INVALID_VALUE', 'function int_div: division by zero (row 3)');
    throwsDb(() => call('modulo', [numCol([1, 2], I32), numCol([0, 1], I32)]), 'INVALID_VALUE', 'function modulo: division by zero (row 1)');
    throwsDb(() => call('int_div', [numCol([1.5], F64), numCol([0], F64)]), 'INVALID_VALUE', 'division by zero');
    throwsDb(() => call('int_div', [numCol([NaN], F64), numCol([1], F64)]), 'INVALID_VALUE', 'not a finite integer');
    assert.deepEqual(run('int_div', [numCol([1, null], I32), numCol([1, 5], I32)]), [1, null]);
    assert.deepEqual(run('int_div', [numCol([4, 9], I32), numCol([null, 3], I32)]), [null, 3]);
  });

  it('errors: arity and types', () => {
    resolveFails('plus', [I32], 'function plus takes 2 arguments, got 1');
    resolveFails('negate', [I32, I32], 'function negate takes 1 argument, got 2');
    resolveFails('plus', [T.string, I32], 'function plus: argument 1 must be a number, got string');
    resolveFails('minus', [I32, T.datetime64()], 'function minus: argument 2 must be a number, got datetime64(3)');
    resolveFails('negate', [T.array(I32)], 'function negate: argument 1 must be a number, got array(int32)');
  });

  it('refuses the bigint class (integers beyond 2^53) with a hint', () => {
    const big = { type: T.int64, values: new BigInt64Array([2n ** 60n]), nulls: null };
    throwsDb(() => call('plus', [big, numCol([1], T.int64)]), 'INVALID_VALUE', 'cast to float64 first');
  });

  it('does not touch its inputs', () => {
    const a = numCol([1, 2], I32);
    call('plus', [a, a]);
    assert.deepEqual([...(a.values as Float64Array)], [1, 2]);
    void strCol;
    void timeCol;
  });
});
