// INSERT … FORMAT JSONEachRow through the columnar reader builds the very batch the generic row
// parser builds — byte for byte — and fails with the very same error, on random rows of every JSON
// kind into columns of every type (property); and the reader's position is named when the data is
// malformed.
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { test } from 'node:test';
import fc from 'fast-check';
import { insertFormatOfBytes } from '../../../../src/engine/format/insert-data.ts';
import { readJsonEachRow } from '../../../../src/engine/format/json-each-row-reader.ts';
import { formatBatch } from '../../../../src/engine/statements/insert.ts';
import type { ColumnDef, StreamDef } from '../../../../src/storage/catalog/catalog-types.ts';
import type { Batch } from '../../../../src/types/batch.ts';
import { T, formatDataType } from '../../../../src/types/data-type.ts';
import type { Vector } from '../../../../src/types/vector.ts';
import { fuzzRuns } from '../../../support/arbitraries.ts';

const COLUMNS: readonly ColumnDef[] = [
  { name: '_tp_time', type: T.datetime64(), default: 'now64(3)' },
  { name: 'i32', type: T.int32 },
  { name: 'i64', type: T.int64 },
  { name: 'u8', type: T.uint8 },
  { name: 'u64', type: T.uint64 },
  { name: 'f32', type: T.float32 },
  { name: 'f64', type: T.float64 },
  { name: 'ok', type: T.bool },
  { name: 's', type: T.string },
  { name: 'ns', type: T.nullable(T.string) },
  { name: 'ni', type: T.nullable(T.int32) },
  { name: 'nf', type: T.nullable(T.float64) },
  { name: 'nb', type: T.nullable(T.bool) },
  { name: 'd', type: T.date },
  { name: 'dt', type: T.datetime() },
  { name: 'u', type: T.uuid },
  { name: 'tags', type: T.array(T.string) },
  { name: 'def', type: T.int32, default: '7' },
  { name: 'nsd', type: T.nullable(T.string), default: "'dflt'" },
];
const STREAM: StreamDef = { id: 1, database: 'default', name: 's', columns: COLUMNS, settings: {} as StreamDef['settings'], createdAt: 0 };
const CONTEXT = { nowMs: 1_767_225_600_123 };

type Outcome = { ok: unknown } | { error: string };

function outcome(data: string | Buffer, columns: readonly ColumnDef[], listed: boolean, columnar: boolean): Outcome {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    return { ok: describeBatch(formatBatch(STREAM, columns, listed, insertFormatOfBytes('JSONEachRow', bytes), CONTEXT, columnar)) };
  } catch (error) {
    return { error: `${(error as { code?: string }).code} ${(error as Error).message}` };
  }
}

function describeBatch(batch: Batch): unknown {
  return { rowCount: batch.rowCount, columns: batch.columns.map((c) => `${c.name} ${formatDataType(c.type)}`), vectors: batch.vectors.map(describeVector) };
}

function hex(array: ArrayBufferView): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('hex');
}

function describeVector(vector: Vector): unknown {
  const head = { kind: vector.kind, type: formatDataType(vector.type), rowCount: vector.rowCount };
  switch (vector.kind) {
    case 'fixed':
      return { ...head, array: vector.data.constructor.name, data: hex(vector.data) };
    case 'string':
      return { ...head, offsets: [...vector.offsets], bytes: hex(vector.bytes) };
    case 'nullable':
      return { ...head, nulls: hex(vector.nulls), inner: describeVector(vector.inner) };
    case 'array':
      return { ...head, offsets: [...vector.offsets], inner: describeVector(vector.inner) };
  }
}

