// fast-check arbitraries for the type system and batches, shared by codec, storage and network tests.
//
// Every value an arbitrary yields is *canonical*: the form `valueAt` returns for it, so
// `valueAt(vectorFromValues(type, [v]), 0)` deep-equals `v` (under Object.is, so NaN and -0 count).
// That is why int64/uint64 values are always bigint, float32 values pass through Math.fround and
// uuids are lowercase with dashes.
//
// Strings never contain lone surrogates (U+D800..U+DFFF outside a pair). They have no UTF-8 encoding:
// Buffer.from replaces them with U+FFFD, so they cannot round-trip through any UTF-8 format and no
// test should expect them to. Astral-plane characters (a valid surrogate pair) are included.
//
// Sizes are kept small by default (arrays of at most 3 elements, 0..200 rows, 0..12 columns) so a
// property runs hundreds of cases in well under a second; FUZZ_RUNS deepens the search instead.
import fc from 'fast-check';
import { type Batch, type Column, type Origin, batchFromRows, makeBatch } from '../../src/types/batch.ts';
import { type DataType, T } from '../../src/types/data-type.ts';
import { type Value, formatUuid, vectorFromValues } from '../../src/types/vector.ts';

/** numRuns for a property: `FUZZ_RUNS` when set (deep fuzzing), else the given default (the fast suite). */
export function fuzzRuns(defaultRuns: number): number {
  const fromEnv = process.env.FUZZ_RUNS;
  if (fromEnv === undefined || fromEnv === '') return defaultRuns;
  const runs = Number(fromEnv);
  if (!Number.isInteger(runs) || runs <= 0) throw new Error(`FUZZ_RUNS must be a positive integer, got '${fromEnv}'`);
  return runs;
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;
/** datetime64 values are integer milliseconds in a Float64Array: exact up to ±2^53. */
export const DATETIME64_ABS_MAX = 2 ** 53;

/** Realistic timezone names; formatDataType cannot quote a name that contains `'`, so none do. */
export const TIMEZONES = ['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires', 'Etc/GMT+12'] as const;

const arbTimezone: fc.Arbitrary<string | null> = fc.option(fc.constantFrom(...TIMEZONES), { nil: null });

/** Any scalar type, datetime64 and datetime with or without a timezone. */
export function arbScalarType(): fc.Arbitrary<DataType> {
  return fc.oneof(
    fc.constantFrom(
      T.bool,
      T.int8,
      T.int16,
      T.int32,
      T.int64,
      T.uint8,
      T.uint16,
      T.uint32,
      T.uint64,
      T.float32,
      T.float64,
      T.string,
      T.date,
      T.uuid,
    ),
    arbTimezone.map((tz) => T.datetime64(tz)),
    arbTimezone.map((tz) => T.datetime(tz)),
  );
}

/**
 * Any valid type: a scalar, nullable(scalar), or array(T) nested up to `arrayDepthMax` levels (so the
 * deepest is array(array(array(nullable(scalar)))), 5 levels, well inside TYPE_NESTING_MAX).
 */
export function arbDataType(options: { arrayDepthMax?: number } = {}): fc.Arbitrary<DataType> {
  const arrayDepthMax = options.arrayDepthMax ?? 3;
  const leaf = fc.oneof(arbScalarType(), arbScalarType().map((t) => T.nullable(t)));
  if (arrayDepthMax === 0) return leaf;
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: arbDataType({ arrayDepthMax: arrayDepthMax - 1 }).map((t) => T.array(t)) },
  );
}

const SPECIAL_STRINGS = [
  '',
  ' ',
  '\u0000',
  'é',
  'e\u0301', // e + combining acute: a different byte sequence from 'é'
  '😀', // astral plane: a surrogate pair in JS, 4 bytes in UTF-8
  '𝕏𝕐𝕫',
  '\uFEFF', // a leading byte-order mark is data, not a marker to strip
  '\uFEFF\uFEFFx',
  '\uFFFF',
  '中文字符',
  'a\nb\tc',
] as const;

