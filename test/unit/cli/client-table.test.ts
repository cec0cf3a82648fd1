// The shell's result tables: box drawing, numbers right-aligned, fitted to the width by narrowing
// the widest columns first with '…' on cut cells, NULL and control characters printed readably.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TABLE_COLUMN_WIDTH_MIN, batchCells, cut, fitWidths, renderTable, tableColumns } from '../../../src/cli/client/table.ts';
import { batchFromRows } from '../../../src/types/batch.ts';
import { T } from '../../../src/types/data-type.ts';

const schema = [
  { name: 'device', type: T.string },
  { name: 'v', type: T.nullable(T.int32) },
];

test('client table: a small result renders whole', () => {
  const batch = batchFromRows(schema, [
    { device: 'a', v: 1 },
    { device: 'b\tc', v: null },
    { device: 'long', v: 1234 },
  ]);
  const text = renderTable(tableColumns(schema), batchCells(batch), 80);
  assert.equal(
    text,
    [
      '┌────────┬──────┐',
      '│ device │ v    │',
      '├────────┼──────┤',
      '│ a      │    1 │',
      '│ b\\tc   │ NULL │',
      '│ long   │ 1234 │',
      '└────────┴──────┘',
      '',
    ].join('\n'),
  );
});

test('client table: a wide result is cut to the width with …', () => {
  const columns = [
    { name: 'id', alignRight: true },
    { name: 'text', alignRight: false },
  ];
  const text = renderTable(columns, [['1', 'x'.repeat(200)]], 40);
  const lines = text.trimEnd().split('\n');
  for (const line of lines) assert.equal(Array.from(line).length, 40, line);
  assert.match(lines[3], /^│  1 │ x+… │$/);
});

test('client table: fitWidths keeps natural widths that fit and never goes below the minimum', () => {
  assert.deepEqual(fitWidths([3, 5], 20), [3, 5]);
  assert.deepEqual(fitWidths([2, 50, 10], 30), [2, 18, 10]);
  assert.deepEqual(fitWidths([10, 10], 2), [TABLE_COLUMN_WIDTH_MIN, TABLE_COLUMN_WIDTH_MIN]);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 400 }), (natural, available) => {
      const widths = fitWidths(natural, available);
      const total = widths.reduce((a, b) => a + b, 0);
      const floor = natural.reduce((a, w) => a + Math.min(w, TABLE_COLUMN_WIDTH_MIN), 0);
      assert.ok(total <= Math.max(available, floor));
      widths.forEach((w, i) => assert.ok(w <= natural[i] && w >= Math.min(natural[i], TABLE_COLUMN_WIDTH_MIN)));
      if (natural.reduce((a, b) => a + b, 0) <= available) assert.deepEqual(widths, natural);
      else if (floor < available) assert.equal(total, available, 'a squeezed table uses the whole width');
    }),
  );
});

test('client table: cut counts characters, not UTF-16 units', () => {
  assert.equal(cut('héllo', 5), 'héllo');
  assert.equal(cut('héllo wörld', 6), 'héllo…');
  assert.equal(cut('😀😀😀', 2), '😀…');
});
