// Batch codec, dictionary-coded string columns (format version 2) by example: when the encoder picks
// the dictionary form, its byte layout and code widths, vectors that carry a dictionary (written as
// they are), the lazily built plain offsets/bytes, and version-1 batches (written before
// dictionaries) decoding exactly as before, in memory and from a stream log. Random round trips and
// damage live in test/fuzz/codec-dictionary.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDbError } from '../../../src/core/errors.ts';
import { DICTIONARY_VALUES_MAX } from '../../../src/core/limits.ts';
import { StreamLog } from '../../../src/storage/log/stream-log.ts';
import { type Batch, type Column, batchFromRows, makeBatch, rowsOf } from '../../../src/types/batch.ts';
import {
  BATCH_FORMAT_VERSION,
  BATCH_FORMAT_VERSION_PLAIN,
  DICTIONARY_ROWS_PER_VALUE,
  batchChecksum,
  decodeBatch,
  decodeBatchHeader,
  encodeBatch,
} from '../../../src/types/batch-codec.ts';
import { T } from '../../../src/types/data-type.ts';
import { DictionaryStringVector, type StringVector, type Vector, stringAt, stringsOf, valueAt, vectorFromValues } from '../../../src/types/vector.ts';
import { tempDir } from '../../support/temp-dir.ts';

const plain = { baseSn: 0, appendTimeMs: 1_700_000_000_000 };

function stringColumn(values: string[], type = T.string): Batch {
  return makeBatch([{ name: 's', type }], [vectorFromValues(type, values)]);
}

/** The string vector of a decoded column (the inner one of a nullable). */
function stringsVector(vector: Vector): StringVector {
  const inner = vector.kind === 'nullable' ? vector.inner : vector;
  assert.equal(inner.kind, 'string');
  return inner as StringVector;
}

/** The encoding byte of the first column of a batch without an origin whose name is one byte: 56 u16, 58 name, 59 tag, 60 encoding. */
const encodingOfFirstColumn = (bytes: Uint8Array) => bytes[60];

test('dictionary form: the documented layout of a small batch', () => {
  const values = ['a', 'b', 'a', 'a', 'b', 'a', 'a', 'a'];
  const bytes = encodeBatch(stringColumn(values), plain);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(view.getUint16(4, true), BATCH_FORMAT_VERSION);
  assert.equal(BATCH_FORMAT_VERSION, 2);
  // 56 u16 1, 58 's', 59 tag 12, 60 encoding 1; payload at 64: u32 d = 2, offsets [0, 1, 2] (to 80),
  // 'ab' (to 88), 8 u8 codes (to 96).
  assert.deepStrictEqual([bytes[58], bytes[59], bytes[60]], ['s'.charCodeAt(0), 12, 1]);
  assert.equal(view.getUint32(64, true), 2);
  assert.deepStrictEqual([0, 1, 2].map((j) => view.getUint32(68 + 4 * j, true)), [0, 1, 2]);
  assert.equal(Buffer.from(bytes.subarray(80, 82)).toString(), 'ab');
  assert.deepStrictEqual([...bytes.subarray(88, 96)], [0, 1, 0, 0, 1, 0, 0, 0]);
  assert.equal(bytes.length, 96);

  const vector = stringsVector(decodeBatch(bytes).batch.vectors[0]);
  assert.ok(vector instanceof DictionaryStringVector);
  assert.equal(vector.dictionary!.size, 2);
  assert.ok(vector.dictionary!.codes instanceof Uint8Array);
  // Readers that understand the dictionary never build the plain form.
  assert.deepStrictEqual(stringsOf(vector), values);
  assert.deepStrictEqual(values.map((_, i) => stringAt(vector, i)), values);
  assert.deepStrictEqual(values.map((_, i) => valueAt(vector, i)), values);
  assert.equal(vector.isMaterialized, false);
  // The plain form, built on first read, is exactly what a plain vector of the values holds.
  const expected = vectorFromValues(T.string, values) as StringVector;
  assert.deepStrictEqual([...vector.offsets], [...expected.offsets]);
  assert.deepStrictEqual(Buffer.from(vector.bytes), Buffer.from(expected.bytes));
  assert.equal(vector.isMaterialized, true);
});

