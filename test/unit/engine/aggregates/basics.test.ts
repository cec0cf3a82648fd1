// Each aggregate over small hand-written batches: several groups with interleaved ids, -1 rows,
// NULLs, all-NULL groups, groups never updated, groupCount growing between batches, and results
// read twice (non-destructive). Expected values follow ClickHouse/Timeplus semantics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { T } from '../../../../src/types/data-type.ts';
import { col, feed, floats, ints, resolve, run, strings, values } from './support.ts';

const NI = T.nullable(T.int32);
const NF = T.nullable(T.float64);
const NS = T.nullable(T.string);

describe('count', () => {
  it('counts rows with count(*), non-NULL values with count(x), skipping -1', () => {
    const batches = [
      { groups: [0, 1, -1, 0, 2], args: [ints([1, null, 5, null, 3])] },
      { groups: [3, 0, -1], args: [ints([7, 8, 9])] },
    ];
    assert.deepEqual(run('count', [], batches.map((b) => ({ groups: b.groups, args: [] })), 5), [3, 1, 1, 1, 0]);
    assert.deepEqual(run('count', [NI], batches, 5), [2, 0, 1, 1, 0]);
  });

  it('count(DISTINCT x) counts distinct non-NULL values; count_if counts true rows', () => {
    const batches = [{ groups: [0, 0, 0, 1, 1, 0], args: [strings(['a', 'b', 'a', null, 'c', null])] }];
    assert.deepEqual(run('count', [NS], batches, 3, [], true), [2, 1, 0]);
    const condition = col(T.nullable(T.bool), [true, false, null, true, true, 1]);
    assert.deepEqual(run('count_if', [T.nullable(T.bool)], [{ groups: [0, 0, 0, 1, -1, 0], args: [condition] }], 2), [2, 1]);
    assert.deepEqual(run('countIf', [T.nullable(T.bool)], [{ groups: [0, 0, 0, 1, -1, 0], args: [condition] }], 2), [2, 1]);
  });

  it('returns uint64', () => {
    assert.deepEqual(resolve('count', []).returnType, T.uint64);
    assert.deepEqual(resolve('COUNT', [NS], [], true).returnType, T.uint64);
  });
});

describe('sum', () => {
  it('sums ints to int64, floats to float64, NULL for all-NULL groups of a nullable argument', () => {
    const batches = [
      { groups: [0, 1, 2, 0, -1], args: [ints([1, null, 5, 2, 100])] },
      { groups: [3, 0, 1], args: [ints([4, 10, null])], groupCount: 5 },
    ];
    assert.deepEqual(run('sum', [NI], batches, 5), [13, null, 5, 4, null]);
    assert.deepEqual(resolve('sum', [NI]).returnType, T.nullable(T.int64));
    assert.deepEqual(resolve('sum', [T.uint8]).returnType, T.uint64);
    assert.deepEqual(resolve('sum', [T.float32]).returnType, T.float64);
    assert.deepEqual(run('sum', [NF], [{ groups: [0, 1, 0], args: [floats([0.5, null, 0.25])] }], 2), [0.75, null]);
  });

  it('gives 0, never NULL, over a non-nullable argument', () => {
    assert.deepEqual(run('sum', [T.int32], [{ groups: [0, 0, 2], args: [col(T.int32, [1, 2, 3])] }], 4), [3, 0, 3, 0]);
  });

  it('stays exact beyond 2^53 by switching the group to a bigint', () => {
    const big = 2 ** 52;
    const batches = [{ groups: [0, 0, 0, 1], args: [col(T.int64, [big, big, 1, 7])] }];
    const impl = resolve('sum', [T.int64]);
    const state = feed(impl, batches);
    assert.deepEqual(values(state, 2), [2n ** 53n + 1n, 7n]);
    state.update(Int32Array.of(0, 0), 2, [col(T.int64, [-big, -big])], 2);
    assert.deepEqual(values(state, 2), [1n, 7n]);
    const merged = feed(impl, [{ groups: [0], args: [col(T.int64, [big])] }]);
    merged.merge(state, 0, 0);
    merged.merge(state, 0, 0);
    assert.deepEqual(values(merged, 1), [BigInt(big) + 2n]);
  });
});

describe('avg', () => {
  it('averages non-NULL values; NULL when nullable and empty, nan otherwise', () => {
    const batches = [{ groups: [0, 1, 0, 2, 0], args: [ints([1, null, 2, 4, 6])] }];
    assert.deepEqual(run('avg', [NI], batches, 4), [3, null, 4, null]);
    assert.deepEqual(run('avg', [T.int32], [{ groups: [1], args: [col(T.int32, [5])] }], 2), [NaN, 5]);
  });
});

