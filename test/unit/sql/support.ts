// Helpers for the SQL tests (not a test file itself): the round-trip check every test applies,
// a matcher for positioned syntax errors, and the nesting shapes the depth-limit tests use (here
// so that a child process can import them without registering any test).
import assert from 'node:assert/strict';
import { isDbError } from '../../../src/core/errors.ts';
import { formatStatement, parseStatement, parseStatements, type Statement } from '../../../src/sql/index.ts';

/** Parses `sql` (one or more statements) and checks parse(format(ast)) deep-equals ast for each. */
export function parseAndRoundTrip(sql: string): Statement[] {
  const statements = parseStatements(sql);
  for (const statement of statements) {
    const text = formatStatement(statement);
    let again: Statement;
    try {
      again = parseStatement(text);
    } catch (error) {
      assert.fail(`formatted SQL does not parse: ${text}\n${String(error)}`);
    }
    assert.deepStrictEqual(again, statement, `round trip changed the tree: ${text}`);
  }
  return statements;
}

/** Parses exactly one statement and round-trips it. */
export function parseOne(sql: string): Statement {
  const statements = parseAndRoundTrip(sql);
  assert.equal(statements.length, 1, `expected one statement in ${sql}`);
  return statements[0]!;
}

export interface ExpectedSyntaxError {
  readonly line: number;
  readonly column: number;
  /** Substring of the expected-alternatives text. */
  readonly expected?: string;
  /** Exact `found` text, e.g. "'FORM'" or 'end of input'. */
  readonly found?: string;
}

export function assertSyntaxError(sql: string, want: ExpectedSyntaxError): string {
  try {
    parseStatements(sql);
  } catch (error) {
    assert.ok(isDbError(error, 'SYNTAX_ERROR'), `expected SYNTAX_ERROR, got ${String(error)}`);
    assert.equal(error.details.line, want.line, error.message);
    assert.equal(error.details.column, want.column, error.message);
    assert.match(error.message, new RegExp(`line ${want.line}, column ${want.column}: expected `));
    if (want.expected !== undefined) assert.ok(String(error.details.expected).includes(want.expected), error.message);
    if (want.found !== undefined) assert.equal(error.details.found, want.found, error.message);
    return error.message;
  }
  assert.fail(`expected a syntax error for: ${sql}`);
}

/** Ways to nest n levels; each grows the tree (and the parser's recursion) with n. */
export const NESTING_SHAPES: Readonly<Record<string, (n: number) => string>> = {
  parentheses: (n) => 'SELECT ' + '('.repeat(n) + '1' + ')'.repeat(n),
  unaryMinus: (n) => 'SELECT ' + '- '.repeat(n) + '1',
  not: (n) => 'SELECT ' + 'NOT '.repeat(n) + '1',
  functionCalls: (n) => 'SELECT ' + 'f('.repeat(n) + '1' + ')'.repeat(n),
  arrays: (n) => 'SELECT ' + '['.repeat(n) + '1' + ']'.repeat(n),
  scalarSubqueries: (n) => 'SELECT ' + '(SELECT '.repeat(n) + '1' + ')'.repeat(n),
  fromSubqueries: (n) => 'SELECT * FROM ' + '(SELECT * FROM '.repeat(n) + 's' + ')'.repeat(n),
  caseWhen: (n) => 'SELECT ' + 'CASE WHEN '.repeat(n) + '1' + ' THEN 1 END'.repeat(n),
  types: (n) => 'SELECT x::' + 'array('.repeat(n) + 'int' + ')'.repeat(n),
  flatChain: (n) => 'SELECT 1' + ' + 1'.repeat(n),
  andChain: (n) => 'SELECT * FROM s WHERE a' + ' AND a'.repeat(n),
  inLists: (n) => 'SELECT ' + 'a IN ('.repeat(n) + '1' + ')'.repeat(n),
  intervals: (n) => 'SELECT ' + 'INTERVAL '.repeat(n) + '1' + ' SECOND'.repeat(n),
  subscripts: (n) => 'SELECT a' + '[a'.repeat(n) + ']'.repeat(n),
  casts: (n) => 'SELECT ' + 'CAST('.repeat(n) + '1' + ' AS int)'.repeat(n),
  viewQuery: (n) => 'CREATE MATERIALIZED VIEW v AS SELECT ' + '('.repeat(n) + '1' + ')'.repeat(n),
};