function buildArbString(maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...SPECIAL_STRINGS),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ maxLength }),
  );
}

// Built once: constructing a grapheme string arbitrary builds lookup tables (~ms each), and
// arbValueFor is called for every generated type.
const arbStringDefault = buildArbString(24);

/** Strings with unicode (astral plane included), empty strings, controls; never lone surrogates. */
export function arbString(maxLength = 24): fc.Arbitrary<string> {
  return maxLength === 24 ? arbStringDefault : buildArbString(maxLength);
}

function integerIn(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof(fc.constantFrom(min, max, 0), fc.integer({ min, max }));
}

const arbUuid: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff'),
  fc.uuid(),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => formatUuid(bytes, 0)),
);

const arbFloat64: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, Number.EPSILON),
  fc.double(),
  fc.integer(),
);

const arbFloat32: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45),
  fc.float(),
  fc.double().map(Math.fround),
);

const arbDatetime64: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, DATETIME64_ABS_MAX, -DATETIME64_ABS_MAX, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER),
  fc.integer({ min: 0, max: 4_102_444_800_000 }), // 1970..2100, the values real streams carry
  fc.maxSafeInteger(),
);

/** A canonical value of `type` (see the file header), biased towards the extremes of its range. */
export function arbValueFor(type: DataType): fc.Arbitrary<Value> {
  switch (type.kind) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return integerIn(-128, 127);
    case 'int16':
      return integerIn(-32768, 32767);
    case 'int32':
    case 'date':
      return integerIn(-2147483648, 2147483647);
    case 'uint8':
      return integerIn(0, 255);
    case 'uint16':
      return integerIn(0, 65535);
    case 'uint32':
    case 'datetime':
      return integerIn(0, 4294967295);
    case 'int64':
      return fc.oneof(fc.constantFrom(INT64_MIN, INT64_MAX, 0n, -1n), fc.bigInt({ min: INT64_MIN, max: INT64_MAX }));
    case 'uint64':
      return fc.oneof(fc.constantFrom(0n, UINT64_MAX, 2n ** 63n), fc.bigInt({ min: 0n, max: UINT64_MAX }));
    case 'float32':
      return arbFloat32;
    case 'float64':
      return arbFloat64;
    case 'datetime64':
      return arbDatetime64;
    case 'string':
      return arbString();
    case 'uuid':
      return arbUuid;
    case 'nullable':
      return fc.option(arbValueFor(type.inner), { nil: null, freq: 3 });
    case 'array':
      return fc.array(arbValueFor(type.element), { maxLength: 3 });
  }
}

const NAME_SAMPLES = ['ts', 'device', 'temp', 'hum', 'status', 'Ünïcödé', '名前', '🌊', '__proto__', 'constructor', '', '\uFEFFbom'] as const;

const arbColumnNameShared = fc
  .oneof(fc.constantFrom(...NAME_SAMPLES), fc.string({ unit: 'binary', maxLength: 16 }), fc.string({ maxLength: 12 }))
  .filter((name) => name !== '_tp_time');

/** Column names: unicode (astral plane included), empty, a leading BOM, and Object.prototype keys. */
export function arbColumnName(): fc.Arbitrary<string> {
  return arbColumnNameShared;
}

export interface SchemaOptions {
  readonly columnsMax?: number;
  readonly arrayDepthMax?: number;
}

/**
 * 0..columnsMax uniquely named columns. About half the schemas start with `_tp_time datetime64(3)`
 * (with or without a timezone), the event-time column whose range the batch header records.
 */
