// Catalog statements: databases, streams, external streams, views, SHOW/DESCRIBE, users and
// grants, IoTDB timeseries, INSERT and the small ones (USE, FLUSH, SYSTEM). Each function is
// called with the cursor on the statement's first word and returns one statement node.
import type {
  ColumnDef,
  CreateTimeseriesStatement,
  Expr,
  GrantTarget,
  InsertStatement,
  Privilege,
  ShowCreateObject,
  Statement,
  SystemViewAction,
  TimeseriesOption,
} from './ast.ts';
import type { Cursor } from './cursor.ts';
import {
  parseDatabaseName,
  parseExpr,
  parseExprList,
  parseIdentifier,
  parseObjectName,
  parsePathNode,
  parseSettingList,
  parseType,
} from './parser-expr.ts';
import { parseQuery } from './parser-select.ts';
import { TokenKind } from './tokens.ts';

export function parseIfNotExists(c: Cursor): boolean {
  if (!c.acceptWord('IF')) return false;
  c.expectWord('NOT');
  c.expectWord('EXISTS');
  return true;
}

export function parseIfExists(c: Cursor): boolean {
  if (!c.acceptWord('IF')) return false;
  c.expectWord('EXISTS');
  return true;
}

/** True when the statement ends at the current token. */
export function atStatementEnd(c: Cursor, ahead = 0): boolean {
  const token = c.peek(ahead);
  return token.kind === TokenKind.End || (token.kind === TokenKind.Op && token.text === ';');
}

// ---------------------------------------------------------------------------------------------
// Databases, streams, views.

export function parseCreateDatabase(c: Cursor): Statement {
  const ifNotExists = parseIfNotExists(c);
  return { kind: 'CreateDatabase', name: parseDatabaseName(c), ifNotExists };
}

export function parseDropDatabase(c: Cursor): Statement {
  const ifExists = parseIfExists(c);
  return { kind: 'DropDatabase', name: parseDatabaseName(c), ifExists };
}

export function parseCreateStream(c: Cursor, external: boolean): Statement {
  const ifNotExists = parseIfNotExists(c);
  const name = parseObjectName(c, 'stream name');
  let columns: ColumnDef[] = [];
  if (!external || c.isOp('(')) columns = parseColumnDefs(c);
  if (external) {
    c.expectWord('SETTINGS');
    return { kind: 'CreateExternalStream', name, ifNotExists, columns, settings: parseSettingList(c) };
  }
  const settings = c.acceptWord('SETTINGS') ? parseSettingList(c) : [];
  return { kind: 'CreateStream', name, ifNotExists, columns, settings };
}

function parseColumnDefs(c: Cursor): ColumnDef[] {
  c.expectOp('(');
  const columns = [parseColumnDef(c)];
  while (c.acceptOp(',')) columns.push(parseColumnDef(c));
  c.expectOp(')');
  return columns;
}

/** `name type [DEFAULT expr] [COMMENT 'text'] [CODEC(…)]`, in ClickHouse's order. */
function parseColumnDef(c: Cursor): ColumnDef {
  const name = parseIdentifier(c, 'column name');
  const type = parseType(c);
  const defaultExpr = c.acceptWord('DEFAULT') ? parseExpr(c) : null;
  let comment: string | null = null;
  if (c.acceptWord('COMMENT')) {
    const token = c.peek();
    if (token.kind !== TokenKind.String) c.fail('comment string');
    c.advance();
    comment = token.text;
  }
  let codec: Expr[] | null = null;
  if (c.acceptWord('CODEC')) {
    c.expectOp('(');
    codec = c.isOp(')') ? [] : parseExprList(c);
    c.expectOp(')');
  }
  c.note('DEFAULT');
  c.note('COMMENT');
  c.note('CODEC');
  c.note("','");
  return { kind: 'ColumnDef', name, type, default: defaultExpr, codec, comment };
}

export function parseDropStream(c: Cursor): Statement {
  const ifExists = parseIfExists(c);
  return { kind: 'DropStream', name: parseObjectName(c, 'stream name'), ifExists };
}

/** After CREATE [OR REPLACE]: `[MATERIALIZED] VIEW [IF NOT EXISTS] v [INTO t] AS query`. */
export function parseCreateView(c: Cursor, orReplace: boolean): Statement {
  const materialized = c.acceptWord('MATERIALIZED');
  c.expectWord('VIEW');
  const ifNotExists = parseIfNotExists(c);
  const name = parseObjectName(c, 'view name');
  const into = c.acceptWord('INTO') ? parseObjectName(c, 'target stream name') : null;
  if (into === null) c.note('INTO');
  c.expectWord('AS');
  return { kind: 'CreateView', materialized, orReplace, ifNotExists, name, into, query: parseQuery(c) };
}

export function parseDropView(c: Cursor): Statement {
  const ifExists = parseIfExists(c);
  return { kind: 'DropView', name: parseObjectName(c, 'view name'), ifExists };
}

const SYSTEM_ACTIONS: Readonly<Record<string, SystemViewAction>> = {
  PAUSE: 'PAUSE',
  UNPAUSE: 'UNPAUSE',
  RESUME: 'RESUME',
};

