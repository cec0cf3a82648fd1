// The tokens of each statement of a SQL text, for positioned errors found after parsing (the AST
// keeps no positions: ast.ts). Statements are split at top-level ';' as parseStatements does
// (empty statements skipped), so the i-th list belongs to the i-th parsed statement. The data of
// `INSERT … FORMAT name <data>` is never lexed (it runs to the end of the input), and a text the
// lexer rejects yields the statements read up to there: callers then report without a position.
import { Lexer } from './lexer.ts';
import { type SourcePosition, positionOf } from './sql-errors.ts';
import { type Token, TokenKind } from './tokens.ts';

export type { SourcePosition, Token };
export { TokenKind, positionOf };

export function statementTokens(sql: string): Token[][] {
  const lexer = new Lexer(sql);
  const statements: Token[][] = [];
  let current: Token[] = [];
  try {
    for (;;) {
      const token = lexer.next();
      if (token.kind === TokenKind.End) break;
      if (token.kind === TokenKind.Op && token.text === ';') {
        if (current.length > 0) statements.push(current);
        current = [];
        continue;
      }
      current.push(token);
      if (token.kind === TokenKind.Word && token.upper === 'FORMAT' && current[0]!.upper === 'INSERT') {
        current.push(lexer.next()); // the format name; the data after it is not SQL
        statements.push(current);
        return statements;
      }
    }
  } catch {
    // Unlexable text: keep what was read (the parser reported or will report the error itself).
  }
  if (current.length > 0) statements.push(current);
  return statements;
}
