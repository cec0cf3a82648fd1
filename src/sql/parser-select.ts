// SELECT and UNION ALL: clauses, FROM items (streams, IoTDB paths, table functions, subqueries,
// joins) and the Timeplus EMIT clause.
//
// Clause order: [WITH] SELECT [DISTINCT] items [FROM] [WHERE] [GROUP BY] [HAVING] [EMIT]
// [ORDER BY] [LIMIT] [SETTINGS]; EMIT is also accepted after LIMIT (some Timeplus examples put
// it last) and prints in the first position. FORMAT belongs to a whole top-level statement and
// is stored on its last SELECT.
import type {
  Emit,
  EmitMode,
  EmitPolicy,
  FromItem,
  JoinType,
  Limit,
  OrderItem,
  QueryStatement,
  Select,
  SelectItem,
  WithItem,
} from './ast.ts';
import type { Cursor } from './cursor.ts';
import {
  PRECEDENCE,
  parseExpr,
  parseExprList,
  parseIdentifier,
  parseObjectNameAfter,
  parseSettingList,
} from './parser-expr.ts';
import { RESERVED, TokenKind } from './tokens.ts';

/** A SELECT or UNION ALL inside parentheses or after AS/INSERT: no FORMAT. */
export function parseQuery(c: Cursor): QueryStatement {
  c.enter();
  const first = parseSelect(c);
  if (!c.isWord('UNION')) {
    c.leave();
    return first;
  }
  const selects = [first];
  while (c.acceptWord('UNION')) {
    c.expectWord('ALL');
    selects.push(parseSelect(c));
  }
  c.leave();
  return { kind: 'Union', selects };
}

/** A top-level query: a query followed by an optional `FORMAT name`. */
export function parseTopLevelQuery(c: Cursor): QueryStatement {
  const query = parseQuery(c);
  if (!c.acceptWord('FORMAT')) return query;
  const format = parseIdentifier(c, 'format name');
  if (query.kind === 'Select') return { ...query, format };
  const last = query.selects[query.selects.length - 1]!;
  return { kind: 'Union', selects: [...query.selects.slice(0, -1), { ...last, format }] };
}

function parseSelect(c: Cursor): Select {
  const withItems = c.acceptWord('WITH') ? parseWithItems(c) : [];
  c.expectWord('SELECT');
  const distinct = c.acceptWord('DISTINCT');
  const items = [parseSelectItem(c)];
  while (c.acceptOp(',')) items.push(parseSelectItem(c));
  const from = c.acceptWord('FROM') ? parseFrom(c) : null;
  const where = c.acceptWord('WHERE') ? parseExpr(c) : null;
  const groupBy = c.acceptWords('GROUP', 'BY') ? parseExprList(c) : [];
  const having = c.acceptWord('HAVING') ? parseExpr(c) : null;
  let emit = c.acceptWord('EMIT') ? parseEmit(c) : null;
  const orderBy = c.acceptWords('ORDER', 'BY') ? parseOrderBy(c) : [];
  const limit = c.acceptWord('LIMIT') ? parseLimit(c) : null;
  if (emit === null && limit !== null && c.acceptWord('EMIT')) emit = parseEmit(c);
  const settings = c.acceptWord('SETTINGS') ? parseSettingList(c) : [];
  const present = [from, where, groupBy.length > 0, having, emit, orderBy.length > 0, limit, settings.length > 0];
  noteNextClauses(c, present);
  return {
    kind: 'Select',
    with: withItems,
    distinct,
    items,
    from,
    where,
    groupBy,
    having,
    emit,
    orderBy,
    limit,
    settings,
    format: null,
  };
}

const CLAUSES = ['FROM', 'WHERE', 'GROUP BY', 'HAVING', 'EMIT', 'ORDER BY', 'LIMIT', 'SETTINGS'] as const;

/**
 * Records the clauses that may still follow, for the error message if the statement does not
 * end here. Without FROM only FROM is named: "expected FROM or end of statement, found 's'"
 * points at the likely typo better than a list of eight keywords.
 */
function noteNextClauses(c: Cursor, present: readonly unknown[]): void {
  if (present[0] === null) {
    c.note('FROM');
    return;
  }
  let last = 0;
  for (let i = 0; i < present.length; i++) if (present[i] !== null && present[i] !== false) last = i;
  for (let i = last + 1; i < CLAUSES.length; i++) {
    if (CLAUSES[i] === 'HAVING' && present[2] === false) continue;
    c.note(CLAUSES[i]!);
  }
}

function parseWithItems(c: Cursor): WithItem[] {
  const items: WithItem[] = [];
  do items.push(parseWithItem(c));
  while (c.acceptOp(','));
  return items;
}

function parseWithItem(c: Cursor): WithItem {
  const isCte =
    (c.peek().kind === TokenKind.Word || c.peek().kind === TokenKind.QuotedIdent) &&
    c.isWord('AS', 1) &&
    c.isOp('(', 2) &&
    (c.isWord('SELECT', 3) || c.isWord('WITH', 3));
  if (isCte) {
    const name = parseIdentifier(c, 'name');
    c.advance();
    c.advance();
    const query = parseQuery(c);
    c.expectOp(')');
    return { kind: 'CommonTableExpr', name, query };
  }
  const expr = parseExpr(c);
  c.expectWord('AS');
  return { kind: 'WithExpr', expr, name: parseIdentifier(c, 'name') };
}

