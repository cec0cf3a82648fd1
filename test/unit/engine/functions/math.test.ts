// Math functions: value tables with NaN/±inf, rounding halves, types, NULLs, empty input, errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, lit, numCol, resolveFails, returnTypeOf, run, strCol, timeCol } from './support.ts';

describe('math', () => {
  it('abs, floor, ceil, trunc keep the class', () => {
    assert.deepEqual(run('abs', [numCol([-3, 4, null, -2_147_483_648], T.int32)]), [3, 4, null, 2_147_483_648]);
    assert.deepEqual(returnTypeOf('abs', [T.int8]), T.int64);
    assert.deepEqual(run('abs', [numCol([-1.5, -Infinity, NaN])]), [1.5, Infinity, NaN]);
    assert.deepEqual(run('floor', [numCol([1.5, -1.5, Infinity, NaN])]), [1, -2, Infinity, NaN]);
    assert.deepEqual(run('ceil', [numCol([1.2, -1.2, null])]), [2, -1, null]);
    assert.deepEqual(run('ceiling', [numCol([0.1])]), [1]);
    assert.deepEqual(run('trunc', [numCol([1.7, -1.7])]), [1, -1]);
    assert.deepEqual(returnTypeOf('floor', [T.float32]), T.float64);
  });

  it('round: banker halves for floats, away from zero for ints, negative digits', () => {
    assert.deepEqual(run('round', [numCol([2.5, 3.5, -2.5, 1.4, NaN, -Infinity, null])]), [2, 4, -2, 1, NaN, -Infinity, null]);
    // 2.675 * 100 is exactly 267.5 in doubles, an even-rounding half: 2.68 (what scaling by 10^n gives).
    assert.deepEqual(run('round', [numCol([3.14159, 2.675, -1.005, 0.125]), lit(2)]), [3.14, 2.68, -1, 0.12]);
    assert.deepEqual(run('round', [numCol([1234.5678]), lit(-2)]), [1200]);
    assert.deepEqual(run('round', [numCol([1250, -1250, 1249], T.int32), lit(-2)]), [1300, -1300, 1200]);
    assert.deepEqual(run('round', [numCol([15], T.int32), lit(1)]), [15]);
    assert.deepEqual(returnTypeOf('round', [T.int16]), T.int64);
    resolveFails('round', [T.float64, T.int32], 'function round: argument 2 must be a constant integer, got int32');
  });

  it('sign is int8', () => {
    assert.deepEqual(run('sign', [numCol([-5, 0, 7, NaN, -Infinity, null])]), [-1, 0, 1, 0, -1, null]);
    assert.deepEqual(returnTypeOf('sign', [T.float64]), T.int8);
  });

  it('transcendental functions are float64 and IEEE', () => {
    assert.deepEqual(run('sqrt', [numCol([4, -1, Infinity, null], T.int32)]), [2, NaN, Infinity, null]);
    assert.deepEqual(run('log', [numCol([Math.E, 0, -1])]), [1, -Infinity, NaN]);
    assert.deepEqual(run('ln', [numCol([1])]), [0]);
    assert.deepEqual(run('log2', [numCol([8])]), [3]);
    assert.deepEqual(run('log10', [numCol([1000])]), [3]);
    assert.deepEqual(run('exp', [numCol([0, -Infinity])]), [1, 0]);
    assert.deepEqual(run('exp2', [numCol([10])]), [1024]);
    assert.deepEqual(run('exp10', [numCol([3])]), [1000]);
    assert.deepEqual(run('cbrt', [numCol([27])]), [3]);
    assert.deepEqual(run('pow', [numCol([2, 2, 0]), numCol([10, -1, 0])]), [1024, 0.5, 1]);
    assert.deepEqual(run('power', [numCol([9]), lit(0.5)]), [3]);
    assert.deepEqual(run('atan2', [numCol([1]), numCol([1])]), [Math.PI / 4]);
    assert.deepEqual(run('sin', [numCol([0])]), [0]);
    assert.deepEqual(returnTypeOf('sqrt', [T.int32]), T.float64);
  });

  it('greatest and least over numbers, times and strings', () => {
    assert.deepEqual(run('greatest', [numCol([1, 5, null], T.int32), numCol([3, 2, 1], T.int32), lit(4)]), [4, 5, null]);
    assert.deepEqual(run('least', [numCol([1, 5], T.int32), numCol([3.5, 2])]), [1, 2]);
    assert.deepEqual(returnTypeOf('greatest', [T.int32, T.float32]), T.float64);
    assert.deepEqual(returnTypeOf('greatest', [T.int32, T.int32]), T.int32);
    assert.deepEqual(run('greatest', [strCol(['a', 'z']), strCol(['b', 'y'])]), ['b', 'z']);
    const later = run('greatest', [timeCol(['2026-01-01 00:00:00']), timeCol(['2025-01-01 00:00:00'])]);
    assert.deepEqual(later, [Date.UTC(2026, 0, 1)]);
    assert.deepEqual(run('least', [numCol([], T.int32), numCol([], T.int32)]), []);
    resolveFails('greatest', [T.int32], 'function greatest takes at least 2 arguments, got 1');
    resolveFails('greatest', [T.int32, T.string], 'function greatest: arguments have no common type (int32, string)');
  });

  it('empty input and argument errors', () => {
    for (const name of ['abs', 'floor', 'ceil', 'round', 'sqrt', 'log', 'exp', 'sign']) assert.deepEqual(run(name, [numCol([])]), []);
    resolveFails('sqrt', [T.string], 'function sqrt: argument 1 must be a number, got string');
    resolveFails('abs', [], 'function abs takes 1 argument, got 0');
    resolveFails('round', [T.float64, T.int32, T.int32], 'function round takes 1 or 2 arguments, got 3');
    resolveFails('pow', [T.float64], 'function pow takes 2 arguments, got 1');
  });
});
