// SQL text → statements. Entry points and the dispatch on a statement's first words; the
// grammar itself is in parser-select.ts, parser-ddl.ts, parser-pipe.ts and parser-expr.ts.
//
// Invariants:
// - Every failure is a DbError: SYNTAX_ERROR with line/column/expected/found, or
//   LIMIT_EXCEEDED for SQL_TEXT_BYTES_MAX and SQL_EXPR_DEPTH_MAX. Nothing else escapes.
// - Parsing is linear in the input (one token of lookahead, a few tokens in rare spots), and
//   recursion is bounded by SQL_EXPR_DEPTH_MAX.
// - Statements are separated by ';'; empty statements (`;;`) are skipped. The data of
//   `INSERT … FORMAT` runs to the end of the input, so such an INSERT is always the last.
import { Buffer } from 'node:buffer';
import type { Expr, Statement } from './ast.ts';
import { Cursor } from './cursor.ts';
import {
  parseAlterUser,
  parseCreateDatabase,
  parseCreateStream,
  parseCreateTimeseries,
  parseCreateUser,
  parseCreateView,
  parseDescribe,
  parseDropDatabase,
  parseDropStream,
  parseDropUser,
  parseDropView,
  parseGrantOrRevoke,
  parseInsert,
  parseShowCreate,
  parseShowStreams,
  parseShowViews,
  parseSystem,
  parseUse,
} from './parser-ddl.ts';
import { parseExpr, parseIdentifier } from './parser-expr.ts';
import {
  parseCreatePipe,
  parseCreatePipeSink,
  parseDropPipe,
  parsePipeAction,
  parseShowPipe,
  parseShowPipeSink,
  parseShowPipes,
} from './parser-pipe.ts';
import { parseTopLevelQuery } from './parser-select.ts';
import { limitError } from './sql-errors.ts';
import { SQL_TEXT_BYTES_MAX } from './sql-limits.ts';
import { TokenKind } from './tokens.ts';

/** Parses zero or more statements separated by ';'. */
export function parseStatements(sql: string): Statement[] {
  const c = openCursor(sql);
  const statements: Statement[] = [];
  while (true) {
    while (c.acceptOp(';'));
    if (c.atEnd()) return statements;
    statements.push(parseOneStatement(c));
    if (!c.atEnd() && !c.isOp(';')) c.fail('end of statement');
  }
}

/** Parses exactly one statement; a trailing ';' is allowed. */
export function parseStatement(sql: string): Statement {
  const c = openCursor(sql);
  while (c.acceptOp(';'));
  const statement = parseOneStatement(c);
  if (!c.atEnd() && !c.isOp(';')) c.fail('end of statement');
  while (c.acceptOp(';'));
  if (!c.atEnd()) c.fail('end of input (one statement expected)');
  return statement;
}

/** Parses one expression, e.g. a column DEFAULT stored as text. */
export function parseExpression(sql: string): Expr {
  const c = openCursor(sql);
  const expr = parseExpr(c);
  if (!c.atEnd()) c.fail('end of expression');
  return expr;
}

function openCursor(sql: string): Cursor {
  // One UTF-16 code unit is at most 3 UTF-8 bytes; count bytes only when it could matter.
  if (sql.length * 3 > SQL_TEXT_BYTES_MAX) {
    const bytes = Buffer.byteLength(sql, 'utf8');
    if (bytes > SQL_TEXT_BYTES_MAX) {
      throw limitError(sql, 0, 'SQL_TEXT_BYTES_MAX', SQL_TEXT_BYTES_MAX, `SQL text of ${bytes} bytes`);
    }
  }
  return new Cursor(sql);
}

const STATEMENT_STARTS = [
  'SELECT',
  'WITH',
  'INSERT',
  'CREATE',
  'DROP',
  'SHOW',
  'DESCRIBE',
  'USE',
  'SYSTEM',
  'START',
  'STOP',
  'ALTER',
  'GRANT',
  'REVOKE',
  'FLUSH',
];

