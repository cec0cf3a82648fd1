// Several NodeExtensions as one (the engine takes one): materialized views and pipes. A statement
// goes to the first extension that handles it; system tables are merged; start and close reach all
// (close in reverse order).
import type { ExecuteResult, NodeExtension, Session } from '../engine/node.ts';
import type { RowSet } from '../engine/statements/ddl.ts';
import type { Statement } from '../sql/index.ts';

export class Extensions implements NodeExtension {
  readonly parts: readonly NodeExtension[];

  constructor(parts: readonly NodeExtension[]) {
    this.parts = parts;
  }

  execute(statement: Statement, session: Session, database: string, signal: AbortSignal): Promise<ExecuteResult> | undefined {
    for (const part of this.parts) {
      const result = part.execute(statement, session, database, signal);
      if (result !== undefined) return result;
    }
    return undefined;
  }

  /** A table several parts have (system.tasks: views and pipes) is their rows together. */
  systemTable(name: string): RowSet | undefined {
    let merged: RowSet | undefined;
    for (const part of this.parts) {
      const table = part.systemTable(name);
      if (table === undefined) continue;
      merged = merged === undefined ? table : { schema: merged.schema, rows: [...merged.rows, ...table.rows] };
    }
    return merged;
  }

  async start(): Promise<void> {
    for (const part of this.parts) await part.start();
  }

  async close(): Promise<void> {
    for (const part of [...this.parts].reverse()) await part.close();
  }
}
