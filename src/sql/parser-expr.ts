// Expressions (Pratt parsing), type references, names, literals and settings lists: the pieces
// every statement parser shares.
//
// Precedence, lowest first; binary operators are left-associative:
//   1 OR   2 AND   3 NOT (prefix)   4 = != < <= > >= IS [NOT] NULL, [NOT] IN, [NOT] LIKE/ILIKE,
//   [NOT] BETWEEN   5 + - ||   6 * / %   7 unary - +   8 postfix ::type, [index]   9 primary
// format.ts prints with the same table (PRECEDENCE below), adding parentheses where a child
// binds more loosely than its position requires; parentheses themselves are not kept in the tree.
//
// Depth: every parseExpr call and every operator folded into its left operand counts one level
// (Cursor.enter), so the tree's depth never exceeds SQL_EXPR_DEPTH_MAX even for a long flat
// chain like `a + b + c …`, whose tree is as deep as it is long.
import type {
  BinaryOp,
  DurationUnit,
  Expr,
  FunctionCall,
  IntervalUnit,
  ObjectName,
  Setting,
  SettingValue,
  TypeArg,
  TypeRef,
} from './ast.ts';
import { INTERVAL_UNITS } from './ast.ts';
import type { Cursor } from './cursor.ts';
import { parseQuery } from './parser-select.ts';
import { RESERVED, TokenKind, type Token } from './tokens.ts';

export const PRECEDENCE = {
  Or: 1,
  And: 2,
  Not: 3,
  Comparison: 4,
  Additive: 5,
  Multiplicative: 6,
  Unary: 7,
  Postfix: 8,
  Primary: 9,
} as const;

const BINARY_OPS: ReadonlyMap<string, { op: BinaryOp; precedence: number }> = new Map([
  ['=', { op: '=', precedence: PRECEDENCE.Comparison }],
  ['==', { op: '=', precedence: PRECEDENCE.Comparison }],
  ['!=', { op: '!=', precedence: PRECEDENCE.Comparison }],
  ['<>', { op: '!=', precedence: PRECEDENCE.Comparison }],
  ['<', { op: '<', precedence: PRECEDENCE.Comparison }],
  ['<=', { op: '<=', precedence: PRECEDENCE.Comparison }],
  ['>', { op: '>', precedence: PRECEDENCE.Comparison }],
  ['>=', { op: '>=', precedence: PRECEDENCE.Comparison }],
  ['+', { op: '+', precedence: PRECEDENCE.Additive }],
  ['-', { op: '-', precedence: PRECEDENCE.Additive }],
  ['||', { op: '||', precedence: PRECEDENCE.Additive }],
  ['*', { op: '*', precedence: PRECEDENCE.Multiplicative }],
  ['/', { op: '/', precedence: PRECEDENCE.Multiplicative }],
  ['%', { op: '%', precedence: PRECEDENCE.Multiplicative }],
]);

export function binaryPrecedence(op: BinaryOp): number {
  if (op === 'OR') return PRECEDENCE.Or;
  if (op === 'AND') return PRECEDENCE.And;
  return BINARY_OPS.get(op)!.precedence;
}

const INTERVAL_UNIT_SET: ReadonlySet<string> = new Set(INTERVAL_UNITS);

/** Parses an expression whose operators all bind at least as tightly as `minPrecedence`. */
export function parseExpr(c: Cursor, minPrecedence: number = PRECEDENCE.Or): Expr {
  c.enter();
  let folds = 0;
  let left = parsePrefix(c);
  while (true) {
    const next = parseInfix(c, left, minPrecedence);
    if (next === null) break;
    c.enter();
    folds++;
    left = next;
  }
  for (let i = 0; i <= folds; i++) c.leave();
  return left;
}

function parsePrefix(c: Cursor): Expr {
  const token = c.peek();
  if (token.kind === TokenKind.Op && (token.text === '-' || token.text === '+')) {
    c.advance();
    return { kind: 'Unary', op: token.text, operand: parseExpr(c, PRECEDENCE.Unary) };
  }
  if (token.kind === TokenKind.Word && token.upper === 'NOT') {
    c.advance();
    return { kind: 'Unary', op: 'NOT', operand: parseExpr(c, PRECEDENCE.Not) };
  }
  return parsePrimary(c);
}

