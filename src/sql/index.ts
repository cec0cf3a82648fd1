// The SQL front end's public API: text → AST (parser.ts) and AST → text (format.ts). Everything
// else in src/sql/ is internal. Errors are DbError SYNTAX_ERROR or LIMIT_EXCEEDED.
export { parseExpression, parseStatement, parseStatements } from './parser.ts';
export { REDACTED, formatExpression, formatIdentifier, formatStatement, formatString } from './format.ts';
export type { FormatOptions } from './format.ts';
export { SQL_EXPR_DEPTH_MAX, SQL_TEXT_BYTES_MAX } from './sql-limits.ts';
export * from './ast.ts';
export { type SourcePosition, type Token, TokenKind, positionOf, statementTokens } from './statement-tokens.ts';
