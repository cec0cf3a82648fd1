// Dictionary-coded string vectors in the engine: a scan maps a batch's dictionary to the query's
// interner codes once per distinct value (same codes as hashing every row would give, across batches
// and across plain and coded batches), never building the batch's plain strings when every value
// can be interned; values that cannot (non-ASCII, long) still read back exactly. The reverse:
// vectorFromCol of a coded or constant column gives a vector that carries a dictionary (the values
// used, in order of first use), which the codec writes as is. End to end, a stream holding version-1
// and version-2 batches answers queries the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConstantStringCol, colFromVector, vectorFromCol } from '../../../src/engine/column.ts';
import { sliceCol, takeCol } from '../../../src/engine/exec-batch.ts';
import { openNode } from '../../../src/engine/node.ts';
import { GroupKeys } from '../../../src/engine/operators/group-keys.ts';
import { DictionaryStringCol, INTERNER_VALUE_BYTES_MAX, StringInterner } from '../../../src/engine/string-interner.ts';
import { type Batch, makeBatch, rowsOf } from '../../../src/types/batch.ts';
import { batchChecksum, decodeBatch, encodeBatch } from '../../../src/types/batch-codec.ts';
import { type DataType, T } from '../../../src/types/data-type.ts';
import { DictionaryStringVector, type StringVector, type Value, type Vector, stringsOf, vectorFromValues } from '../../../src/types/vector.ts';
import { arbString } from '../../support/arbitraries.ts';
import { tempDir } from '../../support/temp-dir.ts';

const plain = { baseSn: 0, appendTimeMs: 0 };

/** The column's vector after a trip through the codec (dictionary-coded when the values allow). */
function stored(type: DataType, values: Value[]): Vector {
  return decodeBatch(encodeBatch(makeBatch([{ name: 'c', type }], [vectorFromValues(type, values)]), plain)).batch.vectors[0];
}

function stringsVector(vector: Vector): StringVector {
  const inner = vector.kind === 'nullable' ? vector.inner : vector;
  if (inner.kind !== 'string') throw new Error('not a string vector');
  return inner;
}

const repeat = (pool: string[], rows: number, step = 7) => Array.from({ length: rows }, (_, i) => pool[(i * step) % pool.length]);

test('a dictionary batch maps to interner codes once per value, without building its plain strings', () => {
  const interner = new StringInterner();
  const first = repeat(['device-1', 'device-2', 'device-3'], 40);
  const second = repeat(['device-3', 'device-4', 'device-1'], 40, 5);
  const a = stored(T.string, first);
  const b = stored(T.string, second);
  assert.ok(stringsVector(a).dictionary !== undefined && stringsVector(b).dictionary !== undefined);
  const colA = colFromVector(a, interner) as DictionaryStringCol;
  const colB = colFromVector(b, interner) as DictionaryStringCol;
  assert.ok(colA instanceof DictionaryStringCol && colA.isEncoded);
  assert.deepStrictEqual(colA.values, first);
  assert.deepStrictEqual(colB.values, second);
  for (let i = 0; i < first.length; i++) assert.equal(colA.codes[i], interner.codeOf(first[i]));
  for (let i = 0; i < second.length; i++) assert.equal(colB.codes[i], interner.codeOf(second[i]));
  assert.equal(interner.dictionary.length, 4, 'one code per distinct value across batches');
  assert.equal((a as DictionaryStringVector).isMaterialized, false);
  assert.equal((b as DictionaryStringVector).isMaterialized, false);
});

test('plain and dictionary batches of one query get the same codes for the same values', () => {
  const interner = new StringInterner();
  const values = repeat(['x', 'y', 'z', 'w'], 64);
  const plainVector = vectorFromValues(T.string, values);
  const coded = stored(T.string, values);
  assert.ok(stringsVector(coded).dictionary !== undefined);
  const fromPlain = colFromVector(plainVector, interner) as DictionaryStringCol;
  const fromCoded = colFromVector(coded, interner) as DictionaryStringCol;
  assert.deepStrictEqual([...fromCoded.codes], [...fromPlain.codes]);
  // GROUP BY sees one group per value whichever form a batch came in.
  const keys = new GroupKeys(1);
  keys.assign([fromPlain], values.length);
  keys.assign([fromCoded], values.length);
  assert.equal(keys.size, 4);
  assert.deepStrictEqual(keys.keyValues[0], ['x', 'y', 'z', 'w'].filter((v) => values.includes(v)).sort((p, q) => values.indexOf(p) - values.indexOf(q)));
});

