// Positioned SQL errors. Every syntax error says where (1-based line and column, counted in
// UTF-16 code units from the start of the line), what the parser expected and what it found:
//   syntax error: line 1, column 15: expected FROM or end of statement, found 's'
// The same facts are in DbError.details (line, column, offset, expected, found) for clients.
import { DbError } from '../core/errors.ts';
import { SQL_ERROR_SNIPPET_CHARS } from './sql-limits.ts';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** Line and column of `offset` in `source`; computed only when an error is raised. */
export function positionOf(source: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, source.length);
  for (let i = 0; i < end; i++) {
    const code = source.charCodeAt(i);
    if (code === 10) {
      line++;
      lineStart = i + 1;
    } else if (code === 13 && source.charCodeAt(i + 1) !== 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

/** Quotes source text for a message, shortened to SQL_ERROR_SNIPPET_CHARS. */
export function quoteSnippet(text: string): string {
  const short = text.length > SQL_ERROR_SNIPPET_CHARS ? `${text.slice(0, SQL_ERROR_SNIPPET_CHARS)}…` : text;
  return `'${short}'`;
}

/** `expected` lists alternatives in the order they were tried; they are joined with commas and "or". */
export function syntaxError(source: string, offset: number, expected: readonly string[], found: string): DbError {
  const { line, column } = positionOf(source, offset);
  const expectedText = joinAlternatives(expected);
  return new DbError('SYNTAX_ERROR', `line ${line}, column ${column}: expected ${expectedText}, found ${found}`, {
    line,
    column,
    offset,
    expected: expectedText,
    found,
  });
}

export function limitError(
  source: string,
  offset: number,
  limitName: string,
  max: number,
  what: string,
): DbError {
  const { line, column } = positionOf(source, offset);
  return new DbError('LIMIT_EXCEEDED', `line ${line}, column ${column}: ${what} exceeds ${limitName} (${max})`, {
    limit: limitName,
    max,
    line,
    column,
    offset,
  });
}

function joinAlternatives(expected: readonly string[]): string {
  const unique = [...new Set(expected)];
  if (unique.length === 0) return 'something else';
  if (unique.length === 1) return unique[0]!;
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}
