// Runs one statement for `tributary client` and hands its result to a sink as it arrives, batch by
// batch, so both modes print live results of streaming queries. Shared by the scripting mode and
// the interactive shell; neither knows about the protocol.
//
// - INSERT goes through Client.execute (the server answers with the rows written).
// - Everything else goes through Client.queryStream: a statement with no result (DDL, USE) ends
//   without a schema; a query's batches reach the sink in order, pulled only as fast as the sink
//   takes them (back-pressure reaches the server's scan).
// - Aborting `signal` cancels the query on the server; the outcome then says `cancelled` and
//   carries the rows already handed to the sink. Any other failure is thrown (a DbError).
import { isDbError } from '../../core/errors.ts';
import type { Client } from '../../net/client.ts';
import type { Batch, Column } from '../../types/batch.ts';
import { firstWordOf } from './split-statements.ts';

export interface ResultSink {
  /** The result's columns, before any batch. Not called for statements without a result. */
  schema(columns: readonly Column[]): void | Promise<void>;
  batch(batch: Batch): void | Promise<void>;
}

export type StatementOutcome =
  | { readonly kind: 'rows'; readonly rows: number; readonly cancelled: boolean }
  | { readonly kind: 'ok'; readonly writtenRows: number | null; readonly cancelled: boolean };

export async function runStatement(client: Client, sql: string, sink: ResultSink, signal: AbortSignal): Promise<StatementOutcome> {
  if (firstWordOf(sql) === 'INSERT') {
    try {
      const { writtenRows } = await client.execute(sql, { signal });
      return { kind: 'ok', writtenRows, cancelled: false };
    } catch (error) {
      if (signal.aborted && isDbError(error, 'QUERY_CANCELLED')) return { kind: 'ok', writtenRows: null, cancelled: true };
      throw error;
    }
  }
  if (signal.aborted) return { kind: 'rows', rows: 0, cancelled: true };
  const stream = client.queryStream(sql);
  const onAbort = () => stream.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  let rows = 0;
  try {
    let columns: readonly Column[];
    try {
      columns = await stream.schema;
    } catch (error) {
      if (signal.aborted) return { kind: 'rows', rows: 0, cancelled: true };
      throw error;
    }
    if (columns.length === 0) {
      for await (const _ of stream) {
        // A statement without a result sends no batches; drain to its end all the same.
      }
      return { kind: 'ok', writtenRows: null, cancelled: signal.aborted };
    }
    await sink.schema(columns);
    for (;;) {
      const next = await stream.next();
      if (next.done === true) break;
      rows += next.value.rowCount;
      await sink.batch(next.value);
      if (signal.aborted) break;
    }
    return { kind: 'rows', rows, cancelled: signal.aborted };
  } finally {
    signal.removeEventListener('abort', onAbort);
    stream.cancel(); // a no-op after the end; stops the query when the sink threw
  }
}
