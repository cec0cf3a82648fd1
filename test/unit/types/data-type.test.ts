// Data types as text: parse(format(t)) is t for every type, the ClickHouse/Timeplus spellings users
// type are accepted in any case, unsupported types are INVALID_TYPE naming the type, and nesting
// past TYPE_NESTING_MAX is LIMIT_EXCEEDED (not a stack overflow).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isDbError } from '../../../src/core/errors.ts';
import { TYPE_NESTING_MAX } from '../../../src/core/limits.ts';
import {
  type DataType,
  FIXED_WIDTH,
  SCALAR_KINDS,
  T,
  dataTypeFromSpec,
  formatDataType,
  parseDataType,
  sameType,
  typeDepth,
} from '../../../src/types/data-type.ts';
import { arbDataType, fuzzRuns } from '../../support/arbitraries.ts';

function assertDbError(run: () => unknown, code: 'INVALID_TYPE' | 'LIMIT_EXCEEDED', message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(isDbError(error, code), `expected ${code}, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

const nested = (depth: number, leaf: string): string => 'array('.repeat(depth) + leaf + ')'.repeat(depth);

test('data type: every scalar kind formats to its name and parses back', () => {
  for (const kind of SCALAR_KINDS) {
    const type = kind === 'datetime64' ? T.datetime64() : kind === 'datetime' ? T.datetime() : T[kind];
    assert.equal(type.kind, kind);
    const text = formatDataType(type);
    assert.deepStrictEqual(parseDataType(text), type, text);
    assert.ok(Object.isFrozen(type));
  }
});

test('data type: canonical spellings', () => {
  const cases: [DataType, string][] = [
    [T.int32, 'int32'],
    [T.datetime64(), 'datetime64(3)'],
    [T.datetime64('UTC'), "datetime64(3, 'UTC')"],
    [T.datetime(), 'datetime'],
    [T.datetime('Europe/Berlin'), "datetime('Europe/Berlin')"],
    [T.nullable(T.string), 'nullable(string)'],
    [T.array(T.nullable(T.uuid)), 'array(nullable(uuid))'],
    [T.array(T.array(T.datetime64('Asia/Kolkata'))), "array(array(datetime64(3, 'Asia/Kolkata')))"],
  ];
  for (const [type, text] of cases) {
    assert.equal(formatDataType(type), text);
    assert.deepStrictEqual(parseDataType(text), type);
  }
});

test('data type: parse(format(t)) deep-equals t for random types', () => {
  fc.assert(
    fc.property(arbDataType(), (type) => {
      const text = formatDataType(type);
      const parsed = parseDataType(text);
      assert.deepStrictEqual(parsed, type);
      assert.ok(sameType(parsed, type));
      assert.equal(formatDataType(parsed), text);
      // Type names are case-insensitive; quoted timezones (the odd-numbered parts) are not.
      const shouted = text.split("'").map((part, i) => (i % 2 === 0 ? part.toUpperCase() : part)).join("'");
      assert.deepStrictEqual(parseDataType(shouted), type, shouted);
    }),
    { numRuns: fuzzRuns(200) },
  );
});

test('data type: ClickHouse/Timeplus aliases, any case, with spaces', () => {
  const cases: [string, DataType][] = [
    ['Int32', T.int32],
    ['INT32', T.int32],
    ['Float64', T.float64],
    ['Float32', T.float32],
    ['String', T.string],
    ['UInt64', T.uint64],
    ['UUID', T.uuid],
    ['Bool', T.bool],
    ['Date', T.date],
    ['DateTime', T.datetime()],
    ['DateTime64(3)', T.datetime64()],
    ["DateTime64(3, 'UTC')", T.datetime64('UTC')],
    ["DateTime('UTC')", T.datetime('UTC')],
    ['Nullable(Int32)', T.nullable(T.int32)],
    ['Array(String)', T.array(T.string)],
    ['Array(Nullable(Float64))', T.array(T.nullable(T.float64))],
    ['BIGINT', T.int64],
    ['bigint', T.int64],
    ['DOUBLE', T.float64],
    ['FLOAT', T.float32],
    ['REAL', T.float32],
    ['INT', T.int32],
    ['INTEGER', T.int32],
    ['SMALLINT', T.int16],
    ['TINYINT', T.int8],
    ['BOOLEAN', T.bool],
    ['TEXT', T.string],
    ['VarChar', T.string],
    ['  array ( nullable ( int8 ) )  ', T.array(T.nullable(T.int8))],
    ["datetime64( 3 ,'UTC' )", T.datetime64('UTC')],
    ['\tNullable(\nString)', T.nullable(T.string)],
  ];
  for (const [text, type] of cases) assert.deepStrictEqual(parseDataType(text), type, text);
});

test('data type: timezone names keep their case; an empty timezone is no timezone', () => {
  assert.deepStrictEqual(parseDataType("DATETIME64(3, 'Europe/Berlin')"), T.datetime64('Europe/Berlin'));
  assert.deepStrictEqual(parseDataType("datetime64(3, '')"), T.datetime64());
  assert.deepStrictEqual(T.datetime(''), T.datetime());
  assert.equal(formatDataType(T.datetime64('')), 'datetime64(3)');
});

test('data type: unsupported types are INVALID_TYPE and the message names the type', () => {
  const cases: [string, RegExp][] = [
    ['decimal(10,2)', /decimal/i],
    ['Decimal(10, 2)', /Decimal/],
    ['map(string,int32)', /map/],
    ['Map(String, Int32)', /Map/],
    ['tuple(int8, string)', /tuple/],
    ['LowCardinality(String)', /LowCardinality/],
    ['int128', /int128/],
    ['json', /json/],
    ['nullable(array(int8))', /nullable\(array\(int8\)\)/],
    ['nullable(nullable(int8))', /nullable\(nullable\(int8\)\)/],
    ['Nullable(Nullable(Int8))', /nullable\(nullable\(int8\)\)/],
    ['datetime64(6)', /datetime64.*6/],
    ['DateTime64(9)', /precision 3.*9/],
    ['datetime64', /datetime64/],
    ["datetime64(3, 'UTC', 1)", /datetime64/],
    ['datetime(1)', /datetime/],
    ['int32(5)', /int32 takes no arguments/],
    ['array(int8, int8)', /array takes exactly one/],
    ['nullable', /nullable takes exactly one/],
    ['array(5)', /array takes a type argument/],
  ];
  for (const [text, message] of cases) assertDbError(() => parseDataType(text), 'INVALID_TYPE', message);
});

test('data type: malformed text is INVALID_TYPE naming the text and offset', () => {
  for (const text of ['', '   ', '(', 'array(', 'array(int8', 'int32)', 'int32 int32', "datetime64(3, 'UTC", 'array()', 'nullable(,)', 'int-32', '数字']) {
    assertDbError(() => parseDataType(text), 'INVALID_TYPE', /in type '.*' at offset \d+: expected/s);
  }
});

test('data type: nesting up to TYPE_NESTING_MAX parses; one level more is LIMIT_EXCEEDED', () => {
  const deepest = parseDataType(nested(TYPE_NESTING_MAX - 1, 'int8'));
  assert.equal(typeDepth(deepest), TYPE_NESTING_MAX);
  assert.equal(typeDepth(parseDataType(nested(TYPE_NESTING_MAX - 2, 'nullable(int8)'))), TYPE_NESTING_MAX);
  assertDbError(() => parseDataType(nested(TYPE_NESTING_MAX, 'int8')), 'LIMIT_EXCEEDED', /TYPE_NESTING_MAX/);
  assertDbError(() => parseDataType(nested(TYPE_NESTING_MAX - 1, 'nullable(int8)')), 'LIMIT_EXCEEDED', /TYPE_NESTING_MAX/);
  // Hostile input: far past the limit, still a clean error and no stack overflow.
  assertDbError(() => parseDataType(nested(100_000, 'int8')), 'LIMIT_EXCEEDED', /TYPE_NESTING_MAX/);
  assertDbError(() => parseDataType('array('.repeat(100_000)), 'LIMIT_EXCEEDED', /TYPE_NESTING_MAX/);
  // The constructors and the spec path enforce the same bound.
  assertDbError(() => T.array(deepest), 'LIMIT_EXCEEDED', /TYPE_NESTING_MAX/);
  let spec = { name: 'int8', args: [] as never[] } as Parameters<typeof dataTypeFromSpec>[0];
  for (let i = 0; i < TYPE_NESTING_MAX; i++) spec = { name: 'Array', args: [spec] };
  assertDbError(() => dataTypeFromSpec(spec), 'LIMIT_EXCEEDED', /TYPE_NESTING_MAX/);
});

test('data type: constructors refuse nullable of a non-scalar', () => {
  assertDbError(() => T.nullable(T.nullable(T.int8)), 'INVALID_TYPE', /nullable\(nullable\(int8\)\) is not allowed/);
  assertDbError(() => T.nullable(T.array(T.int8)), 'INVALID_TYPE', /nullable\(array\(int8\)\) is not allowed/);
});

test('data type: typeDepth and FIXED_WIDTH', () => {
  assert.equal(typeDepth(T.int8), 1);
  assert.equal(typeDepth(T.nullable(T.int8)), 2);
  assert.equal(typeDepth(T.array(T.array(T.nullable(T.string)))), 4);
  const widths: Record<string, number> = { bool: 1, int8: 1, int16: 2, int32: 4, int64: 8, uint8: 1, uint16: 2, uint32: 4, uint64: 8 };
  for (const [kind, width] of Object.entries(widths)) assert.equal(FIXED_WIDTH[kind as keyof typeof FIXED_WIDTH], width, kind);
  assert.equal(FIXED_WIDTH.float32, 4);
  assert.equal(FIXED_WIDTH.float64, 8);
  assert.equal(FIXED_WIDTH.datetime64, 8);
  assert.equal(FIXED_WIDTH.datetime, 4);
  assert.equal(FIXED_WIDTH.date, 4);
  assert.equal(FIXED_WIDTH.uuid, 16);
  assert.equal(FIXED_WIDTH.string, 0);
});

test('data type: sameType compares structure, timezones included', () => {
  assert.ok(sameType(parseDataType('Array(Nullable(Int32))'), T.array(T.nullable(T.int32))));
  assert.ok(!sameType(T.datetime64('UTC'), T.datetime64()));
  assert.ok(!sameType(T.int32, T.nullable(T.int32)));
  assert.ok(!sameType(T.array(T.int8), T.array(T.uint8)));
});
