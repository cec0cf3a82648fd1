// Merge is a union: for every aggregate, random rows (random group ids including -1, NULLs, values
// from a small domain so duplicates and ties occur) are split at a random point into two states,
// each fed in several batches with a growing groupCount; merging the second into the first, group
// by group, must read the same as one state fed every row. A third, empty state receiving both
// under a permutation of group ids checks merging into fresh, not-yet-grown groups.
// Order-sensitive aggregates (any, group_array, ties of top_k / earliest) rely on the contract that
// a merged-in state's rows count as later, which the prefix/suffix split honours.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type DataType, T } from '../../../../src/types/data-type.ts';
import type { Value } from '../../../../src/types/vector.ts';
import type { AggregateImpl, AggregateState } from '../../../../src/engine/aggregates/aggregate.ts';
import { col, feed, resolve, values, type Batch } from './support.ts';

const GROUPS = 6;
const NI = T.nullable(T.int32);
const NF = T.nullable(T.float64);
const NS = T.nullable(T.string);
const TIME = T.datetime64();

interface Case {
  readonly name: string;
  readonly argTypes: readonly DataType[];
  readonly params?: readonly Value[];
  readonly distinct?: boolean;
  /** Compare numbers with a relative tolerance (merge reorders floating-point additions). */
  readonly approximate?: boolean;
}

const CASES: readonly Case[] = [
  { name: 'count', argTypes: [] },
  { name: 'count', argTypes: [NI] },
  { name: 'count', argTypes: [NS], distinct: true },
  { name: 'count_if', argTypes: [T.nullable(T.bool)] },
  { name: 'sum', argTypes: [NI] },
  { name: 'sum', argTypes: [NF] },
  { name: 'sum', argTypes: [T.int32] },
  { name: 'sum', argTypes: [NI], distinct: true },
  { name: 'sum_if', argTypes: [NI, T.nullable(T.bool)] },
  { name: 'avg', argTypes: [NF] },
  { name: 'avg', argTypes: [T.int32] },
  { name: 'min', argTypes: [NF] },
  { name: 'max', argTypes: [NI] },
  { name: 'min', argTypes: [NS] },
  { name: 'max', argTypes: [NS] },
  { name: 'max', argTypes: [TIME] },
  { name: 'any', argTypes: [NS] },
  { name: 'any_last', argTypes: [NI] },
  { name: 'earliest', argTypes: [NS, TIME] },
  { name: 'latest', argTypes: [NI, TIME] },
  { name: 'arg_min', argTypes: [NS, NI] },
  { name: 'arg_max', argTypes: [NI, NS] },
  { name: 'uniq', argTypes: [NI] },
  { name: 'uniq_exact', argTypes: [NI, NS] },
  { name: 'quantile', argTypes: [NF], params: [0.3] },
  { name: 'quantile_exact', argTypes: [NI], params: [0.9] },
  { name: 'median', argTypes: [NI] },
  { name: 'quantiles', argTypes: [NF], params: [0.1, 0.5, 1] },
  { name: 'group_array', argTypes: [NS] },
  { name: 'group_array', argTypes: [NI], params: [3] },
  { name: 'group_uniq_array', argTypes: [NI] },
  { name: 'top_k', argTypes: [NS], params: [2] },
  { name: 'var_pop', argTypes: [NF], approximate: true },
  { name: 'var_samp', argTypes: [NI], approximate: true },
  { name: 'stddev_pop', argTypes: [NF], approximate: true },
  { name: 'stddev_samp', argTypes: [T.float64], approximate: true },
];

/** A value of `type` from a small domain (integer-valued floats keep float sums exact). */
function valueArbitrary(type: DataType): fc.Arbitrary<Value> {
  const nullable = type.kind === 'nullable';
  const base = type.kind === 'nullable' ? type.inner : type;
  let inner: fc.Arbitrary<Value>;
  switch (base.kind) {
    case 'string':
      inner = fc.constantFrom('a', 'b', 'c', 'dd', '');
      break;
    case 'bool':
      inner = fc.boolean();
      break;
    case 'datetime64':
      inner = fc.integer({ min: 0, max: 5 }).map((n) => 1_700_000_000_000 + n);
      break;
    default:
      inner = fc.integer({ min: -4, max: 4 });
  }
  return nullable ? fc.option(inner, { nil: null, freq: 4 }) : inner;
}

