// How an HTTP request becomes one statement: query parameter and body joined as ClickHouse does,
// insert rows cut from the text without the SQL parser (so bodies beyond SQL_TEXT_BYTES_MAX
// load), and the output format from FORMAT (SHOW … FORMAT included).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareStatement } from '../../../src/net/http/http-statement.ts';
import { SQL_TEXT_BYTES_MAX } from '../../../src/sql/index.ts';

function insertData(prepared: ReturnType<typeof prepareStatement>): string {
  const statement = prepared.statement;
  assert.equal(statement.kind, 'Insert');
  assert.ok(statement.kind === 'Insert' && statement.body.kind === 'InsertFormat');
  return statement.body.data;
}

test('query parameter + body: the body is the insert data, or the rest of the SQL', () => {
  assert.equal(insertData(prepareStatement('INSERT INTO s FORMAT CSV', '1,a\n2,b\n')), '1,a\n2,b\n');
  assert.equal(insertData(prepareStatement('INSERT INTO s FORMAT CSV 0,z', '1,a\n')), '0,z\n1,a\n');
  const joined = prepareStatement('SELECT 1 AS x', 'FORMAT JSON');
  assert.equal(joined.statement.kind, 'Select');
  assert.equal(joined.format, 'JSON');
  assert.equal(prepareStatement(null, 'SELECT 1 FORMAT CSV').format, 'CSV');
  assert.equal(prepareStatement('SELECT 1', '').format, null);
});

test('an insert body larger than SQL_TEXT_BYTES_MAX is cut by position, not parsed', () => {
  const row = '{"id":1,"name":"a fairly long name to fill the body quickly"}\n';
  const rows = row.repeat(Math.ceil((SQL_TEXT_BYTES_MAX + 1) / row.length));
  assert.equal(insertData(prepareStatement(null, `INSERT INTO s (id, name) FORMAT JSONEachRow\n${rows}`)), rows);
  assert.equal(insertData(prepareStatement('INSERT INTO s FORMAT JSONEachRow', rows)).length, rows.length);
  assert.throws(() => prepareStatement(null, `SELECT '${'x'.repeat(SQL_TEXT_BYTES_MAX)}'`), /SQL_TEXT_BYTES_MAX/);
});

test('SHOW and DESCRIBE take a trailing FORMAT; a broken SELECT keeps its own syntax error', () => {
  const show = prepareStatement(null, 'SHOW STREAMS FORMAT JSONEachRow;');
  assert.equal(show.statement.kind, 'ShowStreams');
  assert.equal(show.format, 'JSONEachRow');
  assert.equal(prepareStatement(null, 'DESCRIBE s \nFORMAT JSON').format, 'JSON');
  assert.throws(() => prepareStatement(null, 'SELECT FROM FORMAT JSON'), /syntax error/);
});
