// Batch codec by example: the sensor schema byte for byte where the header documents it, header
// fields, encode-side argument checks, and vectors whose offsets do not start at 0 (the encoder
// rebases them). Random round trips and damage live in test/fuzz/codec-*.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDbError } from '../../../src/core/errors.ts';
import { type Column, batchFromRows, makeBatch, rowsOf } from '../../../src/types/batch.ts';
import { BATCH_FORMAT_VERSION, BATCH_HEADER_BYTES, BATCH_MAGIC, decodeBatch, decodeBatchHeader, encodeBatch } from '../../../src/types/batch-codec.ts';
import { T } from '../../../src/types/data-type.ts';
import type { Vector } from '../../../src/types/vector.ts';

const sensorColumns: Column[] = [
  { name: '_tp_time', type: T.datetime64('UTC') },
  { name: 'device', type: T.string },
  { name: 'temp', type: T.float64 },
  { name: 'hum', type: T.float64 },
  { name: 'status', type: T.int32 },
];
const sensorRows = [
  { _tp_time: 1_700_000_000_500, device: 'dev-1', temp: 21.5, hum: 40, status: 0 },
  { _tp_time: 1_700_000_000_100, device: 'dév-😀', temp: -0, hum: NaN, status: -1 },
  { _tp_time: 1_700_000_000_900, device: '', temp: Infinity, hum: 0.1, status: 2147483647 },
];

test('batch codec: the sensor batch round-trips and its header holds the documented fields', () => {
  const batch = batchFromRows(sensorColumns, sensorRows);
  const origin = { nodeId: 'edge-7', taskId: 'pipe/north', lane: 3, firstSn: 100, lastSn: 102 };
  const bytes = encodeBatch(batch, { baseSn: 42, appendTimeMs: 1_700_000_001_000, origin });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(view.getUint32(0, true), BATCH_MAGIC);
  assert.equal(Buffer.from(bytes.subarray(0, 4)).toString('latin1'), 'TRBT');
  assert.equal(view.getUint16(4, true), BATCH_FORMAT_VERSION);
  assert.equal(view.getUint16(6, true), 1, 'origin flag');
  assert.equal(view.getUint32(8, true), bytes.length);
  assert.equal(bytes.length % 8, 0);
  assert.equal(view.getUint32(16, true), 3);
  assert.equal(view.getUint16(20, true), 5);
  assert.equal(view.getUint16(22, true), 0);
  assert.equal(view.getBigUint64(24, true), 42n);
  assert.equal(view.getFloat64(32, true), 1_700_000_000_100);
  assert.equal(view.getFloat64(40, true), 1_700_000_000_900);
  assert.equal(view.getFloat64(48, true), 1_700_000_001_000);
  assert.equal(bytes[BATCH_HEADER_BYTES], 'edge-7'.length);

  const decoded = decodeBatch(bytes);
  assert.deepStrictEqual(decoded.batch.columns, sensorColumns);
  assert.deepStrictEqual(rowsOf(decoded.batch), sensorRows);
  assert.deepStrictEqual(decoded.header, {
    byteLength: bytes.length,
    rowCount: 3,
    columnCount: 5,
    baseSn: 42,
    minTimeMs: 1_700_000_000_100,
    maxTimeMs: 1_700_000_000_900,
    appendTimeMs: 1_700_000_001_000,
    origin,
  });
  assert.deepStrictEqual(decodeBatchHeader(bytes, 0), decoded.header);
});

test('batch codec: without a usable _tp_time the time range is the append time', () => {
  const cases = [
    batchFromRows([{ name: 'x', type: T.int8 }], [{ x: 1 }]),
    batchFromRows([{ name: '_tp_time', type: T.nullable(T.datetime64()) }], [{ _tp_time: 5 }]),
    batchFromRows([{ name: '_tp_time', type: T.int64 }], [{ _tp_time: 5n }]),
    batchFromRows([{ name: '_tp_time', type: T.datetime64() }], []),
    batchFromRows([], []),
  ];
  for (const batch of cases) {
    const header = decodeBatch(encodeBatch(batch, { baseSn: 0, appendTimeMs: 77 })).header;
    assert.equal(header.minTimeMs, 77);
    assert.equal(header.maxTimeMs, 77);
    assert.equal(header.origin, null);
  }
});

test('batch codec: an empty batch is exactly the header', () => {
  const bytes = encodeBatch(batchFromRows([], []), { baseSn: 0, appendTimeMs: 0 });
  assert.equal(bytes.length, BATCH_HEADER_BYTES);
  assert.equal(decodeBatch(bytes).batch.columns.length, 0);
});

