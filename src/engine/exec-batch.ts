// ExecBatch: what flows between operators — named engine columns (column.ts) of equal length. A
// stream's storage batch becomes one on the way into a query (columns decoded once) and a query's
// output becomes storage batches again for results and inserts.
//
// Invariants: schema.length === cols.length; every col holds rowCount values; names may repeat only
// in a query's final projection (SELECT a, a), never in a scope that resolves names.
import { type Batch, type Column, makeBatch } from '../types/batch.ts';
import { type Col, colFromVector, vectorFromCol } from './column.ts';
import { DictionaryStringCol, NO_BYTES, NO_OFFSETS } from './string-interner.ts';

export interface ExecBatch {
  readonly schema: readonly Column[];
  readonly cols: readonly Col[];
  readonly rowCount: number;
}

export function execFromBatch(batch: Batch): ExecBatch {
  return { schema: batch.columns, cols: batch.vectors.map((vector) => colFromVector(vector)), rowCount: batch.rowCount };
}

export function batchFromExec(exec: ExecBatch, schema: readonly Column[] = exec.schema): Batch {
  return makeBatch(schema, exec.cols.map((col, i) => vectorFromCol(col, exec.rowCount, schema[i].type)));
}

/**
 * Taking at most 1/TAKE_DECODE_FRACTION_MAX_INVERSE of the rows of a string column that is not yet
 * dictionary-encoded decodes those rows alone; taking more encodes the column (repeated values are
 * then decoded once for the query).
 */
const TAKE_DECODE_FRACTION_MAX_INVERSE = 8;

/** The rows whose indices are listed, in that order. */
export function takeCol(col: Col, indices: Uint32Array): Col {
  const n = indices.length;
  let values: Col['values'] | null = null;
  if (col instanceof DictionaryStringCol && !col.isEncoded && n * TAKE_DECODE_FRACTION_MAX_INVERSE <= col.rowCount) {
    // A few rows of a column not encoded yet (a point query's match): decode just those rows.
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = col.stringAt(indices[i]);
    values = out;
  } else if (col instanceof DictionaryStringCol) {
    // Stays coded when every taken row has a code (rows without one need their own bytes).
    const source = col.codes;
    const codes = new Int32Array(n);
    let coded = true;
    for (let i = 0; i < n && coded; i++) coded = (codes[i] = source[indices[i]]) >= 0;
    if (coded) {
      const nulls = col.nulls === null ? null : Uint8Array.from(indices, (i) => col.nulls![i]);
      return new DictionaryStringCol(col.type, codes, col.dictionary, NO_BYTES, NO_OFFSETS, nulls, col.interner);
    }
  }
  values ??= takeValues(col.values, indices);
  let nulls: Uint8Array | null = null;
  if (col.nulls !== null) {
    nulls = new Uint8Array(n);
    let any = false;
    for (let i = 0; i < n; i++) any = (nulls[i] = col.nulls[indices[i]]) === 1 || any;
    if (!any) nulls = null;
  }
  return { type: col.type, values, nulls };
}

function takeValues(source: Col['values'], indices: Uint32Array): Col['values'] {
  const n = indices.length;
  if (source instanceof Float64Array) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = source[indices[i]];
    return out;
  }
  if (source instanceof BigInt64Array || source instanceof BigUint64Array) {
    const out = source instanceof BigInt64Array ? new BigInt64Array(n) : new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = source[indices[i]];
    return out;
  }
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = (source as unknown[])[indices[i]];
  return out as Col['values'];
}

/** Rows [start, end) without copying numeric values (typed-array views). */
export function sliceCol(col: Col, start: number, end: number): Col {
  if (col instanceof DictionaryStringCol) return col.slice(start, end);
  const values = col.values;
  const sliced = ArrayBuffer.isView(values) ? (values as Float64Array).subarray(start, end) : (values as unknown[]).slice(start, end);
  const nulls = col.nulls === null ? null : col.nulls.subarray(start, end);
  return { type: col.type, values: sliced as Col['values'], nulls };
}

export function takeRows(batch: ExecBatch, indices: Uint32Array): ExecBatch {
  return { schema: batch.schema, cols: batch.cols.map((c) => takeCol(c, indices)), rowCount: indices.length };
}

/** Rows where `mask` is 1 (and not NULL). Returns the batch itself when every row passes. */
export function filterRows(batch: ExecBatch, mask: Col): ExecBatch {
  const values = mask.values as Float64Array;
  const nulls = mask.nulls;
  let count = 0;
  for (let i = 0; i < batch.rowCount; i++) if (values[i] !== 0 && (nulls === null || nulls[i] === 0)) count++;
  if (count === batch.rowCount) return batch;
  const indices = new Uint32Array(count);
  let k = 0;
  for (let i = 0; i < batch.rowCount; i++) if (values[i] !== 0 && (nulls === null || nulls[i] === 0)) indices[k++] = i;
  return takeRows(batch, indices);
}