export function parseSystem(c: Cursor): Statement {
  const token = c.peek();
  const action = token.kind === TokenKind.Word ? SYSTEM_ACTIONS[token.upper] : undefined;
  if (action === undefined) return c.fail('PAUSE', 'UNPAUSE', 'RESUME');
  c.advance();
  c.expectWord('MATERIALIZED');
  c.expectWord('VIEW');
  return { kind: 'SystemView', action, name: parseObjectName(c, 'view name') };
}

// ---------------------------------------------------------------------------------------------
// SHOW, DESCRIBE, USE, FLUSH.

const SHOW_CREATE_OBJECTS: readonly (readonly [ShowCreateObject, readonly string[]])[] = [
  ['EXTERNAL STREAM', ['EXTERNAL', 'STREAM']],
  ['MATERIALIZED VIEW', ['MATERIALIZED', 'VIEW']],
  ['STREAM', ['STREAM']],
  ['VIEW', ['VIEW']],
  ['DATABASE', ['DATABASE']],
  ['USER', ['USER']],
  ['PIPE', ['PIPE']],
];

/** After SHOW CREATE: `[STREAM|VIEW|…] name`. A type word directly before the end is the name. */
export function parseShowCreate(c: Cursor): Statement {
  for (const [objectType, words] of SHOW_CREATE_OBJECTS) {
    if (!words.every((word, i) => c.isWord(word, i)) || atStatementEnd(c, words.length)) continue;
    for (let i = 0; i < words.length; i++) c.advance();
    return { kind: 'ShowCreate', objectType, name: parseObjectName(c, 'name') };
  }
  return { kind: 'ShowCreate', objectType: null, name: parseObjectName(c, 'name') };
}

export function parseShowStreams(c: Cursor): Statement {
  const database = c.acceptWord('FROM') || c.acceptWord('IN') ? parseDatabaseName(c) : null;
  if (database === null) c.note('FROM');
  return { kind: 'ShowStreams', database };
}

export function parseShowViews(c: Cursor, materialized: boolean): Statement {
  const database = c.acceptWord('FROM') || c.acceptWord('IN') ? parseDatabaseName(c) : null;
  if (database === null) c.note('FROM');
  return { kind: 'ShowViews', materialized, database };
}

/** After DESCRIBE/DESC: `[STREAM] name`. */
export function parseDescribe(c: Cursor): Statement {
  if (c.isWord('STREAM') && !atStatementEnd(c, 1)) c.advance();
  return { kind: 'Describe', name: parseObjectName(c, 'stream name') };
}

export function parseUse(c: Cursor): Statement {
  return { kind: 'Use', database: parseDatabaseName(c) };
}

// ---------------------------------------------------------------------------------------------
// Users and privileges.

/** A user name: a word, a quoted identifier or a string ('alice'). */
function parseUserName(c: Cursor): string {
  const token = c.peek();
  if (token.kind === TokenKind.String && token.text !== '') {
    c.advance();
    return token.text;
  }
  return parseIdentifier(c, 'user name');
}

function parsePassword(c: Cursor): string {
  const token = c.peek();
  if (token.kind !== TokenKind.String) return c.fail('password string');
  c.advance();
  return token.text;
}

/** `IDENTIFIED [WITH method] BY 'pw'`, after IDENTIFIED. */
function parseIdentified(c: Cursor): { password: string; authMethod: string | null } {
  const authMethod = c.acceptWord('WITH') ? parseIdentifier(c, 'authentication method') : null;
  c.expectWord('BY');
  return { password: parsePassword(c), authMethod };
}

export function parseCreateUser(c: Cursor): Statement {
  const ifNotExists = parseIfNotExists(c);
  const name = parseUserName(c);
  if (c.acceptWord('IDENTIFIED')) return { kind: 'CreateUser', name, ifNotExists, ...parseIdentified(c) };
  if (c.peek().kind === TokenKind.String) {
    return { kind: 'CreateUser', name, ifNotExists, password: parsePassword(c), authMethod: null };
  }
  c.note('IDENTIFIED');
  return { kind: 'CreateUser', name, ifNotExists, password: null, authMethod: null };
}

export function parseAlterUser(c: Cursor): Statement {
  c.expectWord('USER');
  const name = parseUserName(c);
  if (c.acceptWord('SET')) {
    c.expectWord('PASSWORD');
    return { kind: 'AlterUser', name, password: parsePassword(c), authMethod: null };
  }
  c.note('SET PASSWORD');
  c.expectWord('IDENTIFIED');
  return { kind: 'AlterUser', name, ...parseIdentified(c) };
}

export function parseDropUser(c: Cursor): Statement {
  const ifExists = parseIfExists(c);
  return { kind: 'DropUser', name: parseUserName(c), ifExists };
}

const PRIVILEGES: Readonly<Record<string, Privilege>> = {
  SELECT: 'SELECT',
  INSERT: 'INSERT',
  CREATE: 'CREATE',
  DROP: 'DROP',
  USE_PIPE: 'USE_PIPE',
  ALL: 'ALL',
};

