// Syntax errors: each says where (1-based line and column), what was expected and what was
// found, in the message and in DbError.details. Written as data: SQL in, position and text out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDbError } from '../../../src/core/errors.ts';
import { parseStatement } from '../../../src/sql/index.ts';
import { assertSyntaxError, type ExpectedSyntaxError } from './support.ts';

const CASES: readonly (readonly [string, ExpectedSyntaxError])[] = [
  ['SELECT a FORM s', { line: 1, column: 15, expected: 'FROM or end of statement', found: "'s'" }],
  ['SELCT 1', { line: 1, column: 1, expected: 'a statement (SELECT, WITH, INSERT', found: "'SELCT'" }],
  ['SELECT * FROM s WHERE', { line: 1, column: 22, expected: 'expression', found: 'end of input' }],
  ['SELECT *\nFROM s\nWHERE a = = 1', { line: 3, column: 11, expected: 'expression', found: "'='" }],
  ['SELECT 1 +', { line: 1, column: 11, expected: 'expression', found: 'end of input' }],
  ["SELECT 'abc", { line: 1, column: 8, expected: "closing '", found: 'end of input' }],
  ['SELECT `abc', { line: 1, column: 8, expected: 'closing `', found: 'end of input' }],
  ['SELECT /* open', { line: 1, column: 8, expected: "'*/' closing the comment", found: 'end of input' }],
  ['SELECT a @ b', { line: 1, column: 10, expected: 'a token', found: "unexpected character '@'" }],
  ['SELECT f(a b)', { line: 1, column: 12, expected: "')'", found: "'b'" }],
  ['SELECT * FROM s GROUP a', { line: 1, column: 23, expected: 'BY', found: "'a'" }],
  ['SELECT * FROM s ORDER BY a NULLS MIDDLE', { line: 1, column: 34, found: "'MIDDLE'" }],
  ['SELECT * FROM s x y', { line: 1, column: 19, expected: 'WHERE, GROUP BY, EMIT, ORDER BY, LIMIT, SETTINGS or end of statement', found: "'y'" }],
  ['CREATE TABLE t (a int)', { line: 1, column: 8, expected: 'DATABASE, STREAM, EXTERNAL STREAM', found: "'TABLE'" }],
  ['CREATE STREAM s (a int32 b string)', { line: 1, column: 26, expected: "DEFAULT, COMMENT, CODEC, ',' or ')'", found: "'b'" }],
  ['CREATE STREAM s (a)', { line: 1, column: 19, expected: 'type', found: "')'" }],
  ['CREATE STREAM IF EXISTS s (a int)', { line: 1, column: 18, expected: 'NOT', found: "'EXISTS'" }],
  ["CREATE STREAM s (a int) SETTINGS x = y", { line: 1, column: 38, expected: 'setting value', found: "'y'" }],
  ['DROP STREAM', { line: 1, column: 12, expected: 'stream name', found: 'end of input' }],
  ['DROP STREAM select', { line: 1, column: 13, expected: 'stream name', found: "'select'" }],
  ["INSERT INTO s (a) VALUE (1)", { line: 1, column: 19, expected: 'VALUES, SELECT or FORMAT', found: "'VALUE'" }],
  ['INSERT s VALUES (1)', { line: 1, column: 8, expected: 'INTO', found: "'s'" }],
  ['CREATE MATERIALIZED VIEW v SELECT 1', { line: 1, column: 28, expected: 'INTO or AS', found: "'SELECT'" }],
  ['SYSTEM STOP MATERIALIZED VIEW v', { line: 1, column: 8, expected: 'PAUSE, UNPAUSE or RESUME', found: "'STOP'" }],
  ["CREATE PIPE p WITH SINK ('a' 'b')", { line: 1, column: 30, expected: "'='", found: "string 'b'" }],
  ["CREATE PIPE p WITH SINK ('a'='b'", { line: 1, column: 33, expected: "')'", found: 'end of input' }],
  ['CREATE PIPE p', { line: 1, column: 14, expected: 'TO or WITH SINK', found: 'end of input' }],
  ['SHOW TABLES', { line: 1, column: 6, expected: 'DATABASES, STREAMS, VIEWS, MATERIALIZED VIEWS, CREATE', found: "'TABLES'" }],
  ["CREATE USER u IDENTIFIED BY pw", { line: 1, column: 29, expected: 'password string', found: "'pw'" }],
  ['SELECT CAST(x AS) FROM s', { line: 1, column: 17, expected: 'type', found: "')'" }],
  ['SELECT INTERVAL 5 FORTNIGHT', { line: 1, column: 19, expected: 'interval unit', found: "'FORTNIGHT'" }],
  ['SELECT 1;\nSELECT 2 2', { line: 2, column: 10, expected: 'end of statement', found: "'2'" }],
  ['SELECT ``', { line: 1, column: 8, expected: 'quoted name may not be empty', found: "quoted identifier ''" }],
  ['SELECT 1a', { line: 1, column: 8, expected: 'expression', found: "'1a'" }],
  ['\r\n\r\n  SELECT )', { line: 3, column: 10, expected: 'expression', found: "')'" }],
];

for (const [sql, want] of CASES) {
  test(`syntax error: ${JSON.stringify(sql)}`, () => {
    assertSyntaxError(sql, want);
  });
}

test('the documented example message, verbatim', () => {
  assert.throws(
    () => parseStatement('SELECT a FORM s'),
    (error: unknown) => {
      assert.ok(isDbError(error, 'SYNTAX_ERROR'));
      assert.equal(error.message, "syntax error: line 1, column 15: expected FROM or end of statement, found 's'");
      assert.deepEqual(error.details, {
        line: 1,
        column: 15,
        offset: 14,
        expected: 'FROM or end of statement',
        found: "'s'",
      });
      assert.equal(error.wireCode, 400);
      return true;
    },
  );
});

test('long tokens are shortened in messages', () => {
  const message = assertSyntaxError(`SELECT 1 ${'x'.repeat(100)} y`, { line: 1, column: 111 });
  assert.ok(message.length < 200, message);
  const long = assertSyntaxError(`SELECT 1 2${'x'.repeat(100)}`, { line: 1, column: 10 });
  assert.ok(long.includes('…'), long);
});
