// The line the shell prints after each statement, and where its history lives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { historyFilePath, summary } from '../../../src/cli/client/shell.ts';

test('client summary: rows, ok, written rows, cancelled', () => {
  assert.equal(summary({ kind: 'rows', rows: 3, cancelled: false }, 0.0042), '3 rows in set. Elapsed: 0.004 sec.');
  assert.equal(summary({ kind: 'rows', rows: 1, cancelled: false }, 1), '1 row in set. Elapsed: 1.000 sec.');
  assert.equal(summary({ kind: 'rows', rows: 0, cancelled: false }, 0), '0 rows in set. Elapsed: 0.000 sec.');
  assert.equal(summary({ kind: 'ok', writtenRows: null, cancelled: false }, 0.01), 'Ok. Elapsed: 0.010 sec.');
  assert.equal(summary({ kind: 'ok', writtenRows: 2, cancelled: false }, 0.01), 'Ok. 2 rows written. Elapsed: 0.010 sec.');
  assert.equal(summary({ kind: 'rows', rows: 5, cancelled: true }, 2), 'Query was cancelled.\n5 rows in set. Elapsed: 2.000 sec.');
});

test('client history file: TRIBUTARY_HISTORY_FILE, else ~/.tributary_history', () => {
  const saved = process.env.TRIBUTARY_HISTORY_FILE;
  try {
    process.env.TRIBUTARY_HISTORY_FILE = '/tmp/elsewhere';
    assert.equal(historyFilePath(), '/tmp/elsewhere');
    delete process.env.TRIBUTARY_HISTORY_FILE;
    assert.equal(historyFilePath(), join(homedir(), '.tributary_history'));
  } finally {
    if (saved === undefined) delete process.env.TRIBUTARY_HISTORY_FILE;
    else process.env.TRIBUTARY_HISTORY_FILE = saved;
  }
});
