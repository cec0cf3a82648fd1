// The registry: case-insensitive lookup of canonical names, ClickHouse aliases and `_if` forms,
// the call-shape flags the planner reads, and INVALID_ARGUMENT errors that name the aggregate.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDbError } from '../../../../src/core/errors.ts';
import { type DataType, T } from '../../../../src/types/data-type.ts';
import type { Value } from '../../../../src/types/vector.ts';
import { AGGREGATE_FUNCTION_NAMES, isAggregateFunction, lookupAggregateFunction } from '../../../../src/engine/aggregates/index.ts';

describe('aggregate registry', () => {
  it('finds canonical names and aliases in any case', () => {
    const pairs: [string, string][] = [
      ['COUNT', 'count'],
      ['countIf', 'count_if'],
      ['uniqExact', 'uniq_exact'],
      ['UNIQEXACT', 'uniq_exact'],
      ['unique_exact', 'uniq_exact'],
      ['groupArray', 'group_array'],
      ['topK', 'top_k'],
      ['anyLast', 'any_last'],
      ['argMin', 'arg_min'],
      ['argMaxIf', 'arg_max_if'],
      ['stddevPop', 'stddev_pop'],
      ['Earliest', 'earliest'],
    ];
    for (const [name, canonical] of pairs) assert.equal(lookupAggregateFunction(name)?.name, canonical, name);
    assert.equal(lookupAggregateFunction('to_string'), undefined);
    assert.equal(lookupAggregateFunction('sum_if_if'), undefined);
    assert.equal(isAggregateFunction('Sum'), true);
    assert.equal(isAggregateFunction('abs'), false);
  });

  it('lists every canonical name, each resolvable', () => {
    for (const name of ['count', 'count_if', 'sum', 'avg', 'min', 'max', 'any', 'any_last', 'earliest', 'latest', 'top_k', 'quantile', 'median']) {
      assert.ok(AGGREGATE_FUNCTION_NAMES.includes(name), name);
    }
    for (const name of AGGREGATE_FUNCTION_NAMES) assert.equal(lookupAggregateFunction(name)?.name, name);
    assert.deepEqual([...AGGREGATE_FUNCTION_NAMES].sort(), AGGREGATE_FUNCTION_NAMES);
  });

  it('declares trailing constant arguments and the event-time argument', () => {
    assert.equal(lookupAggregateFunction('top_k')?.constantArgsFrom, 1);
    assert.equal(lookupAggregateFunction('quantile')?.constantArgsFrom, 1);
    assert.equal(lookupAggregateFunction('sum')?.constantArgsFrom, null);
    assert.equal(lookupAggregateFunction('earliest')?.needsEventTime, true);
    assert.equal(lookupAggregateFunction('latest_if')?.needsEventTime, true);
    assert.equal(lookupAggregateFunction('arg_min')?.needsEventTime, false);
  });
});

describe('aggregate argument errors', () => {
  const cases: [string, DataType[], Value[], boolean, RegExp][] = [
    ['sum', [T.string], [], false, /aggregate sum: argument must be numeric, got string/],
    ['avg', [T.datetime64()], [], false, /aggregate avg: argument must be numeric, got datetime64\(3\)/],
    ['sum', [], [], false, /aggregate sum: expected 1 argument, got 0/],
    ['count', [T.int32, T.int32], [], false, /aggregate count: expected 0 to 1 arguments, got 2/],
    ['sum', [T.int32], [1], false, /aggregate sum: takes no parameters/],
    ['min', [T.array(T.int32)], [], false, /aggregate min: argument must be a number, time or string/],
    ['quantile', [T.float64], [2], false, /aggregate quantile: level must be a number from 0 to 1, got 2/],
    ['quantile', [T.float64], ['x'], false, /aggregate quantile: level must be/],
    ['quantiles', [T.float64], [], false, /aggregate quantiles: needs at least one level/],
    ['top_k', [T.string], [0], false, /aggregate top_k: k must be an integer from 1 to/],
    ['top_k', [T.string], [2.5], false, /aggregate top_k: k must be an integer/],
    ['top_k', [T.string], [3, true], false, /with_count = true/],
    ['group_array', [T.string], [0], false, /aggregate group_array: maximum size must be an integer/],
    ['earliest', [T.string, T.string], [], false, /aggregate earliest: event time argument must be a time type/],
    ['earliest', [T.string, T.datetime64()], [], true, /aggregate earliest: DISTINCT is not supported/],
    ['sum_if', [T.int32, T.string], [], false, /aggregate sum_if: condition must be bool or a number, got string/],
    ['count_if', [], [], false, /aggregate count_if: needs a condition/],
    ['var_pop', [T.string], [], false, /aggregate var_pop: argument must be numeric/],
  ];
  for (const [name, argTypes, params, distinct, pattern] of cases) {
    it(`${name} rejects ${pattern.source}`, () => {
      const def = lookupAggregateFunction(name);
      assert.ok(def);
      assert.throws(
        () => def.resolve(argTypes, params, distinct),
        (error: unknown) => isDbError(error, 'INVALID_ARGUMENT') && pattern.test(error.message),
      );
    });
  }
});