/** One infix or postfix step on `left`, or null when the next token does not continue it. */
function parseInfix(c: Cursor, left: Expr, minPrecedence: number): Expr | null {
  const token = c.peek();
  if (token.kind === TokenKind.Op) {
    if (token.text === '::' || token.text === '[') {
      if (PRECEDENCE.Postfix < minPrecedence) return null;
      c.advance();
      if (token.text === '::') return { kind: 'Cast', operand: left, type: parseType(c) };
      const index = parseExpr(c);
      c.expectOp(']');
      return { kind: 'Subscript', operand: left, index };
    }
    const binary = BINARY_OPS.get(token.text);
    if (binary === undefined || binary.precedence < minPrecedence) return null;
    c.advance();
    return { kind: 'Binary', op: binary.op, left, right: parseExpr(c, binary.precedence + 1) };
  }
  if (token.kind !== TokenKind.Word) return null;
  const upper = token.upper;
  if (upper === 'OR' || upper === 'AND') {
    const precedence = upper === 'OR' ? PRECEDENCE.Or : PRECEDENCE.And;
    if (precedence < minPrecedence) return null;
    c.advance();
    return { kind: 'Binary', op: upper, left, right: parseExpr(c, precedence + 1) };
  }
  if (PRECEDENCE.Comparison < minPrecedence) return null;
  let negated = false;
  if (upper === 'NOT') {
    const after = c.peek(1);
    if (after.kind !== TokenKind.Word) return null;
    if (after.upper !== 'IN' && after.upper !== 'LIKE' && after.upper !== 'ILIKE' && after.upper !== 'BETWEEN') {
      return null;
    }
    c.advance();
    negated = true;
  }
  const operator = c.peek().upper;
  switch (operator) {
    case 'IS': {
      c.advance();
      const isNot = c.acceptWord('NOT');
      c.expectWord('NULL');
      return { kind: 'IsNull', operand: left, negated: isNot };
    }
    case 'IN':
      c.advance();
      return { kind: 'In', operand: left, negated, list: parseInList(c) };
    case 'LIKE':
    case 'ILIKE':
      c.advance();
      return {
        kind: 'Like',
        operand: left,
        negated,
        caseInsensitive: operator === 'ILIKE',
        pattern: parseExpr(c, PRECEDENCE.Comparison + 1),
      };
    case 'BETWEEN': {
      c.advance();
      const low = parseExpr(c, PRECEDENCE.Comparison + 1);
      c.expectWord('AND');
      const high = parseExpr(c, PRECEDENCE.Comparison + 1);
      return { kind: 'Between', operand: left, negated, low, high };
    }
    default:
      return null;
  }
}

function parseInList(c: Cursor): Expr[] {
  c.expectOp('(');
  if (c.isWord('SELECT') || c.isWord('WITH')) {
    const query = parseQuery(c);
    c.expectOp(')');
    return [{ kind: 'Subquery', query }];
  }
  const list = c.isOp(')') ? [] : parseExprList(c);
  c.expectOp(')');
  return list;
}

export function parseExprList(c: Cursor): Expr[] {
  const list = [parseExpr(c)];
  while (c.acceptOp(',')) list.push(parseExpr(c));
  return list;
}

function parsePrimary(c: Cursor): Expr {
  const token = c.peek();
  switch (token.kind) {
    case TokenKind.Integer:
      c.advance();
      return { kind: 'IntegerLiteral', text: token.text };
    case TokenKind.Float:
      c.advance();
      return { kind: 'FloatLiteral', text: floatText(token.text) };
    case TokenKind.String:
      c.advance();
      return { kind: 'StringLiteral', value: token.text };
    case TokenKind.Duration:
      c.advance();
      return parseDuration(token);
    case TokenKind.QuotedIdent:
      return parseNameExpr(c);
    case TokenKind.Word:
      return parseWordPrimary(c, token);
    case TokenKind.Op:
      return parseOpPrimary(c, token);
    default:
      return c.fail('expression');
  }
}

