// A batch: a set of equally long column vectors with their names and types. The unit of append,
// scan, network transfer and operator input. Batches are immutable once built.
//
// Invariants: column names are unique; every vector's rowCount equals the batch's rowCount;
// rowCount <= BATCH_ROWS_MAX; columns <= COLUMNS_PER_STREAM_MAX.
import { DbError } from '../core/errors.ts';
import { BATCH_ROWS_MAX, COLUMNS_PER_STREAM_MAX, checkLimit } from '../core/limits.ts';
import { type DataType, formatDataType } from './data-type.ts';
import { type Value, type Vector, valueAt, vectorFromValues } from './vector.ts';

export interface Column {
  readonly name: string;
  readonly type: DataType;
}

export interface Batch {
  readonly columns: readonly Column[];
  readonly vectors: readonly Vector[];
  readonly rowCount: number;
}

/** Where a batch came from when another node (or task) forwarded it; the key of exactly-once dedupe. */
export interface Origin {
  /** Node id of the sender. */
  readonly nodeId: string;
  /** Task (view, pipe) id on the sender. */
  readonly taskId: string;
  /** Lane within the task: one per source stream shard; batches of a lane arrive in order. */
  readonly lane: number;
  /** First and last source `_tp_sn` the batch covers (inclusive). */
  readonly firstSn: number;
  readonly lastSn: number;
}

export function makeBatch(columns: readonly Column[], vectors: readonly Vector[]): Batch {
  checkLimit('COLUMNS_PER_STREAM_MAX', COLUMNS_PER_STREAM_MAX, columns.length, 'column count');
  if (columns.length !== vectors.length) {
    throw new DbError('INTERNAL', `batch has ${columns.length} columns but ${vectors.length} vectors`);
  }
  const rowCount = vectors.length === 0 ? 0 : vectors[0].rowCount;
  checkLimit('BATCH_ROWS_MAX', BATCH_ROWS_MAX, rowCount, 'batch row count');
  const seen = new Set<string>();
  for (let i = 0; i < columns.length; i++) {
    if (seen.has(columns[i].name)) throw new DbError('INVALID_NAME', `duplicate column '${columns[i].name}' in batch`);
    seen.add(columns[i].name);
    if (vectors[i].rowCount !== rowCount) {
      throw new DbError('INTERNAL', `column '${columns[i].name}' has ${vectors[i].rowCount} rows, expected ${rowCount}`);
    }
  }
  return { columns, vectors, rowCount };
}

/** Builds a batch from row objects (slow path: tests, JSON input). Missing keys are NULL. */
export function batchFromRows(columns: readonly Column[], rows: readonly Readonly<Record<string, Value>>[]): Batch {
  checkLimit('BATCH_ROWS_MAX', BATCH_ROWS_MAX, rows.length, 'batch row count');
  const vectors = columns.map((column) => {
    // Own keys only: a missing 'constructor' or 'toString' column must read as NULL, not Object.prototype's.
    const values = rows.map((row) => (Object.hasOwn(row, column.name) ? row[column.name] : null) ?? null);
    return vectorFromValues(column.type, values);
  });
  return makeBatch(columns, vectors);
}

/** Row objects of a batch (slow path: tests, formatting). */
export function rowsOf(batch: Batch): Record<string, Value>[] {
  const rows: Record<string, Value>[] = [];
  for (let r = 0; r < batch.rowCount; r++) {
    // Object.fromEntries defines own properties; `row[name] = v` would make a column named
    // '__proto__' set the row's prototype instead of adding a key.
    rows.push(Object.fromEntries(batch.columns.map((column, c) => [column.name, valueAt(batch.vectors[c], r)])));
  }
  return rows;
}

/** Rows as arrays in column order (slow path: results for embedders and tests; int64 as bigint). */
export function rowArraysOf(batch: Batch): Value[][] {
  const rows: Value[][] = [];
  for (let r = 0; r < batch.rowCount; r++) rows.push(batch.vectors.map((v) => valueAt(v, r)));
  return rows;
}

export function columnIndex(batch: Batch, name: string): number {
  return batch.columns.findIndex((c) => c.name === name);
}

export function describeColumns(columns: readonly Column[]): string {
  return columns.map((c) => `${c.name} ${formatDataType(c.type)}`).join(', ');
}