test('dictionary form: chosen iff distinct values <= min(DICTIONARY_VALUES_MAX, rows / DICTIONARY_ROWS_PER_VALUE)', () => {
  assert.equal(DICTIONARY_ROWS_PER_VALUE, 4);
  const cases: [string, string[], number][] = [
    ['2 values in 8 rows', ['a', 'b', 'a', 'a', 'b', 'a', 'a', 'a'], 1],
    ['3 values in 8 rows', ['a', 'b', 'c', 'a', 'a', 'a', 'a', 'a'], 0],
    ['1 value in 3 rows', ['a', 'a', 'a'], 0],
    ['1 value in 4 rows', ['a', 'a', 'a', 'a'], 1],
    ['empty strings', ['', '', '', '', '', ''], 1],
    ['no rows', [], 0],
    ['all distinct', Array.from({ length: 1000 }, (_, i) => `id-${i}`), 0],
    ['25 values in 100 rows', Array.from({ length: 100 }, (_, i) => `v${i % 25}`), 1],
    ['26 values in 100 rows', Array.from({ length: 100 }, (_, i) => `v${i % 26}`), 0],
  ];
  for (const [name, values, encoding] of cases) {
    const bytes = encodeBatch(stringColumn(values), plain);
    assert.equal(encodingOfFirstColumn(bytes), encoding, name);
    const decoded = decodeBatch(bytes).batch;
    assert.deepStrictEqual(rowsOf(decoded), values.map((s) => ({ s })), name);
    assert.equal(stringsVector(decoded.vectors[0]).dictionary !== undefined, encoding === 1, name);
  }
});

test('dictionary form: codes are 1 byte up to 256 values, 2 bytes above; DICTIONARY_VALUES_MAX values still fit', () => {
  // Half the rows hold one value, so the encoder's sample sees plenty of repeats whatever the rows drawn.
  const skewed = (distinct: number, rows: number) => Array.from({ length: rows }, (_, i) => (i % 2 === 0 ? 'hot' : `v${(i >> 1) % (distinct - 1)}`));
  for (const [distinct, rows, width] of [
    [256, 4096, 1],
    [257, 4096, 2],
    [DICTIONARY_VALUES_MAX, 4 * DICTIONARY_VALUES_MAX, 2],
  ] as const) {
    const values = skewed(distinct, rows);
    assert.equal(new Set(values).size, distinct);
    const bytes = encodeBatch(stringColumn(values), plain);
    assert.equal(encodingOfFirstColumn(bytes), 1, `${distinct} values`);
    const vector = stringsVector(decodeBatch(bytes).batch.vectors[0]);
    assert.equal(vector.dictionary!.size, distinct);
    assert.equal(vector.dictionary!.codes.BYTES_PER_ELEMENT, width);
    assert.deepStrictEqual(stringsOf(vector), values);
  }
  // One value over the bound: plain, even with rows to spare.
  const over = skewed(DICTIONARY_VALUES_MAX + 1, 8 * DICTIONARY_VALUES_MAX);
  assert.equal(encodingOfFirstColumn(encodeBatch(stringColumn(over), plain)), 0);
});

test('dictionary form: nullable(string) columns, unicode and long values', () => {
  const type = T.nullable(T.string);
  const pool = [null, '', 'ü', '😀 x', 'x'.repeat(300), 'device-1'];
  const values = Array.from({ length: 120 }, (_, i) => pool[(i * 7) % pool.length]);
  const batch = batchFromRows([{ name: 's', type }], values.map((s) => ({ s })));
  const bytes = encodeBatch(batch, plain);
  // 59 tag 17 (nullable), 60 tag 12 (string), 61 encoding.
  assert.deepStrictEqual([bytes[59], bytes[60], bytes[61]], [17, 12, 1]);
  const decoded = decodeBatch(bytes);
  assert.deepStrictEqual(rowsOf(decoded.batch), rowsOf(batch));
  assert.deepStrictEqual(rowsOf(decodeBatch(bytes, 0, { copy: true }).batch), rowsOf(batch));
  assert.ok(stringsVector(decoded.batch.vectors[0]).dictionary !== undefined);
});

test('dictionary form: a vector that carries a dictionary is written as is, and re-encoding a decoded batch gives the same bytes', () => {
  // Dictionary order 'z', 'a' (not the order of first use) and an unused third value survive.
  const dictionary = vectorFromValues(T.string, ['z', 'a', 'unused']) as StringVector;
  const codes = Uint8Array.from([1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1]);
  const vector = new DictionaryStringVector(T.string, codes.length, { size: 3, offsets: dictionary.offsets, bytes: dictionary.bytes, codes });
  const batch = makeBatch([{ name: 's', type: T.string }], [vector]);
  const bytes = encodeBatch(batch, plain);
  assert.equal(vector.isMaterialized, false, 'the encoder did not read the plain form');
  const decoded = stringsVector(decodeBatch(bytes).batch.vectors[0]);
  assert.equal(decoded.dictionary!.size, 3);
  assert.deepStrictEqual(stringsOf(decoded), Array.from(codes, (c) => ['z', 'a', 'unused'][c]));
  assert.deepStrictEqual(Buffer.from(encodeBatch(decodeBatch(bytes).batch, plain)), Buffer.from(bytes));

  // A dictionary larger than the bound for its rows is written plain (from the lazily built plain form).
  const wide = new DictionaryStringVector(T.string, 4, { size: 3, offsets: dictionary.offsets, bytes: dictionary.bytes, codes: Uint8Array.from([0, 1, 2, 0]) });
  const wideBytes = encodeBatch(makeBatch([{ name: 's', type: T.string }], [wide]), plain);
  assert.equal(encodingOfFirstColumn(wideBytes), 0);
  assert.deepStrictEqual(rowsOf(decodeBatch(wideBytes).batch), ['z', 'a', 'unused', 'z'].map((s) => ({ s })));
});

