// Limits of the SQL front end, each with the reason it exists. Exceeding one raises
// LIMIT_EXCEEDED naming it. They live here rather than in core/limits.ts because only src/sql/
// reads them.
import assert from 'node:assert/strict';

/**
 * Nesting of expressions, subqueries, FROM items and type constructors, counted per tree level
 * (a chain `a AND b AND c …` counts one level per operator, as SQLite's SQLITE_MAX_EXPR_DEPTH
 * does). Bounds the parser's recursion on hostile SQL and the depth of every tree walk after
 * it (formatter, binder, expression compiler), so none of them can overflow the JS stack.
 * Measured with the default 984 KiB stack, parse + format overflow at about 1,500 levels of
 * `((…))` and 2,000 counted levels of nested subqueries; 500 leaves a margin of 3x for the
 * walkers that come after the parser. test/unit/sql/limits.test.ts parses every nesting shape
 * at this depth with half the default stack.
 */
export const SQL_EXPR_DEPTH_MAX = 500;

/**
 * Bytes (UTF-8) of one SQL text, inline INSERT … FORMAT data included. Bounds the memory of
 * the tokens and the tree of one request; bulk data belongs in a streamed HTTP body or the
 * native insert path, not in the statement text.
 */
export const SQL_TEXT_BYTES_MAX = 4 * 1024 * 1024;

/** Characters of source text quoted in an error message ("found '…'"). */
export const SQL_ERROR_SNIPPET_CHARS = 40;

assert(SQL_EXPR_DEPTH_MAX >= 64, 'real queries nest a few dozen levels');
assert(SQL_TEXT_BYTES_MAX >= 256 * 1024, 'at least ClickHouse max_query_size');