describe('min and max', () => {
  it('work on numbers, keeping the type', () => {
    const batches = [
      { groups: [0, 1, 0, 1, -1], args: [floats([3, null, -1, null, -100])] },
      { groups: [2, 0, 2], args: [floats([5, 7, 4])] },
    ];
    assert.deepEqual(run('min', [NF], batches, 4), [-1, null, 4, null]);
    assert.deepEqual(run('max', [NF], batches, 4), [7, null, 5, null]);
    assert.deepEqual(resolve('max', [NF]).returnType, NF);
  });

  it('work on strings, time types and bool', () => {
    const batches = [{ groups: [0, 0, 1, 0], args: [strings(['pear', 'apple', null, 'zoo'])] }];
    assert.deepEqual(run('min', [NS], batches, 2), ['apple', null]);
    assert.deepEqual(run('max', [NS], batches, 2), ['zoo', null]);
    const times = col(T.datetime64(), [1_700_000_000_123, 1_600_000_000_000, 1_800_000_000_000]);
    assert.deepEqual(run('min', [T.datetime64()], [{ groups: [0, 0, 1], args: [times] }], 2), [1_600_000_000_000, 1_800_000_000_000]);
    assert.deepEqual(run('max', [T.bool], [{ groups: [0, 0, 1], args: [col(T.bool, [false, true, false])] }], 2), [true, false]);
    assert.deepEqual(run('min', [T.string], [{ groups: [1], args: [col(T.string, ['x'])] }], 2), ['', 'x']);
  });
});

describe('any and any_last', () => {
  it('keep the first / last non-NULL value in arrival order', () => {
    const batches = [
      { groups: [0, 0, 1, 0], args: [strings([null, 'a', null, 'b'])] },
      { groups: [0, 2], args: [strings(['c', 'd'])] },
    ];
    assert.deepEqual(run('any', [NS], batches, 4), ['a', null, 'd', null]);
    assert.deepEqual(run('anyLast', [NS], batches, 4), ['c', null, 'd', null]);
    assert.deepEqual(run('any_last', [NI], [{ groups: [0, 0], args: [ints([1, 2])] }], 1), [2]);
  });
});

describe('earliest, latest, arg_min, arg_max', () => {
  const time = T.datetime64();
  it('pick the value at the smallest / largest event time; ties: first for earliest, last for latest', () => {
    const batches = [
      {
        groups: [0, 0, 0, 1, 0, 2],
        args: [strings(['b', 'a', 'tie', null, 'late', 'x']), col(time, [20, 10, 10, 5, 30, 1])],
      },
      { groups: [0, 2], args: [strings(['late-tie', 'y']), col(time, [30, 1])] },
    ];
    assert.deepEqual(run('earliest', [NS, time], batches, 3), ['a', null, 'x']);
    assert.deepEqual(run('latest', [NS, time], batches, 3), ['late-tie', null, 'y']);
  });

  it('arg_min / arg_max compare numbers or strings and keep the first on ties', () => {
    const batches = [{ groups: [0, 0, 0, 1], args: [strings(['a', 'b', 'c', 'd']), ints([5, 1, 1, null])] }];
    assert.deepEqual(run('arg_min', [NS, NI], batches, 2), ['b', null]);
    assert.deepEqual(run('argMax', [NS, NI], batches, 2), ['a', null]);
    const byName = [{ groups: [0, 0], args: [ints([1, 2]), strings(['zz', 'aa'])] }];
    assert.deepEqual(run('arg_min', [NI, NS], byName, 1), [2]);
  });
});

describe('uniq and uniq_exact', () => {
  it('count distinct values and tuples, skipping rows with a NULL', () => {
    const batches = [{ groups: [0, 0, 0, 1, 1, 0], args: [ints([1, 1, 2, null, 3, 2]), strings(['a', 'b', 'a', 'x', 'y', 'a'])] }];
    assert.deepEqual(run('uniq', [NI], [{ groups: batches[0].groups, args: [batches[0].args[0]] }], 3), [2, 1, 0]);
    assert.deepEqual(run('uniqExact', [NI, NS], batches, 2), [3, 1]);
    assert.deepEqual(run('count_distinct', [NS], [{ groups: [0, 0], args: [strings(['a', 'a'])] }], 1), [1]);
  });
});

describe('quantiles', () => {
  it('interpolate between ranks (quantileExactInclusive); median; quantiles', () => {
    const batches = [{ groups: [0, 0, 0, 0, 1, 2], args: [floats([4, 1, 3, 2, null, 10])] }];
    assert.deepEqual(run('quantile', [NF], batches, 4, [0.25]), [1.75, null, 10, null]);
    assert.deepEqual(run('median', [NF], batches, 3), [2.5, null, 10]);
    assert.deepEqual(run('quantile', [NF], batches, 1), [2.5]);
    assert.deepEqual(run('quantile_exact', [NF], batches, 1, [0.5]), [3]);
    assert.deepEqual(run('quantiles', [NF], batches, 2, [0, 0.5, 1]), [[1, 2.5, 4], [NaN, NaN, NaN]]);
    assert.deepEqual(run('quantile', [T.float64], [{ groups: [1], args: [col(T.float64, [1])] }], 2), [NaN, 1]);
  });
});

