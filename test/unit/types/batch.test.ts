// Batches: construction checks (unique names, equal row counts, limits) and the row-object slow path,
// including column names that collide with Object.prototype keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDbError } from '../../../src/core/errors.ts';
import { COLUMNS_PER_STREAM_MAX } from '../../../src/core/limits.ts';
import { batchFromRows, columnIndex, describeColumns, makeBatch, rowsOf } from '../../../src/types/batch.ts';
import { T } from '../../../src/types/data-type.ts';
import { vectorFromValues } from '../../../src/types/vector.ts';

test('batch: rows in, the same rows out; missing keys are NULL', () => {
  const columns = [
    { name: 'id', type: T.int32 },
    { name: 'note', type: T.nullable(T.string) },
    { name: 'tags', type: T.array(T.string) },
  ];
  const batch = batchFromRows(columns, [{ id: 1, note: 'a', tags: [] }, { id: 2, tags: ['x', 'y'] }]);
  assert.equal(batch.rowCount, 2);
  assert.deepStrictEqual(rowsOf(batch), [
    { id: 1, note: 'a', tags: [] },
    { id: 2, note: null, tags: ['x', 'y'] },
  ]);
  assert.equal(columnIndex(batch, 'tags'), 2);
  assert.equal(columnIndex(batch, 'missing'), -1);
  assert.equal(describeColumns(columns), 'id int32, note nullable(string), tags array(string)');
});

test('batch: columns named __proto__, constructor or toString are ordinary columns', () => {
  const columns = [
    { name: '__proto__', type: T.nullable(T.int32) },
    { name: 'constructor', type: T.nullable(T.string) },
    { name: 'toString', type: T.nullable(T.bool) },
  ];
  // Missing keys must read as NULL, not as Object.prototype's members.
  const sparse = batchFromRows(columns, [{}]);
  assert.deepStrictEqual(rowsOf(sparse), [Object.fromEntries([['__proto__', null], ['constructor', null], ['toString', null]])]);
  const full = batchFromRows(columns, [Object.fromEntries([['__proto__', 7], ['constructor', 'c'], ['toString', true]])]);
  const [row] = rowsOf(full);
  assert.deepStrictEqual(Object.keys(row), ['__proto__', 'constructor', 'toString']);
  assert.equal(Object.getPrototypeOf(row), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(row, '__proto__')?.value, 7);
  assert.equal(row.constructor, 'c');
});

test('batch: construction errors', () => {
  const one = vectorFromValues(T.int8, [1]);
  const two = vectorFromValues(T.int8, [1, 2]);
  assert.throws(() => makeBatch([{ name: 'a', type: T.int8 }, { name: 'a', type: T.int8 }], [one, one]), (e: unknown) => isDbError(e, 'INVALID_NAME') && /duplicate column 'a'/.test(e.message));
  assert.throws(() => makeBatch([{ name: 'a', type: T.int8 }, { name: 'b', type: T.int8 }], [one, two]), (e: unknown) => isDbError(e, 'INTERNAL') && /'b' has 2 rows, expected 1/.test(e.message));
  assert.throws(() => makeBatch([{ name: 'a', type: T.int8 }], []), (e: unknown) => isDbError(e, 'INTERNAL'));
  const many = Array.from({ length: COLUMNS_PER_STREAM_MAX + 1 }, (_, i) => ({ name: `c${i}`, type: T.int8 }));
  assert.throws(() => makeBatch(many, many.map(() => one)), (e: unknown) => isDbError(e, 'LIMIT_EXCEEDED') && /COLUMNS_PER_STREAM_MAX/.test(e.message));
  assert.throws(() => batchFromRows([{ name: 'n', type: T.int8 }], [{ n: 1 }, { n: 'x' }]), (e: unknown) => isDbError(e, 'INVALID_VALUE') && /row 2/.test(e.message));
  assert.equal(makeBatch([], []).rowCount, 0);
});
