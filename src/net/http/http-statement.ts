// The statement of an HTTP request, ClickHouse's way: the `query` parameter, then the body. With
// both, the text is `query + '\n' + body` — so `?query=INSERT INTO s FORMAT CSV` with rows in the
// body inserts them. The rows of `INSERT … FORMAT` never go through the SQL parser: only the head
// of the statement is parsed, and the data is cut from the text by position, so bodies up to
// HTTP_BODY_BYTES_MAX load while SQL text stays bounded by SQL_TEXT_BYTES_MAX.
//
// Output format: the statement's `FORMAT` clause, else `default_format`, else TabSeparated.
// `SHOW …`/`DESCRIBE …` take a trailing `FORMAT name` here too, as ClickHouse clients append one.
import { Buffer } from 'node:buffer';
import { isDbError } from '../../core/errors.ts';
import { insertFormatOfBytes } from '../../engine/format/insert-data.ts';
import { type Statement, SQL_TEXT_BYTES_MAX, parseStatement } from '../../sql/index.ts';
import { HTTP_INSERT_HEAD_CHARS_MAX } from './http-limits.ts';

export interface PreparedStatement {
  readonly statement: Statement;
  /** The FORMAT named in the text, or null. */
  readonly format: string | null;
}

/**
 * `body` is the request body; as bytes, the rows of `?query=INSERT … FORMAT name` stay bytes (the
 * statement decodes them only when read: see engine/format/insert-data.ts).
 */
export function prepareStatement(urlQuery: string | null, body: string | Buffer): PreparedStatement {
  const head = urlQuery ?? '';
  if (head.trim() !== '' && body.length > 0) {
    const statement = tryParse(head);
    if (statement !== null && statement.kind === 'Insert' && statement.body.kind === 'InsertFormat') {
      const inline = statement.body.data;
      if (inline === '' && typeof body !== 'string') return { statement: { ...statement, body: insertFormatOfBytes(statement.body.format, body) }, format: null };
      const text = typeof body === 'string' ? body : body.toString('utf8');
      const data = inline === '' ? text : `${inline}\n${text}`;
      return { statement: { ...statement, body: { ...statement.body, data } }, format: null };
    }
    return parseText(`${head}\n${typeof body === 'string' ? body : body.toString('utf8')}`);
  }
  return parseText(head.trim() !== '' ? head : typeof body === 'string' ? body : body.toString('utf8'));
}

function parseText(text: string): PreparedStatement {
  if (text.length > HTTP_INSERT_HEAD_CHARS_MAX && Buffer.byteLength(text) > SQL_TEXT_BYTES_MAX) {
    const prefix = text.slice(0, HTTP_INSERT_HEAD_CHARS_MAX);
    const statement = tryParse(prefix);
    if (statement !== null && statement.kind === 'Insert' && statement.body.kind === 'InsertFormat') {
      // The parsed data is a suffix of the prefix, so it starts at the same offset in the full text.
      const dataStart = prefix.length - statement.body.data.length;
      return { statement: { ...statement, body: { ...statement.body, data: text.slice(dataStart) } }, format: null };
    }
  }
  try {
    const statement = parseStatement(text);
    return { statement, format: formatOf(statement) };
  } catch (error) {
    const withFormat = isDbError(error, 'SYNTAX_ERROR') ? splitTrailingFormat(text) : null;
    if (withFormat === null) throw error;
    const statement = tryParse(withFormat.text);
    if (statement === null || statement.kind === 'Select' || statement.kind === 'Union' || statement.kind === 'Insert') throw error;
    return { statement, format: withFormat.format };
  }
}

function tryParse(text: string): Statement | null {
  try {
    return parseStatement(text);
  } catch {
    return null;
  }
}

function formatOf(statement: Statement): string | null {
  if (statement.kind === 'Select') return statement.format;
  if (statement.kind === 'Union') return statement.selects[statement.selects.length - 1].format;
  return null;
}

function splitTrailingFormat(text: string): { text: string; format: string } | null {
  const match = /\s+FORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i.exec(text);
  if (match === null) return null;
  return { text: text.slice(0, match.index), format: match[1] };
}