/** `.5` is kept as `0.5`: printed after a word, `.5` would read back as a dot and a number. */
function floatText(text: string): string {
  return text.charCodeAt(0) === 46 ? '0' + text : text;
}

function parseDuration(token: Token): Expr {
  let split = 0;
  while (split < token.text.length && token.text.charCodeAt(split) <= 57) split++;
  return { kind: 'DurationLiteral', amount: token.text.slice(0, split), unit: token.text.slice(split) as DurationUnit };
}

function parseWordPrimary(c: Cursor, token: Token): Expr {
  switch (token.upper) {
    case 'NULL':
      c.advance();
      return { kind: 'NullLiteral' };
    case 'TRUE':
    case 'FALSE':
      c.advance();
      return { kind: 'BooleanLiteral', value: token.upper === 'TRUE' };
    case 'CASE':
      return parseCase(c);
    case 'CAST':
      if (!c.isOp('(', 1)) return c.fail('expression');
      return parseCast(c, token.text);
    case 'INTERVAL':
      return parseInterval(c);
    default:
      if (RESERVED.has(token.upper)) return c.fail('expression');
      return parseNameExpr(c);
  }
}

/** `CAST(x AS T)` is a Cast node; `CAST(x, 'T')` an ordinary call of the function `name`. */
function parseCast(c: Cursor, name: string): Expr {
  c.advance();
  c.advance();
  const operand = parseExpr(c);
  if (c.acceptWord('AS')) {
    const type = parseType(c);
    c.expectOp(')');
    return { kind: 'Cast', operand, type };
  }
  c.note('AS');
  const args = [operand];
  while (c.acceptOp(',')) args.push(parseExpr(c));
  c.expectOp(')');
  return { kind: 'FunctionCall', name, params: null, distinct: false, args };
}

function parseCase(c: Cursor): Expr {
  c.advance();
  const operand = c.isWord('WHEN') ? null : parseExpr(c);
  const whens = [];
  c.expectWord('WHEN');
  do {
    const when = parseExpr(c);
    c.expectWord('THEN');
    whens.push({ kind: 'CaseWhen' as const, when, then: parseExpr(c) });
  } while (c.acceptWord('WHEN'));
  const elseExpr = c.acceptWord('ELSE') ? parseExpr(c) : null;
  c.expectWord('END');
  return { kind: 'Case', operand, whens, else: elseExpr };
}

function parseInterval(c: Cursor): Expr {
  c.advance();
  const value = parseExpr(c, PRECEDENCE.Unary);
  const token = c.peek();
  const unit = token.kind === TokenKind.Word ? singularUnit(token.upper) : null;
  if (unit === null) return c.fail('interval unit (SECOND, MINUTE, HOUR, DAY, …)');
  c.advance();
  return { kind: 'Interval', value, unit };
}

function singularUnit(upper: string): IntervalUnit | null {
  if (INTERVAL_UNIT_SET.has(upper)) return upper as IntervalUnit;
  if (upper.endsWith('S') && INTERVAL_UNIT_SET.has(upper.slice(0, -1))) return upper.slice(0, -1) as IntervalUnit;
  return null;
}

function parseOpPrimary(c: Cursor, token: Token): Expr {
  switch (token.text) {
    case '(':
      return parseParenthesized(c);
    case '[': {
      c.advance();
      const items = c.isOp(']') ? [] : parseExprList(c);
      c.expectOp(']');
      return { kind: 'Array', items };
    }
    case '{': {
      c.advance();
      const name = parseIdentifier(c, 'parameter name');
      c.expectOp(':');
      const type = parseType(c);
      c.expectOp('}');
      return { kind: 'Parameter', name, type };
    }
    case '*':
      c.advance();
      return { kind: 'Star', qualifier: [], deep: false };
    default:
      return c.fail('expression');
  }
}

