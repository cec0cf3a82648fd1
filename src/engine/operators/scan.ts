// Scan: the source of a query over a local stream. Reads the stream log (bounded: up to the end as
// it was when the query began; streaming: then follows new appends), converts only the columns the
// query uses, adds requested virtual columns, and honours a seek (start sn / event time) and, for
// bounded scans, an event-time range that lets the log skip whole batches by its index. A nullable
// column that a stored batch lacks (added to the stream after the batch was written) reads as NULL.
import { DbError } from '../../core/errors.ts';
import type { LogRecord, StreamLog } from '../../storage/log/stream-log.ts';
import { type VirtualColumnName, virtualVector } from '../../storage/log/virtual-columns.ts';
import type { Column } from '../../types/batch.ts';
import { type Col, colFromVector, constantCol } from '../column.ts';
import { type ExecBatch, sliceRows } from '../exec-batch.ts';
import { StringInterner } from '../string-interner.ts';

export interface ScanOptions {
  readonly log: StreamLog;
  readonly streaming: boolean;
  /** Output columns: stored columns by name, then virtual ones. */
  readonly schema: readonly Column[];
  readonly fromSn?: number;
  readonly fromTimeMs?: number;
  readonly minTimeMs?: number;
  readonly maxTimeMs?: number;
  readonly signal: AbortSignal;
  /** Called with the number of rows removed by retention before the scan reached them. */
  readonly onGap?: (fromSn: number, toSn: number) => void;
}

const VIRTUAL = new Set<string>(['_tp_sn', '_tp_index_time']);

export async function* scan(options: ScanOptions): AsyncGenerator<ExecBatch> {
  const reads = options.log.read({
    fromSn: options.fromSn,
    fromTimeMs: options.fromSn === undefined ? options.fromTimeMs : undefined,
    // The WHERE that gave these bounds still filters every row: a batch wholly outside them has no
    // row it would keep, so it is skipped unread, in streaming queries too (a live consumer of
    // recent rows does not decode a backfill of old ones).
    minTimeMs: options.minTimeMs,
    maxTimeMs: options.maxTimeMs,
    follow: options.streaming,
    signal: options.signal,
    onGap: options.onGap ?? (() => undefined),
  });
  const interner = new StringInterner();
  try {
    for await (const record of reads) yield execFromRecord(record, options.schema, interner, options.log.name);
  } catch (error) {
    if (options.signal.aborted) return;
    throw error;
  }
}

/** One log record as an ExecBatch of `schema` (stored columns by name, then virtual ones), from startRow on. */
export function execFromRecord(record: LogRecord, schema: readonly Column[], interner: StringInterner, logName: string): ExecBatch {
  const batch = record.batch!;
  const cols: Col[] = schema.map((column) => {
    if (VIRTUAL.has(column.name)) return colFromVector(virtualVector(column.name as VirtualColumnName, record.header));
    const index = batch.columns.findIndex((c) => c.name === column.name);
    if (index < 0) {
      // A nullable column added after this batch was stored (catalog addColumns) reads as NULL.
      if (column.type.kind === 'nullable') return constantCol(column.type, null, batch.rowCount);
      throw new DbError('SCHEMA_MISMATCH', `stream ${logName}: a stored batch at sn ${record.header.baseSn} has no column '${column.name}'`);
    }
    return colFromVector(batch.vectors[index], interner);
  });
  const exec: ExecBatch = { schema, cols, rowCount: batch.rowCount };
  return record.startRow > 0 ? sliceRows(exec, record.startRow, exec.rowCount) : exec;
}