interface Row {
  readonly group: number;
  readonly args: readonly Value[];
}

function rowsArbitrary(argTypes: readonly DataType[]): fc.Arbitrary<Row[]> {
  const row = fc.record({
    group: fc.integer({ min: -1, max: GROUPS - 1 }),
    args: fc.tuple(...argTypes.map(valueArbitrary)),
  });
  return fc.array(row, { maxLength: 60 });
}

/** Rows as batches of at most `batchRows`, each with groupCount = the largest id so far + 1. */
function batchesOf(rows: readonly Row[], argTypes: readonly DataType[], batchRows: number): Batch[] {
  const batches: Batch[] = [];
  let groupCount = 0;
  for (let start = 0; start < rows.length; start += batchRows) {
    const slice = rows.slice(start, start + batchRows);
    for (const row of slice) groupCount = Math.max(groupCount, row.group + 1);
    const args = argTypes.map((type, a) => col(type, slice.map((row) => row.args[a])));
    batches.push({ groups: slice.map((row) => row.group), args, groupCount });
  }
  return batches;
}

function assertSame(actual: Value[], expected: Value[], approximate: boolean, message: string): void {
  if (!approximate) {
    assert.deepEqual(actual, expected, message);
    return;
  }
  assert.equal(actual.length, expected.length, message);
  for (let g = 0; g < actual.length; g++) {
    const [a, e] = [actual[g], expected[g]];
    if (typeof a === 'number' && typeof e === 'number' && !Number.isNaN(e)) {
      assert.ok(Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e)), `${message}: group ${g}: ${a} vs ${e}`);
    } else {
      assert.deepEqual(a, e, `${message}: group ${g}`);
    }
  }
}

function check(impl: AggregateImpl, state: AggregateState, expected: Value[], c: Case, what: string): void {
  assertSame(values(state, GROUPS, impl), expected, c.approximate === true, `${c.name}: ${what}`);
}

describe('merge equals one state over all rows', () => {
  for (const c of CASES) {
    const label = `${c.name}${c.distinct === true ? ' DISTINCT' : ''}(${c.argTypes.map((t) => JSON.stringify(t)).join(', ')})`;
    it(label, () => {
      const impl = resolve(c.name, c.argTypes, c.params ?? [], c.distinct ?? false);
      fc.assert(
        fc.property(rowsArbitrary(c.argTypes), fc.nat(), fc.integer({ min: 1, max: 7 }), (rows, cut, batchRows) => {
          const split = rows.length === 0 ? 0 : cut % (rows.length + 1);
          const whole = feed(impl, batchesOf(rows, c.argTypes, batchRows));
          const expected = values(whole, GROUPS, impl);

          const first = feed(impl, batchesOf(rows.slice(0, split), c.argTypes, batchRows));
          const second = feed(impl, batchesOf(rows.slice(split), c.argTypes, batchRows));
          const secondBefore = values(second, GROUPS, impl);

          // Into a fresh state under a permutation of group ids (reversed), before `first` changes.
          const permuted = impl.createState();
          for (let g = 0; g < GROUPS; g++) permuted.merge(first, g, GROUPS - 1 - g);
          for (let g = 0; g < GROUPS; g++) permuted.merge(second, g, GROUPS - 1 - g);
          check(impl, permuted, [...expected].reverse(), c, 'merged into a permuted fresh state');

          for (let g = 0; g < GROUPS; g++) first.merge(second, g, g);
          check(impl, first, expected, c, 'merged');
          check(impl, second, secondBefore, c, 'merge leaves the source unchanged');
        }),
        { numRuns: 150 },
      );
    });
  }
});