function parseOneStatement(c: Cursor): Statement {
  const token = c.peek();
  switch (token.kind === TokenKind.Word ? token.upper : '') {
    case 'SELECT':
    case 'WITH':
      return parseTopLevelQuery(c);
    case 'INSERT':
      c.advance();
      return parseInsert(c);
    case 'CREATE':
      c.advance();
      return parseCreate(c);
    case 'DROP':
      c.advance();
      return parseDrop(c);
    case 'SHOW':
      c.advance();
      return parseShow(c);
    case 'DESCRIBE':
    case 'DESC':
      c.advance();
      return parseDescribe(c);
    case 'USE':
      c.advance();
      return parseUse(c);
    case 'SYSTEM':
      c.advance();
      return parseSystem(c);
    case 'START':
    case 'STOP':
      c.advance();
      return parsePipeAction(c, token.upper === 'START' ? 'START' : 'STOP');
    case 'ALTER':
      c.advance();
      return parseAlterUser(c);
    case 'GRANT':
    case 'REVOKE':
      c.advance();
      return parseGrantOrRevoke(c, token.upper === 'GRANT' ? 'Grant' : 'Revoke');
    case 'FLUSH':
      c.advance();
      return { kind: 'Flush' };
    default:
      return c.fail(`a statement (${STATEMENT_STARTS.join(', ')})`);
  }
}

function parseCreate(c: Cursor): Statement {
  if (c.acceptWord('DATABASE')) return parseCreateDatabase(c);
  if (c.acceptWord('STREAM')) return parseCreateStream(c, false);
  if (c.acceptWord('EXTERNAL')) {
    c.expectWord('STREAM');
    return parseCreateStream(c, true);
  }
  if (c.acceptWord('OR')) {
    c.expectWord('REPLACE');
    return parseCreateView(c, true);
  }
  if (c.isWord('MATERIALIZED') || c.isWord('VIEW')) return parseCreateView(c, false);
  if (c.acceptWord('PIPE')) return parseCreatePipe(c);
  if (c.acceptWord('PIPESINK')) return parseCreatePipeSink(c);
  if (c.acceptWord('USER')) return parseCreateUser(c);
  if (c.acceptWord('TIMESERIES')) return parseCreateTimeseries(c);
  return c.fail(
    'DATABASE',
    'STREAM',
    'EXTERNAL STREAM',
    'MATERIALIZED VIEW',
    'VIEW',
    'PIPE',
    'PIPESINK',
    'USER',
    'TIMESERIES',
  );
}

function parseDrop(c: Cursor): Statement {
  if (c.acceptWord('DATABASE')) return parseDropDatabase(c);
  if (c.acceptWord('STREAM')) return parseDropStream(c);
  if (c.acceptWord('VIEW')) return parseDropView(c);
  if (c.acceptWord('MATERIALIZED')) {
    c.expectWord('VIEW');
    return parseDropView(c);
  }
  if (c.acceptWord('PIPE')) return parseDropPipe(c);
  if (c.acceptWord('PIPESINK')) return { kind: 'DropPipeSink', name: parseIdentifier(c, 'pipe sink name') };
  if (c.acceptWord('USER')) return parseDropUser(c);
  return c.fail('DATABASE', 'STREAM', 'VIEW', 'PIPE', 'PIPESINK', 'USER');
}

function parseShow(c: Cursor): Statement {
  if (c.acceptWord('DATABASES')) return { kind: 'ShowDatabases' };
  if (c.acceptWord('STREAMS')) return parseShowStreams(c);
  if (c.acceptWord('VIEWS')) return parseShowViews(c, false);
  if (c.isWord('MATERIALIZED') && c.isWord('VIEWS', 1)) {
    c.advance();
    c.advance();
    return parseShowViews(c, true);
  }
  if (c.acceptWord('CREATE')) return parseShowCreate(c);
  if (c.acceptWord('PIPES')) return parseShowPipes(c);
  if (c.acceptWord('PIPE')) return parseShowPipe(c);
  if (c.acceptWord('PIPEPLUGINS')) return { kind: 'ShowPipePlugins' };
  if (c.acceptWord('PIPESINKS')) return { kind: 'ShowPipeSinks' };
  if (c.acceptWord('PIPESINK')) return parseShowPipeSink(c);
  if (c.acceptWord('PIPESINKTYPE')) return { kind: 'ShowPipeSinkType' };
  if (c.acceptWord('DATANODES')) return { kind: 'ShowDataNodes' };
  return c.fail(
    'DATABASES',
    'STREAMS',
    'VIEWS',
    'MATERIALIZED VIEWS',
    'CREATE',
    'PIPES',
    'PIPE',
    'PIPEPLUGINS',
    'PIPESINKS',
    'PIPESINK',
    'PIPESINKTYPE',
    'DATANODES',
  );
}
