// The row-preserving operators: filter, project, distinct, sort, limit. Each is an async generator
// over ExecBatches; ending early (LIMIT) returns from the generator, which closes its input.
import { DbError } from '../../core/errors.ts';
import type { Column } from '../../types/batch.ts';
import { type Col, colValueAt } from '../column.ts';
import { type ExecBatch, concatRows, filterRows, sliceRows, takeRows } from '../exec-batch.ts';
import type { CompiledExpr } from '../expr/compile.ts';
import type { EvalContext } from '../functions/function.ts';
import { baseType } from '../column.ts';
import { QUERY_SORT_ROWS_MAX } from '../engine-limits.ts';

export async function* filter(input: AsyncIterable<ExecBatch>, predicate: CompiledExpr, context: EvalContext): AsyncGenerator<ExecBatch> {
  for await (const batch of input) {
    const kept = filterRows(batch, predicate.evaluate(batch, context));
    if (kept.rowCount > 0) yield kept;
  }
}

export async function* project(
  input: AsyncIterable<ExecBatch>,
  exprs: readonly CompiledExpr[],
  schema: readonly Column[],
  context: EvalContext,
): AsyncGenerator<ExecBatch> {
  for await (const batch of input) yield { schema, cols: exprs.map((e) => e.evaluate(batch, context)), rowCount: batch.rowCount };
}

export async function* distinct(input: AsyncIterable<ExecBatch>): AsyncGenerator<ExecBatch> {
  const seen = new Set<string>();
  for await (const batch of input) {
    const keep: number[] = [];
    for (let i = 0; i < batch.rowCount; i++) {
      const key = JSON.stringify(batch.cols.map((c) => colValueAt(c, i)), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
      if (!seen.has(key)) {
        seen.add(key);
        keep.push(i);
      }
    }
    if (keep.length > 0) yield takeRows(batch, Uint32Array.from(keep));
  }
}

export interface SortKey {
  readonly expr: CompiledExpr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/** Sorts all input (bounded only). Stable; NULLs last unless NULLS FIRST (ClickHouse default). */
export async function* sort(input: AsyncIterable<ExecBatch>, keys: readonly SortKey[], schema: readonly Column[], context: EvalContext): AsyncGenerator<ExecBatch> {
  const batches: ExecBatch[] = [];
  let rows = 0;
  for await (const batch of input) {
    rows += batch.rowCount;
    if (rows > QUERY_SORT_ROWS_MAX) {
      throw new DbError('LIMIT_EXCEEDED', `ORDER BY over more than QUERY_SORT_ROWS_MAX (${QUERY_SORT_ROWS_MAX}) rows; add a LIMIT or a filter`);
    }
    batches.push(batch);
  }
  if (rows === 0) return;
  const all = concatRows(schema, batches);
  const keyCols: Col[] = keys.map((k) => k.expr.evaluate(all, context));
  const order = Uint32Array.from({ length: all.rowCount }, (_, i) => i);
  const comparators = keys.map((key, k) => comparatorOf(keyCols[k], key));
  order.sort((a, b) => {
    for (const compare of comparators) {
      const c = compare(a, b);
      if (c !== 0) return c;
    }
    return a - b;
  });
  yield takeRows(all, order);
}

function comparatorOf(col: Col, key: SortKey): (a: number, b: number) => number {
  const values = col.values as ArrayLike<number | string | bigint>;
  const nulls = col.nulls;
  const direction = key.descending ? -1 : 1;
  const nullOrder = key.nullsFirst ? -1 : 1;
  const isArray = baseType(col.type).kind === 'array';
  return (a, b) => {
    const an = nulls !== null && nulls[a] === 1;
    const bn = nulls !== null && nulls[b] === 1;
    if (an || bn) return an === bn ? 0 : an ? nullOrder : -nullOrder;
    const x = isArray ? JSON.stringify(values[a]) : values[a];
    const y = isArray ? JSON.stringify(values[b]) : values[b];
    if (x !== x) return y !== y ? 0 : direction; // NaN sorts last ascending
    if (y !== y) return -direction;
    return x < y ? -direction : x > y ? direction : 0;
  };
}

/** Skips `offset` rows, passes `count`, then ends (closing the input). */
export async function* limit(input: AsyncIterable<ExecBatch>, count: number, offset: number): AsyncGenerator<ExecBatch> {
  if (count <= 0) return;
  let skipped = 0;
  let passed = 0;
  for await (const batch of input) {
    let start = 0;
    if (skipped < offset) {
      start = Math.min(batch.rowCount, offset - skipped);
      skipped += start;
    }
    const end = Math.min(batch.rowCount, start + (count - passed));
    if (end > start) {
      yield sliceRows(batch, start, end);
      passed += end - start;
    }
    if (passed >= count) return;
  }
}
