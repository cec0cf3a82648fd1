// SQL_EXPR_DEPTH_MAX and SQL_TEXT_BYTES_MAX: every way of nesting is bounded with a clear
// LIMIT_EXCEEDED, and the deepest accepted trees parse and format without exhausting the stack,
// checked here and again in a child process with half of Node's default stack.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isDbError } from '../../../src/core/errors.ts';
import { NESTING_SHAPES } from './support.ts';
import {
  SQL_EXPR_DEPTH_MAX,
  SQL_TEXT_BYTES_MAX,
  formatStatement,
  parseStatement,
  parseStatements,
} from '../../../src/sql/index.ts';

function parses(sql: string): boolean {
  try {
    parseStatement(sql);
    return true;
  } catch (error) {
    if (isDbError(error, 'LIMIT_EXCEEDED')) return false;
    throw error;
  }
}

/** The largest n that parses: found by bisection between 1 and SQL_EXPR_DEPTH_MAX + 1. */
function deepestAccepted(make: (n: number) => string): number {
  let low = 1;
  let high = SQL_EXPR_DEPTH_MAX + 1;
  assert.ok(parses(make(low)));
  assert.ok(!parses(make(high)), 'SQL_EXPR_DEPTH_MAX + 1 levels must be refused');
  while (high - low > 1) {
    const middle = (low + high) >> 1;
    if (parses(make(middle))) low = middle;
    else high = middle;
  }
  return low;
}

for (const [shape, make] of Object.entries(NESTING_SHAPES)) {
  test(`depth limit: ${shape}`, () => {
    const deepest = deepestAccepted(make);
    assert.ok(deepest >= SQL_EXPR_DEPTH_MAX / 4, `${shape}: only ${deepest} levels accepted`);
    // The deepest accepted tree formats and reads back.
    const tree = parseStatement(make(deepest));
    assert.deepEqual(parseStatement(formatStatement(tree)), tree);
    assert.throws(
      () => parseStatement(make(deepest + 1)),
      (error: unknown) => {
        assert.ok(isDbError(error, 'LIMIT_EXCEEDED'));
        assert.match(error.message, /nesting depth exceeds SQL_EXPR_DEPTH_MAX \(\d+\)/);
        assert.equal(error.details.limit, 'SQL_EXPR_DEPTH_MAX');
        assert.equal(typeof error.details.line, 'number');
        return true;
      },
    );
  });
}

test('depth limit: hostile inputs far beyond the limit fail fast with LIMIT_EXCEEDED, not RangeError', () => {
  for (const make of Object.values(NESTING_SHAPES)) {
    assert.throws(() => parseStatement(make(100_000)), (error: unknown) => isDbError(error, 'LIMIT_EXCEEDED'));
  }
});

test('depth limit: the deepest trees parse and format with half the default stack', () => {
  const script = `
    import { formatStatement, parseStatement, SQL_EXPR_DEPTH_MAX } from ${JSON.stringify(
      fileURLToPath(new URL('../../../src/sql/index.ts', import.meta.url)),
    )};
    import { NESTING_SHAPES } from ${JSON.stringify(fileURLToPath(new URL('./support.ts', import.meta.url)))};
    let checked = 0;
    for (const make of Object.values(NESTING_SHAPES)) {
      for (let n = SQL_EXPR_DEPTH_MAX; n > 0; n--) {
        let tree;
        try { tree = parseStatement(make(n)); } catch (error) { if (error.code === 'LIMIT_EXCEEDED') continue; throw error; }
        parseStatement(formatStatement(tree));
        checked++;
        break;
      }
    }
    process.stdout.write(String(checked));
  `;
  const child = spawnSync(process.execPath, ['--stack-size=490', '--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, TEST_FILTER: '__none__' },
  });
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout.trim(), String(Object.keys(NESTING_SHAPES).length));
});

test('text limit: SQL_TEXT_BYTES_MAX counts UTF-8 bytes', () => {
  const ascii = 'SELECT 1 -- ' + 'x'.repeat(SQL_TEXT_BYTES_MAX - 12);
  assert.equal(Buffer.byteLength(ascii), SQL_TEXT_BYTES_MAX);
  assert.equal(parseStatements(ascii).length, 1);
  assert.throws(
    () => parseStatements(ascii + 'x'),
    (error: unknown) => {
      assert.ok(isDbError(error, 'LIMIT_EXCEEDED'));
      assert.match(error.message, /exceeds SQL_TEXT_BYTES_MAX/);
      assert.equal(error.details.limit, 'SQL_TEXT_BYTES_MAX');
      return true;
    },
  );
  // Three bytes per character: a third as many characters reach the limit.
  const wide = "SELECT '" + '€'.repeat(Math.ceil(SQL_TEXT_BYTES_MAX / 3)) + "'";
  assert.throws(() => parseStatement(wide), (error: unknown) => isDbError(error, 'LIMIT_EXCEEDED'));
});
