// The fused aggregation loop (aggregates/fused.ts) gives exactly what the general path gives: the
// same queries grouped by a dictionary-coded column (fused when the aggregates allow) and by the
// same strings computed per row (`concat(device, '')`, never fused), over random data with NaN,
// ±Infinity, -0, NULLs in some argument columns (which make those batches take the general path),
// WHERE filters that keep all, some or none of a batch's rows, and keys whose rows are all filtered
// out in some batches (they must not appear as empty groups).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openNode } from '../../../src/engine/node.ts';
import { makeBatch } from '../../../src/types/batch.ts';
import { type Value, vectorFromValues } from '../../../src/types/vector.ts';
import { tempDir } from '../../support/temp-dir.ts';

const arbNumber = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -1000, max: 1000, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0, 0) },
);

const QUERIES = [
  'count(), avg(x), sum(x), min(x), max(x)',
  'max(y), count(y), min(x)',
  'count()',
  'avg(x), sum(y)',
];
const FILTERS = ['', 'WHERE n > 0', 'WHERE x > 0 OR n = 3', 'WHERE n > 100'];

test('fused and general aggregation agree on random batches', async () => {
  const node = await openNode({ dataDir: tempDir() });
  let run = 0;
  try {
    const arbBatch = fc.integer({ min: 1, max: 8 }).chain((devices) =>
      fc.array(
        fc.record({
          device: fc.nat({ max: devices - 1 }).map((d) => `dev-${d}`),
          x: arbNumber,
          y: fc.option(arbNumber, { nil: null, freq: 4 }),
          n: fc.integer({ min: -3, max: 5 }),
        }),
        { minLength: 8, maxLength: 120 },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(arbBatch, fc.boolean()), { minLength: 1, maxLength: 4 }), async (batches) => {
        const s = `s${run++}`;
        await node.execute(`CREATE STREAM ${s} (device string, x float64, y nullable(float64), n int32)`);
        const columns = node.storage.catalog.getStream('default', s).columns.map((c) => ({ name: c.name, type: c.type }));
        for (const [rows, withoutNullY] of batches) {
          const ys = rows.map((r) => (withoutNullY ? (r.y ?? 1) : r.y));
          const values: Value[][] = [rows.map((r, i) => 1_700_000_000_000 + i), rows.map((r) => r.device), rows.map((r) => r.x), ys, rows.map((r) => r.n)];
          await node.storage.append('default', s, makeBatch(columns, columns.map((c, i) => vectorFromValues(c.type, values[i]))));
        }
        for (const aggregates of QUERIES) {
          for (const filter of FILTERS) {
            const coded = await node.query(`SELECT device, ${aggregates} FROM table(${s}) ${filter} GROUP BY device ORDER BY device`);
            const computed = await node.query(`SELECT concat(device, '') AS d, ${aggregates} FROM table(${s}) ${filter} GROUP BY d ORDER BY d`);
            assert.deepStrictEqual(coded.rows, computed.rows, `${aggregates} ${filter}`);
            // Groups are numbered in order of first use on both paths.
            const unordered = await node.query(`SELECT device, ${aggregates} FROM table(${s}) ${filter} GROUP BY device`);
            const unorderedComputed = await node.query(`SELECT concat(device, '') AS d, ${aggregates} FROM table(${s}) ${filter} GROUP BY d`);
            assert.deepStrictEqual(unordered.rows, unorderedComputed.rows, `${aggregates} ${filter} (unordered)`);
          }
        }
      }),
      { numRuns: 12 },
    );
  } finally {
    await node.close();
  }
});
