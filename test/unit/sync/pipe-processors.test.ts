// Pipe processors (src/sync/pipes/processors/) on hand-built lane batches: `_tp_time` then nullable
// measurement columns, strings dictionary-coded as a scan delivers them. Real engine pieces only:
// the expression compiler for the filter, engine columns for input and output.
// Down-sampling is checked for window contents and types, emission driven by the watermark across
// batch boundaries, late rows, the open-window bound, and determinism across snapshot/restore
// (one instance over A, B, C against A, snapshot through JSON, a new instance, B, C).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ErrorCode, isDbError } from '../../../src/core/errors.ts';
import { colFromValues, colFromVector, colValueAt } from '../../../src/engine/column.ts';
import type { ExecBatch } from '../../../src/engine/exec-batch.ts';
import { StringInterner } from '../../../src/engine/string-interner.ts';
import { DOWN_SAMPLING_OPEN_WINDOWS_MAX, createProcessor } from '../../../src/sync/pipes/processors/index.ts';
import type { DownSamplingFunction, PipeProcessor, PipeProcessorConfig } from '../../../src/sync/pipes/pipe-types.ts';
import type { Column } from '../../../src/types/batch.ts';
import { T, formatDataType } from '../../../src/types/data-type.ts';
import { type Value, vectorFromValues } from '../../../src/types/vector.ts';

const TIME: Column = { name: '_tp_time', type: T.datetime64('UTC') };
const SCHEMA: readonly Column[] = [
  TIME,
  { name: 'temp', type: T.nullable(T.float64) },
  { name: 'count', type: T.nullable(T.int32) },
  { name: 'ok', type: T.nullable(T.bool) },
  { name: 'status', type: T.nullable(T.string) },
];

type Row = readonly [number, number | null, number | null, boolean | null, string | null];

/** A lane batch of SCHEMA from rows; the string column dictionary-coded, as scans deliver it. */
function batchOf(rows: readonly Row[], schema: readonly Column[] = SCHEMA): ExecBatch {
  const interner = new StringInterner();
  const cols = schema.map((column, c) => {
    const values = rows.map((row) => row[c] as Value);
    return column.type.kind === 'nullable' && column.type.inner.kind === 'string'
      ? colFromVector(vectorFromValues(column.type, values), interner)
      : colFromValues(column.type, values);
  });
  return { schema, cols, rowCount: rows.length };
}

/** Rows of a batch as plain values (null batch: no rows). */
function rowsOf(batch: ExecBatch | null): Value[][] {
  if (batch === null) return [];
  return Array.from({ length: batch.rowCount }, (_, r) => batch.cols.map((col) => colValueAt(col, r)));
}

