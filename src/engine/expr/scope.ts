// Scope: the names an expression can refer to — the columns of an operator's input batch, each with
// an optional qualifier (the stream or its alias), plus whole expressions already computed by an
// earlier operator (GROUP BY keys and aggregates, looked up by their SQL text), so
// `SELECT a + 1, count() … GROUP BY a + 1` finds `a + 1` as a column of the aggregate's output.
import { DbError } from '../../core/errors.ts';
import type { DataType } from '../../types/data-type.ts';

export interface ScopeColumn {
  readonly name: string;
  /** Stream name or alias the column can be qualified with (`s.a`), or null. */
  readonly qualifier: string | null;
  readonly type: DataType;
  /** Position in the input batch. */
  readonly index: number;
  /** Readable by name but not part of `*` (virtual columns, window bounds of hidden inputs). */
  readonly hidden: boolean;
}

export class Scope {
  readonly columns: readonly ScopeColumn[];
  private readonly computed: ReadonlyMap<string, number>;
  /** Every name the source has, for error hints (a scan's scope holds only the columns a query uses). */
  private readonly hintNames: readonly string[] | null;

  constructor(columns: readonly ScopeColumn[], computed: ReadonlyMap<string, number> = new Map(), hintNames: readonly string[] | null = null) {
    this.columns = columns;
    this.computed = computed;
    this.hintNames = hintNames;
  }

  /** The input column holding an already computed expression (by its formatted SQL), if any. */
  computedIndex(exprText: string): number | undefined {
    return this.computed.get(exprText);
  }

  resolve(parts: readonly string[]): ScopeColumn {
    const name = parts[parts.length - 1];
    const qualifier = parts.length > 1 ? parts.slice(0, -1).join('.') : null;
    const matches = this.columns.filter(
      (c) => c.name === name && (qualifier === null || c.qualifier === qualifier || (c.qualifier !== null && qualifier.endsWith(`.${c.qualifier}`))),
    );
    if (matches.length === 1) return matches[0];
    const shown = parts.join('.');
    if (matches.length > 1) throw new DbError('INVALID_ARGUMENT', `column '${shown}' is ambiguous: qualify it with its stream name`);
    const names = this.hintNames ?? this.visibleNames();
    const lower = names.filter((n) => n.toLowerCase() === name.toLowerCase());
    const hint = lower.length > 0 ? `; did you mean '${lower[0]}'?` : `; columns are: ${names.join(', ')}`;
    throw new DbError('INVALID_ARGUMENT', `unknown column '${shown}'${hint}`, { column: shown });
  }

  visibleNames(): string[] {
    return this.columns.filter((c) => !c.hidden).map((c) => c.name);
  }
}