export function sliceRows(batch: ExecBatch, start: number, end: number): ExecBatch {
  if (start === 0 && end >= batch.rowCount) return batch;
  const indices = new Uint32Array(Math.max(0, Math.min(end, batch.rowCount) - start));
  for (let i = 0; i < indices.length; i++) indices[i] = start + i;
  return takeRows(batch, indices);
}

/**
 * String columns of one interner concatenated without decoding them: untouched rows (forwarding,
 * SELECT *) as one run of their bytes, so they still leave as raw bytes (no hashing, no UTF-8
 * round trip); coded rows as one run of codes. Null when the columns mix the two or other
 * dictionaries (the caller then concatenates the strings).
 */
function concatStringCols(cols: readonly Col[], total: number, nulls: Uint8Array | null): DictionaryStringCol | null {
  const first = cols[0] as DictionaryStringCol;
  if (!cols.every((col) => col instanceof DictionaryStringCol && col.interner === first.interner && col.dictionary === first.dictionary)) return null;
  const strings = cols as readonly DictionaryStringCol[];
  const raws = strings.map((col) => col.rawVector(col.type));
  if (first.interner !== null && raws.every((raw) => raw !== null)) {
    let byteCount = 0;
    for (const raw of raws) byteCount += raw!.bytes.length;
    const bytes = new Uint8Array(byteCount);
    const offsets = new Uint32Array(total + 1);
    let row = 0;
    let at = 0;
    for (const raw of raws) {
      bytes.set(raw!.bytes, at);
      for (let i = 0; i < raw!.rowCount; i++) offsets[row + i + 1] = at + raw!.offsets[i + 1];
      row += raw!.rowCount;
      at += raw!.bytes.length;
    }
    return new DictionaryStringCol(first.type, null, first.dictionary, bytes, offsets, nulls, first.interner);
  }
  if (!strings.every((col) => col.isEncoded)) return null;
  const codes = new Int32Array(total);
  let at = 0;
  for (const col of strings) {
    const part = col.codes;
    for (let i = 0; i < part.length; i++) if (part[i] < 0) return null; // a row beyond the dictionary's bound
    codes.set(part, at);
    at += part.length;
  }
  return new DictionaryStringCol(first.type, codes, first.dictionary, NO_BYTES, NO_OFFSETS, nulls, first.interner);
}

/** Concatenates batches of one schema. */
export function concatRows(schema: readonly Column[], batches: readonly ExecBatch[]): ExecBatch {
  if (batches.length === 1) return batches[0];
  const total = batches.reduce((sum, b) => sum + b.rowCount, 0);
  const cols: Col[] = schema.map((column, c) => {
    const first = batches[0]?.cols[c];
    const anyNulls = batches.some((b) => b.cols[c].nulls !== null);
    const nulls = anyNulls ? new Uint8Array(total) : null;
    if (nulls !== null) {
      let at = 0;
      for (const b of batches) {
        if (b.cols[c].nulls !== null) nulls.set(b.cols[c].nulls!, at);
        at += b.rowCount;
      }
    }
    if (first instanceof DictionaryStringCol) {
      const strings = concatStringCols(batches.map((b) => b.cols[c]), total, nulls);
      if (strings !== null) return strings;
    }
    let values: Col['values'];
    const anyBig = batches.some((b) => b.cols[c].values instanceof BigInt64Array || b.cols[c].values instanceof BigUint64Array);
    if (anyBig) {
      // int64 beyond 2^53 in some batch: the whole column stays exact (numbers there are integers).
      const unsigned = batches.some((b) => b.cols[c].values instanceof BigUint64Array);
      const out = unsigned ? new BigUint64Array(total) : new BigInt64Array(total);
      let at = 0;
      for (const b of batches) {
        const v = b.cols[c].values as ArrayLike<number | bigint>;
        for (let i = 0; i < b.rowCount; i++) out[at + i] = typeof v[i] === 'bigint' ? (v[i] as bigint) : BigInt(v[i] as number);
        at += b.rowCount;
      }
      values = out;
    } else if (first === undefined || first.values instanceof Float64Array) {
      const out = new Float64Array(total);
      let at = 0;
      for (const b of batches) {
        const v = b.cols[c].values;
        if (v instanceof Float64Array) out.set(v, at);
        else for (let i = 0; i < b.rowCount; i++) out[at + i] = Number((v as ArrayLike<unknown>)[i]);
        at += b.rowCount;
      }
      values = out;
    } else {
      const out: unknown[] = [];
      for (const b of batches) for (let i = 0; i < b.rowCount; i++) out.push((b.cols[c].values as ArrayLike<unknown>)[i]);
      values = (first.values instanceof BigInt64Array ? BigInt64Array.from(out as bigint[]) : first.values instanceof BigUint64Array ? BigUint64Array.from(out as bigint[]) : out) as Col['values'];
    }
    return { type: first?.type ?? column.type, values, nulls };
  });
  return { schema, cols, rowCount: total };
}
