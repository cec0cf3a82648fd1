// Logic functions: SQL three-valued truth tables, variadic forms, numbers as truth values, types,
// empty input and errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T, boolCol, numCol, resolveFails, returnTypeOf, run } from './support.ts';

// Every pair of (true, false, NULL).
const left = boolCol([true, true, true, false, false, false, null, null, null]);
const right = boolCol([true, false, null, true, false, null, true, false, null]);

describe('logic', () => {
  it('and: false dominates NULL', () => {
    assert.deepEqual(run('and', [left, right]), [true, false, null, false, false, false, null, false, null]);
  });

  it('or: true dominates NULL', () => {
    assert.deepEqual(run('or', [left, right]), [true, true, true, true, false, null, true, null, null]);
  });

  it('xor: NULL if either is NULL', () => {
    assert.deepEqual(run('xor', [left, right]), [false, true, null, true, false, null, null, null, null]);
  });

  it('not', () => {
    assert.deepEqual(run('not', [boolCol([true, false, null])]), [false, true, null]);
    assert.deepEqual(run('not', [numCol([0, 2, -1, NaN])]), [true, false, false, false]);
  });

  it('variadic and numbers as truth values', () => {
    assert.deepEqual(run('and', [numCol([1, 1, 5]), numCol([1, 0, -1]), numCol([2, 1, NaN])]), [true, false, true]);
    assert.deepEqual(run('or', [numCol([0, 0]), numCol([0, null]), numCol([0, 0])]), [false, null]);
    assert.deepEqual(run('xor', [boolCol([true, true]), boolCol([true, true]), boolCol([true, false])]), [true, false]);
  });

  it('types: bool, nullable when any argument is', () => {
    assert.deepEqual(returnTypeOf('and', [T.bool, T.bool]), T.bool);
    assert.deepEqual(returnTypeOf('or', [T.bool, T.nullable(T.bool)]), T.nullable(T.bool));
    assert.deepEqual(returnTypeOf('not', [T.uint8]), T.bool);
  });

  it('empty input', () => {
    for (const name of ['and', 'or', 'xor']) assert.deepEqual(run(name, [boolCol([]), boolCol([])]), []);
    assert.deepEqual(run('not', [boolCol([])]), []);
  });

  it('errors', () => {
    resolveFails('and', [T.bool], 'function and takes at least 2 arguments, got 1');
    resolveFails('not', [T.bool, T.bool], 'function not takes 1 argument, got 2');
    resolveFails('or', [T.bool, T.string], 'function or: argument 2 must be a number, got string');
    resolveFails('not', [T.datetime64()], 'function not: argument 1 must be a number, got datetime64(3)');
  });
});