function parseParenthesized(c: Cursor): Expr {
  c.advance();
  if (c.isWord('SELECT') || c.isWord('WITH')) {
    const query = parseQuery(c);
    c.expectOp(')');
    return { kind: 'Subquery', query };
  }
  if (c.acceptOp(')')) return { kind: 'Tuple', items: [] };
  const items = parseExprList(c);
  c.expectOp(')');
  return items.length === 1 ? items[0]! : { kind: 'Tuple', items };
}

/** A column reference, qualified star or function call, starting at a name. */
function parseNameExpr(c: Cursor): Expr {
  const first = parseIdentifier(c, 'expression');
  if (c.isOp('(')) return parseFunctionCall(c, first);
  const parts = [first];
  while (c.isOp('.')) {
    c.advance();
    if (c.acceptOp('*')) return { kind: 'Star', qualifier: parts, deep: false };
    parts.push(parseNamePart(c));
  }
  return { kind: 'ColumnRef', parts };
}

function parseFunctionCall(c: Cursor, name: string): FunctionCall {
  let args = parseCallArgs(c);
  let params: Expr[] | null = null;
  if (c.isOp('(')) {
    if (args.distinct) c.fail("')'");
    params = args.list;
    args = parseCallArgs(c);
  }
  return { kind: 'FunctionCall', name, params, distinct: args.distinct, args: args.list };
}

function parseCallArgs(c: Cursor): { distinct: boolean; list: Expr[] } {
  c.expectOp('(');
  const distinct = c.acceptWord('DISTINCT');
  const list = c.isOp(')') && !distinct ? [] : parseExprList(c);
  c.expectOp(')');
  return { distinct, list };
}

// ---------------------------------------------------------------------------------------------
// Names.

/** An unreserved word or a quoted identifier. */
export function parseIdentifier(c: Cursor, what: string): string {
  const token = c.peek();
  if (token.kind === TokenKind.Word && !RESERVED.has(token.upper)) {
    c.advance();
    return token.text;
  }
  if (token.kind === TokenKind.QuotedIdent) return parseQuotedIdent(c, token, what);
  return c.fail(what);
}

/** After a dot any word is a name (`s.select`, `root.sg.from`). */
function parseNamePart(c: Cursor): string {
  const token = c.peek();
  if (token.kind === TokenKind.Word) {
    c.advance();
    return token.text;
  }
  if (token.kind === TokenKind.QuotedIdent) return parseQuotedIdent(c, token, 'name');
  return c.fail('name');
}

function parseQuotedIdent(c: Cursor, token: Token, what: string): string {
  if (token.text === '') c.failAt(token, [`${what} (a quoted name may not be empty)`]);
  c.advance();
  return token.text;
}

/**
 * A dotted name: `s`, `db.s`, or an IoTDB path such as `root.aligned.1TS` or root.aligned.`1`.
 * After the first part, nodes may start with digits (IoTDB allows `1TS`, `100`, `5s`).
 */
export function parseObjectName(c: Cursor, what: string): ObjectName {
  return parseObjectNameAfter(c, parseIdentifier(c, what));
}

/** The rest of a dotted name whose first part has been read. */
export function parseObjectNameAfter(c: Cursor, first: string): ObjectName {
  const parts = [first];
  while (c.isOp('.')) {
    c.advance();
    parsePathNode(c, parts);
  }
  return { kind: 'ObjectName', parts };
}

/** One node of a dotted name after its '.', appended to `parts`. */
export function parsePathNode(c: Cursor, parts: string[]): void {
  const token = c.peek();
  switch (token.kind) {
    case TokenKind.Integer:
    case TokenKind.DigitWord:
    case TokenKind.Duration:
      c.advance();
      parts.push(token.text);
      return;
    case TokenKind.Float:
      // `root.sg.1.5` lexes its last two nodes as the float 1.5.
      if (/^[0-9]+\.[0-9]+$/.test(token.text)) {
        c.advance();
        parts.push(...token.text.split('.'));
        return;
      }
      c.fail('path node');
      return;
    default:
      parts.push(parseNamePart(c));
  }
}