test('dictionary form: the payload is about a byte per row where the plain form holds every value', () => {
  const values = Array.from({ length: 10_000 }, (_, i) => `device-${(i * 37) % 100}`);
  const dictionary = encodeBatch(stringColumn(values), plain);
  const distinct = Array.from({ length: 10_000 }, (_, i) => `device-${i}`);
  const plainBytes = encodeBatch(stringColumn(distinct), plain);
  assert.ok(dictionary.length < 12_000, `${dictionary.length} bytes`);
  assert.ok(plainBytes.length > 100_000, `${plainBytes.length} bytes`);
});

test('dictionary form: an encoding byte of 1 on a column that is not a string is BATCH_CORRUPT', () => {
  // One int32 column 'x': 56 u16 1, 58 'x', 59 tag 4, 60 encoding.
  const bytes = encodeBatch(batchFromRows([{ name: 'x', type: T.int32 }], [{ x: 1 }, { x: 2 }]), plain);
  assert.equal(bytes[60], 0);
  const edited = Uint8Array.from(bytes);
  edited[60] = 1;
  new DataView(edited.buffer).setUint32(12, batchChecksum(edited, 0, edited.length), true);
  assert.throws(() => decodeBatch(edited), (e: unknown) => isDbError(e, 'BATCH_CORRUPT') && /dictionary encoding/.test((e as Error).message));
});

// ---------------------------------------------------------------------------------------------
// Version 1

// Written by the version-1 encoder (before dictionaries): 12 rows of the columns below, base sn 7,
// append time 1_700_000_001_000, origin edge-1/view lane 2 sns 10..21. Low-cardinality strings that
// version 2 would store dictionary-coded are stored plain here.
const V1_BATCH = Buffer.from(
  'VFJCVAEAAQAQAwAAlyRoAgwAAAAGAAAABwAAAAAAAAAAAIBW/rx4QgCwgFb+vHhCAIC+Vv68eEIGZWRnZS0xBHZpZXcCAAAACgAA' +
    'AAAAAAAVAAAAAAAAAAgAX3RwX3RpbWUNAwNVVEMGAGRldmljZQwEAHNpdGURDAQAdGFncxIMBAB0ZW1wCwYAc3RhdHVzBAAAAAAA' +
    'AAAAAIBW/rx4QgAQgFb+vHhCACCAVv68eEIAMIBW/rx4QgBAgFb+vHhCAFCAVv68eEIAYIBW/rx4QgBwgFb+vHhCAICAVv68eEIA' +
    'kIBW/rx4QgCggFb+vHhCALCAVv68eEIAAAAABQAAAAoAAAAPAAAAFAAAABkAAAAeAAAAIwAAACgAAAAtAAAAMgAAADcAAAA8AAAA' +
    'AAAAAGRldi0wZGV2LTFkZXYtMGRldi0xZGV2LTBkZXYtMWRldi0wZGV2LTFkZXYtMGRldi0xZGV2LTBkZXYtMQAAAABJAgAAAAAA' +
    'AAAAAAAAAAAABAAAAAkAAAAJAAAADgAAABIAAAASAAAAFgAAABsAAAAbAAAAIAAAACQAAAAAAAAAc8O8ZG5vcnRobm9ydGhzw7xk' +
    'c8O8ZG5vcnRobm9ydGhzw7xkAAAAAAAAAAAAAAAAAgAAAAQAAAAGAAAABgAAAAgAAAAKAAAADAAAAAwAAAAOAAAAEAAAABIAAAAA' +
    'AAAAAAAAAAEAAAADAAAABAAAAAYAAAAHAAAACQAAAAoAAAAMAAAADQAAAA8AAAAQAAAAEgAAABMAAAAVAAAAFgAAABgAAAAZAAAA' +
    'GwAAAAAAAABhdDFhdDBhdDFhdDFhdDBhdDFhdDFhdDBhdDEAAAAAAAAAAAAAADRAAAAAAABANEAAAAAAAIA0QAAAAAAAwDRAAAAA' +
    'AAAANUAAAAAAAEA1QAAAAAAAgDVAAAAAAADANUAAAAAAAAA2QAAAAAAAQDZAAAAAAACANkAAAAAAAMA2QPQBAADIAAAAyAAAAMgA' +
    'AADIAAAA9AEAAMgAAADIAAAAyAAAAMgAAAD0AQAAyAAAAA==',
  'base64',
);
const V1_COLUMNS: Column[] = [
  { name: '_tp_time', type: T.datetime64('UTC') },
  { name: 'device', type: T.string },
  { name: 'site', type: T.nullable(T.string) },
  { name: 'tags', type: T.array(T.string) },
  { name: 'temp', type: T.float64 },
  { name: 'status', type: T.int32 },
];
const V1_ROWS = Array.from({ length: 12 }, (_, i) => ({
  _tp_time: 1_700_000_000_000 + i,
  device: `dev-${i % 2}`,
  site: i % 3 === 0 ? null : i % 2 === 0 ? 'north' : 'süd',
  tags: i % 4 === 0 ? [] : ['a', `t${i % 2}`],
  temp: 20 + i / 4,
  status: i % 5 === 0 ? 500 : 200,
}));
const V1_ORIGIN = { nodeId: 'edge-1', taskId: 'view', lane: 2, firstSn: 10, lastSn: 21 };