export function arbSchema(options: SchemaOptions = {}): fc.Arbitrary<Column[]> {
  const columnsMax = options.columnsMax ?? 12;
  const typeOptions = options.arrayDepthMax === undefined ? {} : { arrayDepthMax: options.arrayDepthMax };
  // Plain objects: fc.record builds null-prototype ones, which deepStrictEqual tells apart from {}.
  const column = fc.tuple(arbColumnName(), arbDataType(typeOptions)).map(([name, type]): Column => ({ name, type }));
  const others = fc.uniqueArray(column, { selector: (c) => c.name, maxLength: columnsMax });
  return fc.tuple(fc.option(arbTimezone, { nil: undefined }), others).map(([time, columns]) => {
    if (time === undefined || columnsMax === 0) return columns;
    return [{ name: '_tp_time', type: T.datetime64(time) }, ...columns.slice(0, columnsMax - 1)];
  });
}

export interface BatchOptions extends SchemaOptions {
  readonly rowsMax?: number;
}

/** A batch of a given schema with 0..rowsMax rows, built either column-wise or from row objects. */
export function arbBatchOf(columns: readonly Column[], options: { rowsMax?: number } = {}): fc.Arbitrary<Batch> {
  const rowsMax = options.rowsMax ?? 200;
  const rowCount = columns.length === 0 ? fc.constant(0) : fc.nat({ max: rowsMax });
  return rowCount.chain((n) =>
    fc
      .tuple(
        fc.tuple(...columns.map((c) => fc.array(arbValueFor(c.type), { minLength: n, maxLength: n }))),
        fc.boolean(),
      )
      .map(([valuesByColumn, fromRows]) => {
        if (!fromRows) return makeBatch(columns, columns.map((c, i) => vectorFromValues(c.type, valuesByColumn[i])));
        const rows: Record<string, Value>[] = [];
        for (let r = 0; r < n; r++) {
          // Object.fromEntries defines own properties, so a column named __proto__ is an ordinary key.
          rows.push(Object.fromEntries(columns.map((c, i) => [c.name, valuesByColumn[i][r]])));
        }
        return batchFromRows(columns, rows);
      }),
  );
}

/** A random schema (0..12 columns) and 0..200 rows of canonical values. */
export function arbBatch(options: BatchOptions = {}): fc.Arbitrary<Batch> {
  const rowsOptions = options.rowsMax === undefined ? {} : { rowsMax: options.rowsMax };
  return arbSchema(options).chain((columns) => arbBatchOf(columns, rowsOptions));
}

const SN_MAX = Number.MAX_SAFE_INTEGER;

/** A valid origin: ids up to 255 UTF-8 bytes (unicode included), a u32 lane, firstSn <= lastSn <= 2^53-1. */
export function arbOrigin(): fc.Arbitrary<Origin> {
  const id = fc.oneof(
    fc.constantFrom('', 'node-1', 'édge-🌊', '\uFEFF'),
    fc.string({ unit: 'binary', maxLength: 60 }), // at most 240 bytes
    fc.constant('x'.repeat(255)),
  );
  const sn = fc.oneof(fc.constantFrom(0, SN_MAX), fc.maxSafeInteger().map(Math.abs));
  return fc
    .record({
      nodeId: id,
      taskId: id,
      lane: fc.oneof(fc.constantFrom(0, 0xffffffff), fc.nat({ max: 0xffffffff })),
      a: sn,
      b: sn,
    })
    .map(({ nodeId, taskId, lane, a, b }) => ({ nodeId, taskId, lane, firstSn: Math.min(a, b), lastSn: Math.max(a, b) }));
}

/** Options for encodeBatch: base sn and append time at their extremes, an origin about half the time. */
export function arbEncodeOptions(): fc.Arbitrary<{ baseSn: number; appendTimeMs: number; origin: Origin | null }> {
  return fc.record({
    baseSn: fc.oneof(fc.constantFrom(0, SN_MAX), fc.maxSafeInteger().map(Math.abs)),
    appendTimeMs: fc.oneof(fc.constantFrom(0, 1_700_000_000_000, DATETIME64_ABS_MAX), fc.integer({ min: 0, max: 4_102_444_800_000 })),
    origin: fc.option(arbOrigin(), { nil: null }),
  });
}