test('batch codec: a string vector whose offsets start past 0 is rebased on encode', () => {
  // A view into a larger string column (rows 'ab' and 'cde' at bytes 9..14). Sizes are chosen so
  // that counting offsets[n] instead of offsets[n] - offsets[0] would change the padded length.
  const bytes = new TextEncoder().encode('xxxxxxxxxabcdefghij');
  const strings: Vector = { kind: 'string', type: T.string, rowCount: 2, offsets: Uint32Array.from([9, 11, 14]), bytes };
  const batch = makeBatch([{ name: 's', type: T.string }], [strings]);
  assert.deepStrictEqual(rowsOf(batch), [{ s: 'ab' }, { s: 'cde' }]);
  const encoded = encodeBatch(batch, { baseSn: 0, appendTimeMs: 0 });
  assert.deepStrictEqual(encoded, encodeBatch(batchFromRows([{ name: 's', type: T.string }], [{ s: 'ab' }, { s: 'cde' }]), { baseSn: 0, appendTimeMs: 0 }));
  assert.deepStrictEqual(rowsOf(decodeBatch(encoded).batch), [{ s: 'ab' }, { s: 'cde' }]);
});

test('batch codec: names, ids and values that begin with a byte-order mark keep it', () => {
  const batch = batchFromRows([{ name: '\uFEFFname', type: T.string }], [{ '\uFEFFname': '\uFEFFvalue' }]);
  const origin = { nodeId: '\uFEFF', taskId: '\uFEFFt', lane: 0, firstSn: 0, lastSn: 0 };
  const decoded = decodeBatch(encodeBatch(batch, { baseSn: 0, appendTimeMs: 0, origin }));
  assert.equal(decoded.batch.columns[0].name, '\uFEFFname');
  assert.deepStrictEqual(rowsOf(decoded.batch), [{ '\uFEFFname': '\uFEFFvalue' }]);
  assert.deepStrictEqual(decoded.header.origin, origin);
});

test('batch codec: encode refuses bad arguments with named errors', () => {
  const batch = batchFromRows([{ name: 'x', type: T.int8 }], [{ x: 1 }]);
  for (const baseSn of [-1, 1.5, 2 ** 53, NaN]) {
    assert.throws(() => encodeBatch(batch, { baseSn, appendTimeMs: 0 }), (e: unknown) => isDbError(e, 'INTERNAL') && /base sn/.test(e.message));
  }
  const origin = { nodeId: 'n', taskId: 't', lane: 0, firstSn: 0, lastSn: 0 };
  const badOrigins = [
    { ...origin, firstSn: 2, lastSn: 1 },
    { ...origin, firstSn: -1 },
    { ...origin, lastSn: 2 ** 53 },
    { ...origin, lane: -1 },
    { ...origin, lane: 2 ** 32 },
    { ...origin, lane: 0.5 },
  ];
  for (const bad of badOrigins) {
    assert.throws(() => encodeBatch(batch, { baseSn: 0, appendTimeMs: 0, origin: bad }), (e: unknown) => isDbError(e, 'INVALID_ARGUMENT'), JSON.stringify(bad));
  }
  assert.throws(
    () => encodeBatch(batch, { baseSn: 0, appendTimeMs: 0, origin: { ...origin, nodeId: 'é'.repeat(128) } }),
    (e: unknown) => isDbError(e, 'LIMIT_EXCEEDED') && /ORIGIN_ID_BYTES_MAX/.test(e.message),
  );
  const longName = batchFromRows([{ name: 'é'.repeat(128), type: T.int8 }], []);
  assert.throws(() => encodeBatch(longName, { baseSn: 0, appendTimeMs: 0 }), (e: unknown) => isDbError(e, 'LIMIT_EXCEEDED') && /NAME_BYTES_MAX/.test(e.message));
  const longZone = batchFromRows([{ name: 't', type: T.datetime64('z'.repeat(256)) }], []);
  assert.throws(() => encodeBatch(longZone, { baseSn: 0, appendTimeMs: 0 }), (e: unknown) => isDbError(e, 'LIMIT_EXCEEDED') && /timezone/.test(e.message));
  // 255 bytes is the largest name that fits.
  const widest = batchFromRows([{ name: 'n'.repeat(255), type: T.int8 }], [{ ['n'.repeat(255)]: 3 }]);
  assert.deepStrictEqual(rowsOf(decodeBatch(encodeBatch(widest, { baseSn: 0, appendTimeMs: 0 })).batch), rowsOf(widest));
});