test('values without an interner code (non-ASCII, long) read back exactly from a dictionary batch', () => {
  const interner = new StringInterner();
  const long = 'L'.repeat(INTERNER_VALUE_BYTES_MAX + 1);
  const values = repeat(['ascii', 'ünï', long, '', '😀'], 50);
  const vector = stored(T.string, values);
  assert.ok(stringsVector(vector).dictionary !== undefined);
  const col = colFromVector(vector, interner) as DictionaryStringCol;
  assert.deepStrictEqual(col.values, values);
  for (let i = 0; i < values.length; i++) {
    assert.equal(col.stringAt(i), values[i]);
    const internable = /^[\x00-\x7f]*$/.test(values[i]) && values[i].length <= INTERNER_VALUE_BYTES_MAX;
    assert.equal(col.codes[i] >= 0, internable, `row ${i} '${values[i]}'`);
  }
  for (const constant of ['ascii', 'ünï', long, '😀', 'absent']) {
    const equal = col.equalsConstant(constant, false);
    assert.deepStrictEqual([...equal], values.map((v) => (v === constant ? 1 : 0)), constant);
  }
  assert.deepStrictEqual(takeCol(col, Uint32Array.from([4, 2, 0])).values, [values[4], values[2], values[0]]);
  assert.deepStrictEqual(sliceCol(col, 3, 9).values, values.slice(3, 9));
});

test('nullable(string) dictionary batches keep their NULLs', () => {
  const interner = new StringInterner();
  const values: Value[] = Array.from({ length: 60 }, (_, i) => (i % 4 === 0 ? null : `k${i % 3}`));
  const vector = stored(T.nullable(T.string), values);
  assert.ok(stringsVector(vector).dictionary !== undefined);
  const col = colFromVector(vector, interner);
  assert.deepStrictEqual(
    values.map((_, i) => (col.nulls !== null && col.nulls[i] === 1 ? null : (col.values as string[])[i])),
    values,
  );
});

test('vectorFromCol of a coded column carries a dictionary of the values used, in order of first use', () => {
  const interner = new StringInterner();
  // The interner knows more values than the batch uses.
  colFromVector(vectorFromValues(T.string, ['other-1', 'b', 'other-2', 'a']), interner).values;
  const values = repeat(['a', 'b', 'c'], 30);
  const col = colFromVector(stored(T.string, values), interner) as DictionaryStringCol;
  const vector = vectorFromCol(col, values.length) as StringVector;
  assert.ok(vector instanceof DictionaryStringVector);
  const dictionary = vector.dictionary!;
  assert.equal(dictionary.size, 3);
  assert.deepStrictEqual(stringsOf({ kind: 'string', type: T.string, rowCount: 3, offsets: dictionary.offsets, bytes: dictionary.bytes }), ['a', 'b', 'c']);
  assert.deepStrictEqual(stringsOf(vector), values);
  // The codec writes it as is (no plain form built), and it reads back.
  const bytes = encodeBatch(makeBatch([{ name: 'c', type: T.string }], [vector]), plain);
  assert.equal(vector.isMaterialized, false);
  assert.equal(bytes[60], 1, 'dictionary encoding');
  assert.deepStrictEqual(rowsOf(decodeBatch(bytes).batch), values.map((c) => ({ c })));
  // Takes and slices of the coded column convert the same way.
  const taken = vectorFromCol(takeCol(col, Uint32Array.from({ length: 20 }, (_, i) => 29 - i)), 20) as StringVector;
  assert.ok(taken.dictionary !== undefined);
  assert.deepStrictEqual(stringsOf(taken), values.slice(10).reverse());
  const sliced = vectorFromCol(sliceCol(col, 4, 24), 20) as StringVector;
  assert.deepStrictEqual(stringsOf(sliced), values.slice(4, 24));
});

test('vectorFromCol: nullable targets, rows without a code, too many values, constants', () => {
  const interner = new StringInterner();
  const values: Value[] = Array.from({ length: 40 }, (_, i) => (i % 5 === 0 ? null : i % 2 === 0 ? 'é-value' : 'plain'));
  const col = colFromVector(stored(T.nullable(T.string), values), interner);
  const vector = vectorFromCol(col, values.length, T.nullable(T.string));
  assert.equal(vector.kind, 'nullable');
  assert.ok(stringsVector(vector).dictionary !== undefined);
  const batch: Batch = makeBatch([{ name: 'c', type: T.nullable(T.string) }], [vector]);
  assert.deepStrictEqual(rowsOf(batch), values.map((c) => ({ c })));
  assert.deepStrictEqual(rowsOf(decodeBatch(encodeBatch(batch, plain)).batch), values.map((c) => ({ c })));

  // More distinct values than a dictionary of 8 rows takes (8 / 4 = 2): a plain vector.
  const many = ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b'];
  const manyCol = colFromVector(vectorFromValues(T.string, many), interner);
  const manyVector = vectorFromCol(manyCol, many.length) as StringVector;
  assert.equal(manyVector.dictionary, undefined);
  assert.deepStrictEqual(stringsOf(manyVector), many);

  const constant = vectorFromCol(new ConstantStringCol(T.string, 'tag', 10, null), 10) as StringVector;
  assert.equal(constant.dictionary?.size, 1);
  assert.deepStrictEqual(stringsOf(constant), Array.from({ length: 10 }, () => 'tag'));
});