test('version 1: a batch written before dictionaries decodes exactly as before', () => {
  assert.equal(V1_BATCH.readUInt16LE(4), BATCH_FORMAT_VERSION_PLAIN);
  for (const copy of [false, true]) {
    const { header, batch } = decodeBatch(V1_BATCH, 0, { copy });
    assert.deepStrictEqual(header, {
      byteLength: V1_BATCH.length,
      rowCount: 12,
      columnCount: 6,
      baseSn: 7,
      minTimeMs: 1_700_000_000_000,
      maxTimeMs: 1_700_000_000_011,
      appendTimeMs: 1_700_000_001_000,
      origin: V1_ORIGIN,
    });
    assert.deepStrictEqual(batch.columns, V1_COLUMNS);
    assert.deepStrictEqual(rowsOf(batch), V1_ROWS);
    for (const vector of batch.vectors) {
      const inner = vector.kind === 'nullable' ? vector.inner : vector;
      if (inner.kind === 'string') assert.equal(inner.dictionary, undefined);
    }
  }
  assert.deepStrictEqual(decodeBatchHeader(V1_BATCH, 0), decodeBatch(V1_BATCH).header);
  // Re-encoding writes version 2 (the low-cardinality device column now dictionary-coded), same rows.
  const again = encodeBatch(decodeBatch(V1_BATCH).batch, { baseSn: 7, appendTimeMs: 1_700_000_001_000, origin: V1_ORIGIN });
  assert.equal(Buffer.from(again).readUInt16LE(4), BATCH_FORMAT_VERSION);
  assert.deepStrictEqual(rowsOf(decodeBatch(again).batch), V1_ROWS);
});

test('version 1: damage is still BATCH_CORRUPT', () => {
  for (const offset of [0, 4, 12, 20, 100, 300, V1_BATCH.length - 1]) {
    const damaged = Uint8Array.from(V1_BATCH);
    damaged[offset] ^= 0x41;
    assert.throws(() => decodeBatch(damaged), (e: unknown) => isDbError(e, 'BATCH_CORRUPT'), `byte ${offset}`);
  }
});

test('version 1: a stream log holding version-1 batches reads them after a reopen, next to version-2 ones', async () => {
  const dir = tempDir();
  const log = await StreamLog.open({ dir });
  // The log stores a received batch as is (sn and append time restamped): a version-1 batch stays one.
  await log.appendEncoded(Uint8Array.from(V1_BATCH));
  const current = batchFromRows(V1_COLUMNS, V1_ROWS);
  await log.append(current);
  await log.close();
  const reopened = await StreamLog.open({ dir, verify: 'all' });
  const versions: number[] = [];
  const rows: Record<string, unknown>[] = [];
  for await (const record of reopened.read()) {
    versions.push(Buffer.from(record.bytes.buffer, record.bytes.byteOffset, 8).readUInt16LE(4));
    rows.push(...rowsOf(record.batch!));
  }
  assert.deepStrictEqual(versions, [BATCH_FORMAT_VERSION_PLAIN, BATCH_FORMAT_VERSION]);
  assert.deepStrictEqual(rows, [...V1_ROWS, ...V1_ROWS]);
  await reopened.close();
});