function rejects(run: () => unknown, code: ErrorCode, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isDbError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

const downSampling = (fn: DownSamplingFunction, intervalMs = 10): PipeProcessorConfig => ({ plugin: 'down-sampling-processor', intervalMs, fn });

describe('do-nothing-processor', () => {
  test('passes every batch through unchanged and keeps no state', () => {
    const processor = createProcessor({ plugin: 'do-nothing-processor' }, SCHEMA, null, 'root.db.d');
    const batch = batchOf([[1, 1.5, 2, true, 'a']]);
    assert.equal(processor.process(batch), batch);
    assert.equal(processor.process(batchOf([])), null);
    assert.equal(processor.schema, SCHEMA);
    assert.equal(processor.snapshot(), null);
    assert.equal(processor.lateRows, 0);
  });
});

describe('filter-processor', () => {
  const filter = (predicate: string, schema: readonly Column[] = SCHEMA): PipeProcessor =>
    createProcessor({ plugin: 'filter-processor', predicate }, schema, null, 'root.db.d');
  const rows: Row[] = [
    [1000, 10, 1, true, 'idle'],
    [2000, 25, null, false, 'busy'],
    [3000, null, 3, null, null],
    [4000, 30, 4, true, 'busy'],
  ];

  test('keeps the rows where the predicate is true; NULL drops the row', () => {
    assert.deepEqual(rowsOf(filter('temp > 20').process(batchOf(rows))), [
      [2000, 25, null, false, 'busy'],
      [4000, 30, 4, true, 'busy'],
    ]);
    assert.deepEqual(rowsOf(filter("status = 'busy' and count is not null").process(batchOf(rows))), [[4000, 30, 4, true, 'busy']]);
    assert.deepEqual(rowsOf(filter('ok').process(batchOf(rows))).map((r) => r[0]), [1000, 4000]);
    assert.deepEqual(rowsOf(filter('temp is null or count > 3').process(batchOf(rows))).map((r) => r[0]), [3000, 4000]);
  });

  test('time, timestamp and _tp_time are the event time, in any case, against text or epoch ms', () => {
    assert.deepEqual(rowsOf(filter("time >= '1970-01-01 00:00:03'").process(batchOf(rows))).map((r) => r[0]), [3000, 4000]);
    assert.deepEqual(rowsOf(filter('TIME < 2000 or Timestamp = 4000').process(batchOf(rows))).map((r) => r[0]), [1000, 4000]);
    assert.deepEqual(rowsOf(filter('_tp_time between 2000 and 3000').process(batchOf(rows))).map((r) => r[0]), [2000, 3000]);
  });

  test('a batch with no surviving row gives null; an empty batch too', () => {
    const processor = filter('temp > 100');
    assert.equal(processor.process(batchOf(rows)), null);
    assert.equal(processor.process(batchOf([])), null);
    assert.equal(processor.snapshot(), null);
  });

  test('a measurement the stream does not have is NULL there: comparisons with it keep no row', () => {
    assert.equal(filter('humidity > 50').process(batchOf(rows)), null);
    assert.deepEqual(rowsOf(filter('humidity > 50 or temp > 20').process(batchOf(rows))).map((r) => r[0]), rowsOf(filter('temp > 20').process(batchOf(rows))).map((r) => r[0]));
    assert.equal(filter('Temp is null').process(batchOf(rows))?.rowCount, rows.length);
  });

  test('a predicate that does not compile names the filter and the stream', () => {
    rejects(() => filter("status + 1 > 2"), 'INVALID_ARGUMENT', /pipe filter 'status \+ 1 > 2' on stream root\.db\.d/);
    rejects(() => filter('temp + 1'), 'INVALID_SETTING', /the filter must be a condition, got nullable\(float64\)/);
  });
});

describe('down-sampling-processor', () => {
  test('one row per window at its start, with the aggregate of each series and its output type', () => {
    const rows: Row[] = [
      [0, 1, 5, true, 'a'],
      [3, 3, null, false, 'b'],
      [7, null, 7, null, null],
      [12, 10, 1, true, 'c'],
      [25, 0, 0, false, 'd'], // moves the watermark past [10, 20): emits [0, 10) and [10, 20)
    ];
    const expected: Record<DownSamplingFunction, { types: string[]; rows: Value[][] }> = {
      avg: { types: ['float64', 'float64', 'bool', 'string'], rows: [[0, 2, 6, false, 'b'], [10, 10, 1, true, 'c']] },
      min: { types: ['float64', 'int32', 'bool', 'string'], rows: [[0, 1, 5, false, 'b'], [10, 10, 1, true, 'c']] },
      max: { types: ['float64', 'int32', 'bool', 'string'], rows: [[0, 3, 7, false, 'b'], [10, 10, 1, true, 'c']] },
      first: { types: ['float64', 'int32', 'bool', 'string'], rows: [[0, 1, 5, true, 'a'], [10, 10, 1, true, 'c']] },
      last: { types: ['float64', 'int32', 'bool', 'string'], rows: [[0, 3, 7, false, 'b'], [10, 10, 1, true, 'c']] },
      count: { types: ['int64', 'int64', 'int64', 'int64'], rows: [[0, 2, 2, 2, 2], [10, 1, 1, 1, 1]] },
      sum: { types: ['float64', 'int64', 'bool', 'string'], rows: [[0, 4, 12, false, 'b'], [10, 10, 1, true, 'c']] },
    };
    for (const [fn, want] of Object.entries(expected) as [DownSamplingFunction, (typeof expected)['avg']][]) {
      const processor = createProcessor(downSampling(fn), SCHEMA, null, 'root.db.d');
      assert.deepEqual(processor.schema.map((c) => c.name), ['_tp_time', 'temp', 'count', 'ok', 'status']);
      assert.deepEqual(processor.schema.slice(1).map((c) => formatDataType(c.type)), want.types.map((t) => `nullable(${t})`), fn);
      assert.equal(processor.schema[0]!.type, TIME.type);
      const output = processor.process(batchOf(rows));
      assert.deepEqual(output?.schema, processor.schema);
      assert.deepEqual(rowsOf(output), want.rows, fn);
    }
  });

  test('a series with no value in a window is NULL there', () => {
    const processor = createProcessor(downSampling('avg'), SCHEMA, null, 'root.db.d');
    assert.deepEqual(rowsOf(processor.process(batchOf([[1, 2, null, null, null], [11, null, null, null, 'x']]))), [[0, 2, null, null, null]]);
  });

  test('windows fill across batches and are emitted with the batch that moves the watermark past them', () => {
    const processor = createProcessor(downSampling('sum'), SCHEMA, null, 'root.db.d');
    assert.equal(processor.process(batchOf([[0, 1, 1, null, null], [4, 2, 2, null, null]])), null, 'the window is still open');
    assert.equal(processor.process(batchOf([[9, 4, 4, null, null]])), null, 'the watermark (9) has not reached the end (10)');
    assert.deepEqual(rowsOf(processor.process(batchOf([[10, 8, 8, null, null]]))), [[0, 7, 7, null, null]], 'reaching the end emits');
    assert.deepEqual(rowsOf(processor.process(batchOf([[45, 1, 1, null, null]]))), [[10, 8, 8, null, null]], 'empty windows emit nothing');
  });

  test('first/last go by event time within a window, rows out of order inside it', () => {
    const processor = createProcessor(downSampling('first'), SCHEMA, null, 'root.db.d');
    const last = createProcessor(downSampling('last'), SCHEMA, null, 'root.db.d');
    const a = batchOf([[5, 5, 5, null, 'five'], [2, 2, 2, null, 'two']]);
    const b = batchOf([[8, 8, 8, null, 'eight'], [1, 1, 1, null, 'one'], [30, 0, 0, null, 'later']]);
    processor.process(a);
    last.process(a);
    assert.deepEqual(rowsOf(processor.process(b)), [[0, 1, 1, null, 'one']]);
    assert.deepEqual(rowsOf(last.process(b)), [[0, 8, 8, null, 'eight']]);
  });

  test('a row for a window the watermark has passed is late: dropped and counted', () => {
    const processor = createProcessor(downSampling('count'), SCHEMA, null, 'root.db.d');
    assert.deepEqual(rowsOf(processor.process(batchOf([[3, 1, 1, true, 'a'], [15, 1, 1, true, 'b']]))), [[0, 1, 1, 1, 1]]);
    // Window [0, 10) is emitted; [10, 20) is open (watermark 15).
    assert.equal(processor.process(batchOf([[9, 1, 1, true, 'late'], [12, 1, 1, true, 'c'], [1, 1, 1, true, 'late']])), null);
    assert.equal(processor.lateRows, 2);
    // Out of order inside one batch is fine while the window is open: both rows of [10, 20) count.
    assert.deepEqual(rowsOf(processor.process(batchOf([[21, 1, 1, true, 'd'], [19, 1, 1, true, 'e']]))), [[10, 3, 3, 3, 3]]);
    assert.equal(processor.lateRows, 2);
  });

  test('a batch spanning more windows than DOWN_SAMPLING_OPEN_WINDOWS_MAX is processed in slices', () => {
    const schema = [TIME, { name: 'v', type: T.nullable(T.int64) }];
    const windows = DOWN_SAMPLING_OPEN_WINDOWS_MAX + 1;
    const rows = Array.from({ length: windows }, (_, i) => [i * 10, i] as unknown as Row);
    // A row for window 0 after the slice boundary: its window has closed by then.
    rows.push([5, 99] as unknown as Row);
    const processor = createProcessor(downSampling('max'), schema, null, 'root.db.d');
    const output = rowsOf(processor.process(batchOf(rows, schema)));
    assert.equal(output.length, windows - 1, 'every window but the last (holding the watermark) is emitted');
    assert.deepEqual(output[0], [0, 0]);
    assert.deepEqual(output.at(-1), [(windows - 2) * 10, windows - 2]);
    assert.equal(processor.lateRows, 1);
  });

  test('int64 beyond 2^53 stays exact in min/max/first/last', () => {
    const schema = [TIME, { name: 'big', type: T.nullable(T.int64) }];
    const big = 2n ** 60n + 1n;
    const batch: ExecBatch = { schema, cols: [colFromValues(TIME.type, [0, 1, 20]), colFromValues(T.nullable(T.int64), [big, 3n, 1n])], rowCount: 3 };
    const processor = createProcessor(downSampling('max'), schema, null, 'root.db.d');
    assert.deepEqual(rowsOf(processor.process(batch)), [[0, big]]);
  });

  test('snapshot and restore continue exactly as if never interrupted', () => {
    const a = batchOf([[0, 1, 1, true, 'a'], [4, 2, null, false, 'b'], [11, 3, 3, null, 'c'], [13, null, 4, true, null]]);
    const b = batchOf([[9, 100, 100, true, 'late'], [17, 5, 5, false, 'd'], [22, -0, 6, true, 'e'], [21, Number.NaN, 7, null, 'f']]);
    const c = batchOf([[29, 6, 8, false, 'g'], [40, 7, 9, true, 'h'], [5, 1, 1, true, 'late']]);
    for (const fn of ['avg', 'min', 'max', 'first', 'last', 'count', 'sum'] as DownSamplingFunction[]) {
      const whole = createProcessor(downSampling(fn), SCHEMA, null, 'root.db.d');
      const expected = [a, b, c].map((batch) => rowsOf(whole.process(batch)));
      assert.equal(whole.lateRows, 2);
      // Interrupted after A, and after B (its open window then holds NaN and -0, which JSON cannot hold as numbers).
      for (const split of [1, 2]) {
        const first = createProcessor(downSampling(fn), SCHEMA, null, 'root.db.d');
        const outputs = [a, b].slice(0, split).map((batch) => rowsOf(first.process(batch)));
        const saved: unknown = JSON.parse(JSON.stringify(first.snapshot()));
        const resumed = createProcessor(downSampling(fn), SCHEMA, saved, 'root.db.d');
        for (const batch of [a, b, c].slice(split)) outputs.push(rowsOf(resumed.process(batch)));
        assert.deepEqual(outputs, expected, `${fn}, split after ${split}`);
        assert.equal(resumed.lateRows, whole.lateRows, fn);
        assert.deepEqual(JSON.parse(JSON.stringify(resumed.snapshot())), JSON.parse(JSON.stringify(whole.snapshot())), fn);
      }
    }
  });

  test('a restored state is matched by series name; a state of another configuration is refused', () => {
    const before = createProcessor(downSampling('sum'), SCHEMA, null, 'root.db.d');
    before.process(batchOf([[1, 1, 1, true, 'a']]));
    const saved = before.snapshot();
    // The stream gained a column in front of the others: the sums follow their names.
    const grown: Column[] = [TIME, { name: 'extra', type: T.nullable(T.float64) }, ...SCHEMA.slice(1)];
    const after = createProcessor(downSampling('sum'), grown, saved, 'root.db.d');
    const next: ExecBatch = {
      schema: grown,
      cols: [colFromValues(TIME.type, [12]), colFromValues(T.nullable(T.float64), [9]), ...batchOf([[12, 2, 2, false, 'b']]).cols.slice(1)],
      rowCount: 1,
    };
    assert.deepEqual(rowsOf(after.process(next)), [[0, null, 1, 1, true, 'a']]);
    rejects(() => createProcessor(downSampling('avg'), SCHEMA, saved, 'root.db.d'), 'INVALID_ARGUMENT', /down-sampling state of stream root\.db\.d cannot be restored: it was saved for interval 10 ms and sum/);
    rejects(() => createProcessor(downSampling('sum'), SCHEMA, { version: 99 }, 'root.db.d'), 'INVALID_ARGUMENT', /expected state version 1/);
  });
});