test('random string columns survive codec → scan column → vectorFromCol → codec', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(arbString(), { minLength: 1, maxLength: 30 }),
      fc.array(fc.nat(), { minLength: 0, maxLength: 300 }),
      fc.boolean(),
      (pool, picks, nullable) => {
        const type = nullable ? T.nullable(T.string) : T.string;
        const values: Value[] = picks.map((p) => (nullable && p % 6 === 0 ? null : pool[p % pool.length]));
        const interner = new StringInterner();
        const col = colFromVector(stored(type, values), interner);
        const vector = vectorFromCol(col, values.length, type);
        const again = decodeBatch(encodeBatch(makeBatch([{ name: 'c', type }], [vector]), plain)).batch;
        assert.deepStrictEqual(rowsOf(again), values.map((c) => ({ c })));
      },
    ),
    { numRuns: 150 },
  );
});

test('a stream holding version-1 and version-2 batches answers GROUP BY and equality filters the same', async () => {
  const node = await openNode({ dataDir: tempDir() });
  try {
    await node.execute('CREATE STREAM s (device string, site nullable(string), v int32)');
    const columns = node.storage.catalog.getStream('default', 's').columns.map((c) => ({ name: c.name, type: c.type }));
    assert.deepStrictEqual(columns.map((c) => c.name), ['_tp_time', 'device', 'site', 'v']);
    const rows = Array.from({ length: 400 }, (_, i) => ({ _tp_time: 1_700_000_000_000 + i, device: `d${i % 5}`, site: i % 7 === 0 ? null : `s${i % 3}`, v: i }));
    const batch = makeBatch(
      columns,
      columns.map((c) => vectorFromValues(c.type, rows.map((r) => r[c.name as keyof typeof r] as Value))),
    );
    await node.storage.append('default', 's', batch);
    // The same rows again as a version-1 batch (plain strings), as a data directory of an earlier build holds.
    await node.storage.log('default', 's').appendEncoded(encodeVersion1(batch));
    const grouped = await node.query('SELECT device, count(), sum(v), count(site) FROM table(s) GROUP BY device ORDER BY device');
    assert.deepStrictEqual(
      grouped.rows,
      ['d0', 'd1', 'd2', 'd3', 'd4'].map((d) => {
        const mine = rows.filter((r) => r.device === d);
        return [d, BigInt(2 * mine.length), BigInt(2 * mine.reduce((a, r) => a + r.v, 0)), BigInt(2 * mine.filter((r) => r.site !== null).length)];
      }),
    );
    const filtered = await node.query("SELECT count() FROM table(s) WHERE device = 'd3' AND site = 's1'");
    assert.deepStrictEqual(filtered.rows, [[BigInt(2 * rows.filter((r) => r.device === 'd3' && r.site === 's1').length)]]);
  } finally {
    await node.close();
  }
});

/**
 * `batch` in format version 1 (every string column plain, no encoding bytes), built by hand from a
 * decoded copy: for flat, origin-less batches of string, nullable(string) and int32 columns.
 */
function encodeVersion1(batch: Batch): Uint8Array {
  const v2 = encodeBatch(batch, plain);
  const decoded = decodeBatch(v2).batch;
  const pad = (b: Uint8Array) => Buffer.concat([Buffer.from(b), Buffer.alloc((8 - (b.length % 8)) % 8)]);
  const header = Buffer.from(v2.subarray(0, 56));
  header.writeUInt16LE(1, 4);
  // The version-2 directory without its encoding bytes (one after each type descriptor).
  const descriptorBytes = (type: DataType): number =>
    type.kind === 'nullable' ? 1 + descriptorBytes(type.inner) : type.kind === 'datetime64' ? 3 + Buffer.byteLength(type.timezone ?? '') : 1;
  const directory: Buffer[] = [];
  let at = 56;
  for (const column of decoded.columns) {
    const entry = 2 + Buffer.byteLength(column.name) + descriptorBytes(column.type);
    directory.push(Buffer.from(v2.subarray(at, at + entry)));
    at += entry + 1;
  }
  const parts: Buffer[] = [header, pad(Buffer.concat(directory))];
  for (const vector of decoded.vectors) {
    const inner = vector.kind === 'nullable' ? vector.inner : vector;
    if (vector.kind === 'nullable') parts.push(pad(vector.nulls.subarray(0, (vector.rowCount + 7) >> 3)));
    if (inner.kind === 'string') {
      parts.push(pad(new Uint8Array(inner.offsets.buffer, inner.offsets.byteOffset, inner.offsets.byteLength)), pad(inner.bytes.subarray(0, inner.offsets[inner.rowCount])));
    } else if (inner.kind === 'fixed') parts.push(pad(new Uint8Array(inner.data.buffer, inner.data.byteOffset, inner.data.byteLength)));
  }
  const bytes = Buffer.concat(parts);
  bytes.writeUInt32LE(bytes.length, 8);
  bytes.writeUInt32LE(batchChecksum(bytes, 0, bytes.length), 12);
  assert.deepStrictEqual(rowsOf(decodeBatch(bytes).batch), rowsOf(batch));
  return new Uint8Array(bytes);
}