/** A database name: a dotted name joined by '.' (`default`, `root.vehicle`). */
export function parseDatabaseName(c: Cursor): string {
  return parseObjectName(c, 'database name').parts.join('.');
}

// ---------------------------------------------------------------------------------------------
// Types.

/** `int32`, `nullable(int32)`, `datetime64(3, 'UTC')`, `decimal(10, 2)`; names are not checked here. */
export function parseType(c: Cursor): TypeRef {
  c.enter();
  const token = c.peek();
  let name: string;
  if (token.kind === TokenKind.Word) {
    c.advance();
    name = token.text;
  } else if (token.kind === TokenKind.QuotedIdent) {
    name = parseQuotedIdent(c, token, 'type');
  } else {
    return c.fail('type');
  }
  const args: TypeArg[] = [];
  if (c.acceptOp('(')) {
    if (!c.isOp(')')) {
      do args.push(parseTypeArg(c));
      while (c.acceptOp(','));
    }
    c.expectOp(')');
  }
  c.leave();
  return { kind: 'TypeRef', name, args };
}

function parseTypeArg(c: Cursor): TypeArg {
  const token = c.peek();
  if (token.kind === TokenKind.Integer && /^[0-9]+$/.test(token.text)) {
    c.advance();
    return Number(token.text);
  }
  if (token.kind === TokenKind.String) {
    c.advance();
    return token.text;
  }
  if (token.kind !== TokenKind.Word && token.kind !== TokenKind.QuotedIdent) c.fail('number, string or type');
  return parseType(c);
}

// ---------------------------------------------------------------------------------------------
// Settings.

/** `k = v, k2 = v2`: at least one. Keys may be words, quoted identifiers or strings. */
export function parseSettingList(c: Cursor): Setting[] {
  const settings = [parseSetting(c)];
  while (c.acceptOp(',')) settings.push(parseSetting(c));
  return settings;
}

/** `( 'k' = 'v', … [,] )` as in IoTDB attribute lists; may be empty; a trailing comma is allowed. */
export function parseAttributeList(c: Cursor): Setting[] {
  c.expectOp('(');
  const settings: Setting[] = [];
  while (!c.acceptOp(')')) {
    settings.push(parseSetting(c));
    if (!c.acceptOp(',')) {
      c.expectOp(')');
      break;
    }
  }
  return settings;
}

export function parseSetting(c: Cursor): Setting {
  const token = c.peek();
  let name: string;
  if (token.kind === TokenKind.Word || token.kind === TokenKind.String) {
    c.advance();
    name = token.text;
  } else if (token.kind === TokenKind.QuotedIdent) {
    name = parseQuotedIdent(c, token, 'setting name');
  } else {
    return c.fail('setting name');
  }
  c.expectOp('=');
  return { kind: 'Setting', name, value: parseSettingValue(c) };
}

/** A literal; a sign before a number is folded into its text (`-1`). */
export function parseSettingValue(c: Cursor): SettingValue {
  let sign = '';
  if (c.isOp('-') || c.isOp('+')) {
    const signToken = c.advance();
    if (signToken.text === '-') sign = '-';
    const number = c.peek();
    if (number.kind !== TokenKind.Integer && number.kind !== TokenKind.Float) c.fail('number');
  }
  const token = c.peek();
  switch (token.kind) {
    case TokenKind.Integer:
      c.advance();
      return { kind: 'IntegerLiteral', text: sign + token.text };
    case TokenKind.Float:
      c.advance();
      return { kind: 'FloatLiteral', text: sign + floatText(token.text) };
    case TokenKind.String:
      c.advance();
      return { kind: 'StringLiteral', value: token.text };
    case TokenKind.Word:
      if (token.upper === 'TRUE' || token.upper === 'FALSE') {
        c.advance();
        return { kind: 'BooleanLiteral', value: token.upper === 'TRUE' };
      }
      if (token.upper === 'NULL') {
        c.advance();
        return { kind: 'NullLiteral' };
      }
      return c.fail('setting value (string, number, true, false or null)');
    default:
      return c.fail('setting value (string, number, true, false or null)');
  }
}