/** After GRANT or REVOKE: `priv[, priv] ON target TO|FROM [USER] u[, u]`. */
export function parseGrantOrRevoke(c: Cursor, kind: 'Grant' | 'Revoke'): Statement {
  const privileges: Privilege[] = [];
  do {
    const token = c.peek();
    const privilege = token.kind === TokenKind.Word ? PRIVILEGES[token.upper] : undefined;
    if (privilege === undefined) return c.fail('privilege (SELECT, INSERT, CREATE, DROP, USE_PIPE or ALL)');
    c.advance();
    if (privilege === 'ALL') c.acceptWord('PRIVILEGES');
    privileges.push(privilege);
  } while (c.acceptOp(','));
  c.expectWord('ON');
  const on = parseGrantTarget(c);
  c.expectWord(kind === 'Grant' ? 'TO' : 'FROM');
  c.acceptWord('USER');
  const users = [parseUserName(c)];
  while (c.acceptOp(',')) users.push(parseUserName(c));
  return { kind, privileges, on, users };
}

function parseGrantTarget(c: Cursor): GrantTarget {
  if (c.acceptOp('*')) {
    c.expectOp('.');
    c.expectOp('*');
    return { kind: 'GrantAll' };
  }
  const parts = [parseIdentifier(c, "'*.*', database or stream name")];
  while (c.acceptOp('.')) {
    if (c.acceptOp('*')) return { kind: 'GrantDatabase', database: parts.join('.') };
    parsePathNode(c, parts);
  }
  return { kind: 'GrantObject', name: { kind: 'ObjectName', parts } };
}

// ---------------------------------------------------------------------------------------------
// IoTDB timeseries and INSERT.

/** After CREATE TIMESERIES: `path [WITH] DATATYPE=T[, ENCODING=E, …]` or `path T [ENCODING=E …]`. */
export function parseCreateTimeseries(c: Cursor): CreateTimeseriesStatement {
  const path = parseObjectName(c, 'timeseries path');
  c.acceptWord('WITH');
  if ((c.isWord('DATATYPE') || c.isWord('TYPE')) && c.isOp('=', 1)) {
    c.advance();
    c.advance();
  }
  const dataType = parseOptionValue(c, 'data type');
  const options: TimeseriesOption[] = [];
  while (true) {
    const hasComma = c.acceptOp(',');
    const token = c.peek();
    if (token.kind !== TokenKind.Word || !c.isOp('=', 1)) {
      if (hasComma) c.fail('option name');
      break;
    }
    c.advance();
    c.advance();
    options.push({ kind: 'TimeseriesOption', key: token.upper, value: parseOptionValue(c, 'option value') });
  }
  return { kind: 'CreateTimeseries', path, dataType, options };
}

function parseOptionValue(c: Cursor, what: string): string {
  const token = c.peek();
  if (token.kind === TokenKind.Word || token.kind === TokenKind.String || token.kind === TokenKind.Integer) {
    c.advance();
    return token.text;
  }
  return c.fail(what);
}

/** After INSERT: `INTO target [(cols)] VALUES … | SELECT … | FORMAT name <data>`. */
export function parseInsert(c: Cursor): InsertStatement {
  c.expectWord('INTO');
  c.acceptWord('STREAM');
  const target = parseObjectName(c, 'stream name');
  let columns: string[] | null = null;
  if (c.acceptOp('(')) {
    columns = [parseIdentifier(c, 'column name')];
    while (c.acceptOp(',')) columns.push(parseIdentifier(c, 'column name'));
    c.expectOp(')');
  }
  if (c.acceptWord('VALUES')) return { kind: 'Insert', target, columns, body: parseValuesRows(c) };
  if (c.acceptWord('FORMAT')) {
    const nameToken = c.peek();
    const format = parseIdentifier(c, 'format name');
    const data = skipFormatSeparator(c.source.slice(nameToken.end));
    c.skipToEnd();
    return { kind: 'Insert', target, columns, body: { kind: 'InsertFormat', format, data } };
  }
  if (c.isWord('SELECT') || c.isWord('WITH')) return { kind: 'Insert', target, columns, body: parseQuery(c) };
  return c.fail('VALUES', 'SELECT', 'FORMAT');
}

/** Drops the spaces and tabs after the format name and at most one line break. */
function skipFormatSeparator(tail: string): string {
  let start = 0;
  while (tail[start] === ' ' || tail[start] === '\t') start++;
  if (tail[start] === '\r' && tail[start + 1] === '\n') start += 2;
  else if (tail[start] === '\n' || tail[start] === '\r') start++;
  return tail.slice(start);
}

function parseValuesRows(c: Cursor): { kind: 'InsertValues'; rows: Expr[][] } {
  const rows: Expr[][] = [];
  do {
    c.expectOp('(');
    rows.push(parseExprList(c));
    c.expectOp(')');
    c.acceptOp(',');
  } while (c.isOp('('));
  return { kind: 'InsertValues', rows };
}