const arbJsonString = fc.oneof(
  fc.constantFrom('', 'x', '12', '-5', '3.5', ' 7 ', 'true', 'false', '2026-01-01 00:00:00', '2026-01-01', '2026-01-01T10:00:00.5Z', 'nope', 'é日本😀', 'tab\there', 'q"uote', '1e3'),
  fc.constantFrom('6f1d3bb2-0c6f-4c4a-9d2e-2a3c5b7e8f90', '6F1D3BB20C6F4C4A9D2E2A3C5B7E8F90', '18446744073709551615', '-9223372036854775808'),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const arbNumber = fc.oneof(
  fc.integer({ min: -300, max: 300 }),
  fc.integer(),
  fc.constantFrom(0, -0, 0.5, -1.5, 255, 256, 1e20, -1e300, 2 ** 53, 2 ** 53 + 2, 1_767_225_600.123, 20_000.25, 4_294_967_296),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
type Mode = 'absent' | 'ints' | 'numbers' | 'strings' | 'bools' | 'nulls' | 'arrays' | 'mixed';
const arbMode = fc.constantFrom<Mode>('absent', 'ints', 'numbers', 'strings', 'bools', 'nulls', 'arrays', 'mixed', 'ints', 'numbers', 'strings');

function arbValue(mode: Mode): fc.Arbitrary<unknown> {
  switch (mode) {
    case 'ints':
      return fc.oneof({ weight: 4, arbitrary: fc.integer({ min: -300, max: 300 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 2 ** 53 + 2, 1e20) });
    case 'numbers':
      return arbNumber;
    case 'strings':
      return arbJsonString;
    case 'bools':
      return fc.boolean();
    case 'nulls':
      return fc.constant(null);
    case 'arrays':
      return fc.array(fc.oneof(arbJsonString, fc.integer()), { maxLength: 3 });
    default:
      return fc.oneof(arbNumber, arbJsonString, fc.boolean(), fc.constant(null), fc.constant({ k: 1 }), fc.array(fc.integer(), { maxLength: 2 }));
  }
}

interface ColumnPlan {
  readonly name: string;
  readonly mode: Mode;
  readonly nullChance: number;
  readonly missingChance: number;
}

const arbPlans = fc.tuple(...COLUMNS.map((c) => fc.record({ name: fc.constant(c.name), mode: arbMode, nullChance: fc.constantFrom(0, 0, 0.3), missingChance: fc.constantFrom(0, 0, 0, 0.2) })));

/** Rows for the plans: JSON text with random spacing, key order, blank lines and trailing commas. */
function arbData(plans: readonly ColumnPlan[]): fc.Arbitrary<string> {
  const arbRow = fc
    .tuple(
      fc.tuple(...plans.map((p) => fc.tuple(arbValue(p.mode), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })))),
      fc.constantFrom('', ' ', '\t'),
      fc.boolean(),
      fc.constantFrom('', '', '', ',', ' ,'),
      fc.constantFrom('', '', '\r'),
    )
    .map(([cells, space, reverse, trailing, cr]) => {
      const entries: string[] = [];
      plans.forEach((plan, c) => {
        const [value, missing, isNull] = cells[c];
        if (plan.mode === 'absent' || missing < plan.missingChance) return;
        entries.push(`${JSON.stringify(plan.name)}${space}:${space}${JSON.stringify(isNull < plan.nullChance ? null : value)}`);
      });
      if (reverse) entries.reverse();
      return `${space}{${space}${entries.join(`,${space}`)}${space}}${trailing}${cr}`;
    });
  return fc.tuple(fc.array(arbRow, { maxLength: 6 }), fc.constantFrom('\n', '\n\n'), fc.boolean()).map(([rows, separator, finalNewline]) => rows.join(separator) + (finalNewline ? '\n' : ''));
}

test('the columnar reader and the generic parser build the same batch or fail the same way (property)', () => {
  let batches = 0;
  let columnarBatches = 0;
  fc.assert(
    fc.property(
      arbPlans.chain((plans) => fc.tuple(fc.constant(plans), arbData(plans), fc.option(fc.subarray([...COLUMNS], { minLength: 1 }), { freq: 4 }))),
      ([, data, listed]) => {
        const columns = listed ?? COLUMNS;
        const columnar = outcome(data, columns, listed !== null, true);
        const generic = outcome(data, columns, listed !== null, false);
        assert.deepEqual(columnar, generic, data);
        if ('ok' in columnar) batches++;
        if ('ok' in columnar && readJsonEachRow(Buffer.from(data), columns.map((c) => c.name)).kind === 'columns') columnarBatches++;
      },
    ),
    { numRuns: fuzzRuns(400) },
  );
  // Enough cases get through, and most of those through the reader.
  assert.ok(batches > 40 && columnarBatches > batches / 2, `${batches} cases built a batch, ${columnarBatches} through the reader`);
});

test('the benchmark shape and the common cases agree with the generic parser', () => {
  const rows = [
    '{"_tp_time":1732150000.123,"i32":-5,"i64":9007199254740991,"u8":255,"u64":0,"f32":0.1,"f64":1e-7,"ok":true,"s":"plant-01/line-2","ns":null,"ni":3,"nf":null,"nb":false,"d":"2026-01-01","dt":"2026-01-01 00:00:01","u":"6f1d3bb2-0c6f-4c4a-9d2e-2a3c5b7e8f90","def":1,"nsd":"z"}',
    '{"_tp_time":"2026-01-01 00:00:00.250","i32":7,"i64":-1,"u8":0,"u64":"18446744073709551615","f32":-2.5,"f64":3,"ok":false,"s":"é\\n\\u00e9","ns":"x","ni":null,"nf":2.5,"nb":null,"d":20000,"dt":1767225600,"u":"6F1D3BB2-0C6F-4C4A-9D2E-2A3C5B7E8F90","def":2,"nsd":null}',
  ];
  for (const data of [rows.join('\n'), `${rows[0]}\n`, rows[1].replace(/"tags":\[\],?/, '')]) {
    const columnar = outcome(data, COLUMNS, false, true);
    assert.deepEqual(columnar, outcome(data, COLUMNS, false, false));
    assert.ok('ok' in columnar, JSON.stringify(columnar));
  }
});

test('malformed data names the line and column; other errors are the generic parser’s', () => {
  const data = '{"i32":1}\n{"i32":2,"s":"x"}\n{"i32":3, "s" "y"}\n';
  const columnar = outcome(data, COLUMNS, false, true);
  assert.deepEqual(columnar, { error: "INVALID_VALUE invalid value: JSONEachRow line 3, column 15: expected ':' after the key 's', got '\"'" });
  // A line break where the row goes on: the generic parser fails on that line, the reader says why.
  assert.deepEqual(outcome('{"i32":1}\n{"i32":2\n', COLUMNS, false, true), {
    error: "INVALID_VALUE invalid value: JSONEachRow line 2, column 9: expected ',' or '}' after the value of 'i32', got the end of the line",
  });
  const unknown = outcome('{"i32":1}\n{"nope":2}', COLUMNS, false, true);
  assert.deepEqual(unknown, outcome('{"i32":1}\n{"nope":2}', COLUMNS, false, false));
  assert.match((unknown as { error: string }).error, /row 2: unknown column 'nope'/);
  const range = outcome('{"u8":1}\n{"u8":256}', COLUMNS, false, true);
  assert.deepEqual(range, outcome('{"u8":1}\n{"u8":256}', COLUMNS, false, false));
  assert.match((range as { error: string }).error, /column 'u8': .*cannot convert 256 to uint8 \(row 2\)/);
  // A body the reader calls malformed but the generic parser accepts (a raw line break in a string
  // becomes a comma in its one-array parse) is still the generic parser's to decide.
  const quirk = '{"s":"a\nb"}';
  assert.deepEqual(outcome(quirk, COLUMNS, false, true), outcome(quirk, COLUMNS, false, false));
});