function parseSelectItem(c: Cursor): SelectItem {
  if (c.isOp('*') && c.isOp('*', 1) && c.peek(1).start === c.peek().end) {
    c.advance();
    c.advance();
    return { kind: 'SelectItem', expr: { kind: 'Star', qualifier: [], deep: true }, alias: null };
  }
  const expr = parseExpr(c);
  return { kind: 'SelectItem', expr, alias: parseAlias(c) };
}

/** `AS name`, or a bare unreserved name (`SELECT a b`, `FROM s t`); null when absent. */
function parseAlias(c: Cursor): string | null {
  if (c.acceptWord('AS')) return parseIdentifier(c, 'alias');
  const token = c.peek();
  if ((token.kind === TokenKind.Word && !RESERVED.has(token.upper)) || token.kind === TokenKind.QuotedIdent) {
    return parseIdentifier(c, 'alias');
  }
  return null;
}

const JOIN_TYPES: Readonly<Record<string, JoinType>> = {
  INNER: 'INNER',
  LEFT: 'LEFT',
  RIGHT: 'RIGHT',
  FULL: 'FULL',
  CROSS: 'CROSS',
};

function parseFrom(c: Cursor): FromItem {
  let left = parseTableFactor(c);
  while (true) {
    if (c.acceptOp(',')) {
      left = { kind: 'Join', type: 'CROSS', left, right: parseTableFactor(c), on: null, using: [] };
      continue;
    }
    const type = parseJoinType(c);
    if (type === null) return left;
    const right = parseTableFactor(c);
    let on = null;
    let using: string[] = [];
    if (c.acceptWord('ON')) on = parseExpr(c);
    else if (c.acceptWord('USING')) using = parseUsing(c);
    left = { kind: 'Join', type, left, right, on, using };
  }
}

function parseJoinType(c: Cursor): JoinType | null {
  if (c.acceptWord('JOIN')) return 'INNER';
  const token = c.peek();
  const type = token.kind === TokenKind.Word ? JOIN_TYPES[token.upper] : undefined;
  if (type === undefined) return null;
  c.advance();
  if (type !== 'INNER' && type !== 'CROSS') c.acceptWord('OUTER');
  c.expectWord('JOIN');
  return type;
}

function parseUsing(c: Cursor): string[] {
  const parenthesized = c.acceptOp('(');
  const columns = [parseIdentifier(c, 'column name')];
  while (c.acceptOp(',')) columns.push(parseIdentifier(c, 'column name'));
  if (parenthesized) c.expectOp(')');
  return columns;
}

function parseTableFactor(c: Cursor): FromItem {
  c.enter();
  let item: FromItem;
  if (c.acceptOp('(')) {
    const query = parseQuery(c);
    c.expectOp(')');
    item = { kind: 'SubqueryTable', query, alias: parseAlias(c) };
  } else {
    const first = parseIdentifier(c, 'stream name, table function or subquery');
    if (c.acceptOp('(')) {
      const args = c.isOp(')') ? [] : parseExprList(c);
      c.expectOp(')');
      item = { kind: 'TableFunction', name: first, args, alias: parseAlias(c) };
    } else {
      item = { kind: 'TableRef', name: parseObjectNameAfter(c, first), alias: parseAlias(c) };
    }
  }
  c.leave();
  return item;
}

function parseEmit(c: Cursor): Emit {
  let mode: EmitMode | null = null;
  if (c.acceptWord('STREAM')) mode = 'STREAM';
  else if (c.acceptWord('CHANGELOG')) mode = 'CHANGELOG';
  let policy: EmitPolicy | null = null;
  if (c.acceptWord('PERIODIC')) {
    const interval = parseExpr(c, PRECEDENCE.Unary);
    policy = { kind: 'EmitPeriodic', interval, repeat: c.acceptWord('REPEAT') };
  } else if (c.acceptWords('ON', 'UPDATE')) {
    policy = { kind: 'EmitOnUpdate' };
  } else if (c.acceptWord('AFTER')) {
    if (c.acceptWord('WATERMARK')) {
      policy = { kind: 'EmitAfterWatermark' };
    } else {
      c.expectWord('WINDOW');
      c.expectWord('CLOSE');
      policy = { kind: 'EmitAfterWindowClose' };
    }
  }
  if (mode === null && policy === null) c.fail();
  return { kind: 'Emit', mode, policy };
}

function parseOrderBy(c: Cursor): OrderItem[] {
  const items: OrderItem[] = [];
  do {
    const expr = parseExpr(c);
    let direction: OrderItem['direction'] = null;
    if (c.acceptWord('ASC')) direction = 'ASC';
    else if (c.acceptWord('DESC')) direction = 'DESC';
    let nulls: OrderItem['nulls'] = null;
    if (c.acceptWord('NULLS')) {
      if (c.acceptWord('FIRST')) nulls = 'FIRST';
      else if (c.acceptWord('LAST')) nulls = 'LAST';
      else c.fail();
    }
    items.push({ kind: 'OrderItem', expr, direction, nulls });
  } while (c.acceptOp(','));
  return items;
}

function parseLimit(c: Cursor): Limit {
  const first = parseExpr(c);
  if (c.acceptOp(',')) return { kind: 'Limit', count: parseExpr(c), offset: first };
  const offset = c.acceptWord('OFFSET') ? parseExpr(c) : null;
  return { kind: 'Limit', count: first, offset };
}