describe('group_array, group_uniq_array, top_k', () => {
  it('group_array keeps arrival order, skips NULLs, honours max size', () => {
    const batches = [
      { groups: [0, 1, 0, 0], args: [strings(['a', null, 'b', 'a'])] },
      { groups: [0, 2], args: [strings(['c', 'd'])] },
    ];
    assert.deepEqual(run('groupArray', [NS], batches, 4), [['a', 'b', 'a', 'c'], [], ['d'], []]);
    assert.deepEqual(run('group_array', [NS], batches, 1, [2]), [['a', 'b']]);
    assert.deepEqual(run('group_uniq_array', [NS], batches, 1), [['a', 'b', 'c']]);
    assert.deepEqual(resolve('group_array', [NS]).returnType, T.array(T.string));
    assert.deepEqual(run('group_array', [T.bool], [{ groups: [0, 0], args: [col(T.bool, [true, false])] }], 1), [[true, false]]);
  });

  it('top_k ranks by frequency, ties in first-seen order', () => {
    const batches = [{ groups: [0, 0, 0, 0, 0, 0, 1], args: [strings(['b', 'a', 'a', 'c', 'b', null, 'z'])] }];
    assert.deepEqual(run('top_k', [NS], batches, 3, [2]), [['b', 'a'], ['z'], []]);
    assert.deepEqual(run('topK', [NS], batches, 1), [['b', 'a', 'c']]);
    assert.deepEqual(run('top_k', [NS], batches, 1, [1, false]), [['b']]);
  });
});

describe('variance', () => {
  it('computes population and sample variance and deviation', () => {
    const batches = [{ groups: [0, 0, 0, 0, 1, 2], args: [floats([2, 4, 4, 6, 5, null])] }];
    assert.deepEqual(run('var_pop', [NF], batches, 3), [2, 0, null]);
    assert.deepEqual(run('varSamp', [NF], batches, 3), [8 / 3, NaN, null]);
    assert.deepEqual(run('stddev_pop', [NF], batches, 1), [Math.SQRT2]);
    assert.deepEqual(run('stddev_samp', [NF], batches, 1), [Math.sqrt(8 / 3)]);
  });
});

describe('combinators', () => {
  it('_if filters rows by a condition; DISTINCT de-duplicates before the inner aggregate', () => {
    const cond = col(T.bool, [true, false, true, true]);
    assert.deepEqual(run('sum_if', [NI, T.bool], [{ groups: [0, 0, 0, 1], args: [ints([1, 10, 2, 5]), cond] }], 2), [3, 5]);
    assert.deepEqual(run('uniqExactIf', [NI, T.bool], [{ groups: [0, 0, 0, 1], args: [ints([1, 1, 1, 5]), cond] }], 2), [1, 1]);
    assert.deepEqual(run('sum', [NI], [{ groups: [0, 0, 0, 1], args: [ints([3, 3, 4, null])] }], 2, [], true), [7, null]);
    assert.deepEqual(run('avg', [NI], [{ groups: [0, 0, 0], args: [ints([1, 1, 4])] }], 1, [], true), [2.5]);
    const time = T.datetime64();
    const args = [strings(['a', 'b', 'c']), col(T.bool, [true, true, false]), col(time, [3, 2, 1])];
    assert.deepEqual(run('earliest_if', [NS, T.bool, time], [{ groups: [0, 0, 0], args }], 1), ['b']);
  });
});

describe('state lifecycle', () => {
  it('an empty state reads the empty result for every group', () => {
    const cases: [string, ReturnType<typeof T.nullable>[], unknown][] = [
      ['count', [], 0],
      ['sum', [NI], null],
      ['avg', [NI], null],
      ['min', [NS], null],
      ['any', [NS], null],
      ['uniq', [NS], 0],
      ['group_array', [NS], []],
      ['top_k', [NS], []],
      ['quantile', [NF], null],
      ['var_pop', [NF], null],
    ];
    for (const [name, argTypes, empty] of cases) {
      const impl = resolve(name, argTypes);
      const state = impl.createState();
      assert.deepEqual(values(state, 0, impl), [], `${name} with no groups`);
      assert.deepEqual(values(state, 2, impl), [empty, empty], name);
    }
  });

  it('reads fewer groups than it holds and grows when merged into a new group', () => {
    const impl = resolve('sum', [NI]);
    const a = feed(impl, [{ groups: [0, 1, 2], args: [ints([1, 2, 3])] }]);
    assert.deepEqual(values(a, 2), [1, 2]);
    const b = impl.createState();
    b.merge(a, 2, 100);
    assert.deepEqual(values(b, 101)[100], 3);
    assert.equal(values(b, 101)[99], null);
  });
});
