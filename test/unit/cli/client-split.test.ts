// The shell's statement splitter: `;` ends a statement only outside strings, quoted names and
// comments; an open string or comment keeps the input open (the shell asks for another line);
// `INSERT … FORMAT name` data runs to the end of the input; a query's trailing FORMAT is found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { firstWordOf, scriptStatements, splitStatements, trailingFormatOf } from '../../../src/cli/client/split-statements.ts';

test('client split: statements end at ; outside quotes and comments', () => {
  assert.deepEqual(scriptStatements('SELECT 1; SELECT 2;'), ['SELECT 1', 'SELECT 2']);
  assert.deepEqual(scriptStatements("SELECT 'a;b'; SELECT \"x;y\", `p;q`"), ["SELECT 'a;b'", 'SELECT "x;y", `p;q`']);
  assert.deepEqual(scriptStatements("SELECT 'it''s;' ; SELECT 'back\\';slash'"), ["SELECT 'it''s;'", "SELECT 'back\\';slash'"]);
  assert.deepEqual(scriptStatements('SELECT 1 -- a; comment\n; /* ; */ SELECT 2'), ['SELECT 1 -- a; comment', '/* ; */ SELECT 2']);
  assert.deepEqual(scriptStatements(';; -- only a comment\n;  ;'), []);
  assert.deepEqual(scriptStatements('  SELECT 1  '), ['SELECT 1']);
});

test('client split: complete statements, tail and open input', () => {
  assert.deepEqual(splitStatements('SELECT 1;'), { complete: ['SELECT 1'], tail: '', tailOpen: false, tailIsInsertData: false });
  assert.deepEqual(splitStatements('SELECT 1; SELECT'), { complete: ['SELECT 1'], tail: 'SELECT', tailOpen: false, tailIsInsertData: false });
  assert.deepEqual(splitStatements("SELECT 'abc;\n"), { complete: [], tail: "SELECT 'abc;", tailOpen: true, tailIsInsertData: false });
  assert.deepEqual(splitStatements('SELECT 1 /* ;'), { complete: [], tail: 'SELECT 1 /* ;', tailOpen: true, tailIsInsertData: false });
  assert.deepEqual(splitStatements('SELECT 1; -- done'), { complete: ['SELECT 1'], tail: '', tailOpen: false, tailIsInsertData: false });
});

test('client split: INSERT … FORMAT data runs to the end of the input', () => {
  const split = splitStatements("CREATE STREAM s (a string);\nINSERT INTO s (a) FORMAT CSV\nx;y\n'open\n");
  assert.deepEqual(split.complete, ['CREATE STREAM s (a string)']);
  assert.equal(split.tail, "INSERT INTO s (a) FORMAT CSV\nx;y\n'open");
  assert.equal(split.tailIsInsertData, true);
  assert.equal(split.tailOpen, false);
  // A column named format, VALUES and INSERT … SELECT are not data markers.
  assert.deepEqual(scriptStatements("INSERT INTO s (format) VALUES ('a'); SELECT 1"), ["INSERT INTO s (format) VALUES ('a')", 'SELECT 1']);
  assert.deepEqual(scriptStatements('INSERT INTO s SELECT format FROM t; SELECT 1'), ['INSERT INTO s SELECT format FROM t', 'SELECT 1']);
  assert.deepEqual(scriptStatements('SELECT 1 FORMAT CSV; SELECT 2'), ['SELECT 1 FORMAT CSV', 'SELECT 2']);
});

test('client split: first word and trailing FORMAT', () => {
  assert.equal(firstWordOf('  -- hi\n/* x */ insert INTO s VALUES (1)'), 'INSERT');
  assert.equal(firstWordOf('(SELECT 1)'), '');
  assert.equal(trailingFormatOf('SELECT 1 FORMAT JSONEachRow'), 'JSONEachRow');
  assert.equal(trailingFormatOf('SELECT 1 format csv -- note'), 'csv');
  assert.equal(trailingFormatOf('SELECT format FROM t'), null);
  assert.equal(trailingFormatOf('INSERT INTO s FORMAT CSV'), null);
});

test('client split: joining statements with ; and splitting again gives them back (property)', () => {
  const piece = fc.oneof(
    fc.constantFrom('SELECT 1', 'SELECT x FROM t', "SELECT 'a;b'", 'SELECT "q;"', 'SELECT 1 /* ; */ + 2', "SELECT 'it''s'", 'SELECT `a;`'),
    fc.stringMatching(/^[a-z ]{1,12}$/).filter((s) => s.trim() !== '' && !/\b(insert)\b/i.test(s)).map((s) => `SELECT ${s}`),
  );
  fc.assert(
    fc.property(fc.array(piece, { minLength: 1, maxLength: 6 }), (statements) => {
      assert.deepEqual(scriptStatements(statements.join(';\n')), statements.map((s) => s.trim()));
      assert.deepEqual(splitStatements(statements.join('; ') + ';').complete, statements.map((s) => s.trim()));
    }),
  );
});
