// Output formats as pure functions: the JSON document stays valid across several batches (and
// none), values follow ClickHouse's rules (64-bit integers quoted, nan/inf null, UTC times,
// NULL as \N in text formats), and names resolve case-insensitively with ClickHouse's aliases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOutputFormat, clickHouseTypeName, resolveOutputFormat } from '../../../src/engine/format/output-formats.ts';
import { type Batch, type Column, batchFromRows } from '../../../src/types/batch.ts';
import { T } from '../../../src/types/data-type.ts';
import type { Value } from '../../../src/types/vector.ts';

const COLUMNS: Column[] = [
  { name: 't', type: T.datetime64('UTC') },
  { name: 'n', type: T.int64 },
  { name: 'f', type: T.nullable(T.float64) },
  { name: 'd', type: T.date },
];
const T0 = Date.parse('2026-01-02T03:04:05.678Z');

function batch(rows: Record<string, Value>[]): Batch {
  return batchFromRows(COLUMNS, rows);
}

const FIRST = batch([{ t: T0, n: 1n, f: Number.NaN, d: 1 }]);
const SECOND = batch([
  { t: T0 + 1000, n: -(2n ** 63n), f: null, d: 0 },
  { t: T0 + 2000, n: 3n, f: Infinity, d: 2 },
]);
const EMPTY = batch([]);

function render(name: string, batches: Batch[], options = {}): string {
  const format = createOutputFormat(name, COLUMNS, options);
  let text = format.header();
  for (const b of batches) text += format.rows(b);
  return text + format.footer({ rows: 3, elapsedSeconds: 0.5, rowsRead: 3, bytesRead: 10 });
}

test('JSON and JSONCompact stay one valid document across batches, empty ones included', () => {
  const json = JSON.parse(render('JSON', [FIRST, EMPTY, SECOND])) as { data: Record<string, unknown>[]; rows: number; statistics: unknown };
  assert.equal(json.rows, 3);
  assert.deepEqual(json.data[0], { t: '2026-01-02 03:04:05.678', n: '1', f: null, d: '1970-01-02' });
  assert.deepEqual(json.data[1], { t: '2026-01-02 03:04:06.678', n: '-9223372036854775808', f: null, d: '1970-01-01' });
  assert.equal(json.data[2].f, null, 'inf is null in JSON');
  assert.deepEqual(json.statistics, { elapsed: 0.5, rows_read: 3, bytes_read: 10 });
  const none = JSON.parse(render('JSON', [])) as { data: unknown[]; rows: number };
  assert.deepEqual([none.data, none.rows], [[], 0]);
  const compact = JSON.parse(render('JSONCompact', [FIRST, SECOND], { quote64BitIntegers: false })) as { data: unknown[][] };
  assert.deepEqual(compact.data.map((row) => row[1]), [1, -9223372036854776000, 3]);
});

test('text formats: TSV and CSV cells, NULL, nan/inf, headers', () => {
  assert.equal(render('TSV', [FIRST, SECOND]), '2026-01-02 03:04:05.678\t1\tnan\t1970-01-02\n2026-01-02 03:04:06.678\t-9223372036854775808\t\\N\t1970-01-01\n2026-01-02 03:04:07.678\t3\tinf\t1970-01-03\n');
  assert.equal(render('CSVWithNamesAndTypes', [FIRST]), '"t","n","f","d"\n"DateTime64(3, \'UTC\')","Int64","Nullable(Float64)","Date"\n"2026-01-02 03:04:05.678",1,nan,"1970-01-02"\n');
  assert.equal(render('tabseparatedwithnames', [EMPTY]), 't\tn\tf\td\n');
});

test('names, aliases and type names', () => {
  assert.equal(resolveOutputFormat('jsoneachrow'), 'JSONEachRow');
  assert.equal(resolveOutputFormat('NDJSON'), 'JSONEachRow');
  assert.equal(resolveOutputFormat('Pretty'), 'PrettyCompact');
  assert.equal(resolveOutputFormat('Parquet'), null);
  assert.throws(() => createOutputFormat('Parquet', COLUMNS), /unknown output format 'Parquet'; supported: TabSeparated/);
  assert.equal(clickHouseTypeName(T.array(T.nullable(T.uint32))), 'Array(Nullable(UInt32))');
  assert.equal(clickHouseTypeName(T.uuid), 'UUID');
  assert.equal(clickHouseTypeName(T.datetime()), 'DateTime');
  assert.equal(createOutputFormat('CSV', COLUMNS).contentType, 'text/csv; charset=UTF-8; header=absent');
});
