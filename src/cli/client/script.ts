// Scripting mode of `tributary client` (--query, or SQL piped on stdin): runs the statements in
// order and prints each result in an output format (TabSeparated, no header, unless --format or
// the query's own `FORMAT name` says otherwise), flushing per batch, so a streaming query prints
// rows as they arrive. The first failing statement stops the script: `Code: <n>. <message>` on
// stderr and exit status 1. SIGINT cancels the running query on the server and exits 130.
import type { Client } from '../../net/client.ts';
import { createOutputFormat, type OutputFormat } from '../../engine/format/output-formats.ts';
import { runStatement } from './run-statement.ts';
import { trailingFormatOf } from './split-statements.ts';
import { errorText, writeOut } from './output.ts';

export const EXIT_OK = 0;
export const EXIT_QUERY_ERROR = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export interface ScriptOptions {
  /** --format; null: the statement's own FORMAT, else TabSeparated. */
  readonly format: string | null;
  /** Aborted on SIGINT: the running statement is cancelled and the script stops. */
  readonly signal: AbortSignal;
}

/** Runs the statements and returns the exit status. */
export async function runScript(client: Client, statements: readonly string[], options: ScriptOptions): Promise<number> {
  for (const sql of statements) {
    if (options.signal.aborted) return EXIT_INTERRUPTED;
    const started = performance.now();
    let writer: OutputFormat | null = null;
    try {
      const outcome = await runStatement(
        client,
        sql,
        {
          schema: async (columns) => {
            writer = createOutputFormat(options.format ?? trailingFormatOf(sql) ?? 'TabSeparated', columns);
            await writeOut(writer.header());
          },
          batch: async (batch) => {
            if (writer !== null) await writeOut(writer.rows(batch));
          },
        },
        options.signal,
      );
      if (outcome.cancelled) return EXIT_INTERRUPTED;
      const done = writer as OutputFormat | null;
      if (done !== null && outcome.kind === 'rows') {
        await writeOut(done.footer({ rows: outcome.rows, elapsedSeconds: (performance.now() - started) / 1000, rowsRead: outcome.rows, bytesRead: 0 }));
      }
    } catch (error) {
      if (options.signal.aborted) return EXIT_INTERRUPTED;
      process.stderr.write(`${errorText(error)}\n`);
      return EXIT_QUERY_ERROR;
    }
  }
  return EXIT_OK;
}
