// Tokens produced by lexer.ts. Keywords are not a token kind: every bare word is a Word and the
// parser compares `upper` against the keyword it wants, so keywords stay usable as names where
// the grammar is unambiguous (`time`, `type`, `timestamp`, `stream`).
//
// `text` is the source slice for words, numbers and operators, and the decoded value for
// strings and quoted identifiers. `upper` is set for words only ('' otherwise), so a string
// literal 'SELECT' never matches a keyword.

export const TokenKind = {
  Word: 'word',
  QuotedIdent: 'quoted identifier',
  String: 'string',
  Integer: 'integer',
  Float: 'float',
  /** `5s`, `100ms`: digits immediately followed by a duration unit. */
  Duration: 'duration',
  /** Digits followed by other letters (`1TS`): only an IoTDB path node accepts it. */
  DigitWord: 'digit-word',
  Op: 'operator',
  End: 'end of input',
} as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly upper: string;
  /** Offsets into the source, in UTF-16 code units: [start, end). */
  readonly start: number;
  readonly end: number;
}

/**
 * Every word with a special meaning somewhere in the grammar. The formatter quotes identifiers
 * found here, so printed SQL never depends on context-sensitive keyword handling.
 */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'ADD', 'AFTER', 'ALL', 'ALTER', 'AND', 'ANY', 'ARRAY', 'AS', 'ASC', 'BETWEEN', 'BY', 'CASE', 'CAST',
  'CHANGELOG', 'CLOSE', 'CODEC', 'COMMENT', 'CONNECTOR', 'CREATE', 'CROSS', 'DATABASE', 'DATABASES',
  'DEFAULT', 'DESC', 'DESCRIBE', 'DISTINCT', 'DROP', 'ELSE', 'EMIT', 'END', 'EXISTS', 'EXTERNAL',
  'EXTRACTOR', 'FALSE', 'FIRST', 'FLUSH', 'FOR', 'FORMAT', 'FROM', 'FULL', 'GRANT', 'GROUP', 'HAVING',
  'IDENTIFIED', 'IF', 'ILIKE', 'IN', 'INNER', 'INSERT', 'INTERVAL', 'INTO', 'IS', 'JOIN', 'LAST', 'LEFT',
  'LIKE', 'LIMIT', 'MATERIALIZED', 'NOT', 'NULL', 'NULLS', 'OFFSET', 'ON', 'OR', 'ORDER', 'OUTER',
  'PERIODIC', 'PIPE', 'PIPEPLUGINS', 'PIPES', 'PIPESINK', 'PIPESINKS', 'PIPESINKTYPE', 'PROCESSOR',
  'REPEAT', 'REPLACE', 'REVOKE', 'RIGHT', 'SELECT', 'SETTINGS', 'SHOW', 'SINK', 'SOURCE', 'START',
  'STOP', 'STREAM', 'STREAMS', 'SYSTEM', 'THEN', 'TIMESERIES', 'TO', 'TRUE', 'UNION', 'UPDATE', 'USE',
  'USER', 'USING', 'VALUES', 'VIEW', 'WATERMARK', 'WHEN', 'WHERE', 'WINDOW', 'WITH',
]);

/**
 * Words that end an expression or a FROM item: never read as an implicit alias (`SELECT a b`)
 * nor as a bare column name.
 */
export const RESERVED: ReadonlySet<string> = new Set([
  'ALL', 'AND', 'AS', 'ASC', 'BETWEEN', 'BY', 'CASE', 'CAST', 'CROSS', 'DESC', 'DISTINCT', 'ELSE', 'EMIT',
  'END', 'FALSE', 'FORMAT', 'FROM', 'FULL', 'GROUP', 'HAVING', 'ILIKE', 'IN', 'INNER',
  'INTERVAL', 'INTO', 'IS', 'JOIN', 'LEFT', 'LIKE', 'LIMIT', 'NOT', 'NULL', 'NULLS', 'OFFSET', 'ON', 'OR',
  'ORDER', 'OUTER', 'RIGHT', 'SELECT', 'SETTINGS', 'THEN', 'TRUE', 'UNION', 'USING', 'VALUES', 'WHEN',
  'WHERE', 'WITH',
]);
