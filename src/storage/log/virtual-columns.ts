// Virtual columns of a stream: readable by name, hidden from `SELECT *`, and never stored per row.
// `_tp_sn` (int64) is the batch header's base sn plus the row index; `_tp_index_time`
// (datetime64(3, 'UTC')) is the batch's append time. `_tp_time` is a real column (see the catalog).
// `_tp_shard` arrives with sharded external streams.
import { DbError } from '../../core/errors.ts';
import { type Batch, type Column, makeBatch } from '../../types/batch.ts';
import type { BatchHeader } from '../../types/batch-codec.ts';
import { T } from '../../types/data-type.ts';
import type { Vector } from '../../types/vector.ts';

export const VIRTUAL_COLUMNS: readonly Column[] = [
  { name: '_tp_sn', type: T.int64 },
  { name: '_tp_index_time', type: T.datetime64('UTC') },
];

export type VirtualColumnName = '_tp_sn' | '_tp_index_time';

export function isVirtualColumn(name: string): name is VirtualColumnName {
  return name === '_tp_sn' || name === '_tp_index_time';
}

/** The vector of a virtual column for a batch with this header. */
export function virtualVector(name: VirtualColumnName, header: BatchHeader): Vector {
  const rowCount = header.rowCount;
  if (name === '_tp_index_time') {
    return { kind: 'fixed', type: VIRTUAL_COLUMNS[1].type, rowCount, data: new Float64Array(rowCount).fill(header.appendTimeMs) };
  }
  // Write the two 32-bit halves of base + i directly: no BigInt per row. sn < 2^53, so hi < 2^21.
  const data = new BigInt64Array(rowCount);
  const words = new Uint32Array(data.buffer);
  for (let i = 0; i < rowCount; i++) {
    const sn = header.baseSn + i;
    words[2 * i] = sn >>> 0;
    words[2 * i + 1] = Math.floor(sn / 4294967296);
  }
  return { kind: 'fixed', type: T.int64, rowCount, data };
}

/** The batch with the named virtual columns appended (in the order given). */
export function withVirtualColumns(batch: Batch, header: BatchHeader, names: readonly VirtualColumnName[]): Batch {
  if (header.rowCount !== batch.rowCount) throw new DbError('INTERNAL', 'header and batch disagree on row count');
  const columns = [...batch.columns];
  const vectors = [...batch.vectors];
  for (const name of names) {
    columns.push(VIRTUAL_COLUMNS.find((c) => c.name === name)!);
    vectors.push(virtualVector(name, header));
  }
  return makeBatch(columns, vectors);
}
