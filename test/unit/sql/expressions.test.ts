// Expressions: literals, operators and their precedence, calls, casts, parameters. Each case
// states the expected tree; support.ts also checks the format round trip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatExpression, parseExpression, type Expr, type Select } from '../../../src/sql/index.ts';
import { parseOne } from './support.ts';

/** Parses `SELECT <expr>` (round trip included) and returns the expression. */
function expr(sql: string): Expr {
  const statement = parseOne(`SELECT ${sql}`) as Select;
  assert.equal(statement.items.length, 1);
  return statement.items[0]!.expr;
}

const col = (name: string): Expr => ({ kind: 'ColumnRef', parts: [name] });
const int = (text: string): Expr => ({ kind: 'IntegerLiteral', text });
const bin = (op: string, left: Expr, right: Expr): Expr => ({ kind: 'Binary', op, left, right }) as Expr;

test('literals: integers stay exact text, floats, strings with escapes, NULL, booleans', () => {
  assert.deepEqual(expr('9223372036854775807'), int('9223372036854775807'));
  assert.deepEqual(expr('18446744073709551615'), int('18446744073709551615'));
  assert.equal(BigInt((expr('9223372036854775807') as { text: string }).text), 9223372036854775807n);
  assert.deepEqual(expr('0x1F'), int('0x1F'));
  assert.deepEqual(expr('1.5'), { kind: 'FloatLiteral', text: '1.5' });
  assert.deepEqual(expr('1e-3'), { kind: 'FloatLiteral', text: '1e-3' });
  assert.deepEqual(expr('2.5E+10'), { kind: 'FloatLiteral', text: '2.5E+10' });
  assert.deepEqual(expr('(.5)'), { kind: 'FloatLiteral', text: '0.5' });
  assert.deepEqual(expr("'plain'"), { kind: 'StringLiteral', value: 'plain' });
  assert.deepEqual(expr("'it\\'s'"), { kind: 'StringLiteral', value: "it's" });
  assert.deepEqual(expr("'it''s'"), { kind: 'StringLiteral', value: "it's" });
  assert.deepEqual(expr("'a\\\\b\\nc\\td\\re\\0f\\x41'"), { kind: 'StringLiteral', value: 'a\\b\nc\td\re\0fA' });
  assert.deepEqual(expr("'ünïcødé ✓'"), { kind: 'StringLiteral', value: 'ünïcødé ✓' });
  assert.deepEqual(expr('NULL'), { kind: 'NullLiteral' });
  assert.deepEqual(expr('true'), { kind: 'BooleanLiteral', value: true });
  assert.deepEqual(expr('FALSE'), { kind: 'BooleanLiteral', value: false });
});

test('durations and intervals', () => {
  const units = ['ns', 'us', 'ms', 's', 'm', 'h', 'd', 'w', 'M', 'q', 'y'];
  for (const unit of units) assert.deepEqual(expr(`5${unit}`), { kind: 'DurationLiteral', amount: '5', unit });
  assert.deepEqual(expr('100ms'), { kind: 'DurationLiteral', amount: '100', unit: 'ms' });
  assert.deepEqual(expr('now() - 2d'), bin('-', { kind: 'FunctionCall', name: 'now', params: null, distinct: false, args: [] }, { kind: 'DurationLiteral', amount: '2', unit: 'd' }));
  assert.deepEqual(expr('INTERVAL 5 SECOND'), { kind: 'Interval', value: int('5'), unit: 'SECOND' });
  assert.deepEqual(expr('interval 2 days'), { kind: 'Interval', value: int('2'), unit: 'DAY' });
  assert.deepEqual(expr('INTERVAL -1 HOUR'), { kind: 'Interval', value: { kind: 'Unary', op: '-', operand: int('1') }, unit: 'HOUR' });
  assert.deepEqual(expr('_tp_time + INTERVAL 7 DAY'), bin('+', col('_tp_time'), { kind: 'Interval', value: int('7'), unit: 'DAY' }));
});

test('arrays, tuples, subscripts, parameters', () => {
  assert.deepEqual(expr('[1, 2]'), { kind: 'Array', items: [int('1'), int('2')] });
  assert.deepEqual(expr('[]'), { kind: 'Array', items: [] });
  assert.deepEqual(expr('(1, 2)'), { kind: 'Tuple', items: [int('1'), int('2')] });
  assert.deepEqual(expr('()'), { kind: 'Tuple', items: [] });
  assert.deepEqual(expr('(1)'), int('1'));
  assert.deepEqual(expr('a[1]'), { kind: 'Subscript', operand: col('a'), index: int('1') });
  assert.deepEqual(expr('{name:String}'), { kind: 'Parameter', name: 'name', type: { kind: 'TypeRef', name: 'String', args: [] } });
  assert.deepEqual(expr('{ts: datetime64(3)}'), {
    kind: 'Parameter',
    name: 'ts',
    type: { kind: 'TypeRef', name: 'datetime64', args: [3] },
  });
});

test('column references and function calls', () => {
  assert.deepEqual(expr('db.s.a'), { kind: 'ColumnRef', parts: ['db', 's', 'a'] });
  assert.deepEqual(expr('count(*)'), {
    kind: 'FunctionCall',
    name: 'count',
    params: null,
    distinct: false,
    args: [{ kind: 'Star', qualifier: [], deep: false }],
  });
  assert.deepEqual(expr('count(DISTINCT x)'), { kind: 'FunctionCall', name: 'count', params: null, distinct: true, args: [col('x')] });
  assert.deepEqual(expr('quantile(0.9)(x)'), {
    kind: 'FunctionCall',
    name: 'quantile',
    params: [{ kind: 'FloatLiteral', text: '0.9' }],
    distinct: false,
    args: [col('x')],
  });
  assert.deepEqual(expr('top_k(x, 10)'), { kind: 'FunctionCall', name: 'top_k', params: null, distinct: false, args: [col('x'), int('10')] });
  assert.deepEqual((expr('if(a, 1, 2)') as { name: string }).name, 'if');
  assert.deepEqual((expr('exists(a)') as { name: string }).name, 'exists');
});

test('CAST and ::', () => {
  const cast = { kind: 'Cast', operand: col('x'), type: { kind: 'TypeRef', name: 'int32', args: [] } };
  assert.deepEqual(expr('CAST(x AS int32)'), cast);
  assert.deepEqual(expr('x::int32'), cast);
  assert.deepEqual(expr("cast(x, 'int32')"), {
    kind: 'FunctionCall',
    name: 'cast',
    params: null,
    distinct: false,
    args: [col('x'), { kind: 'StringLiteral', value: 'int32' }],
  });
  assert.deepEqual(expr("CAST(f(a, b) AS datetime64(3, 'UTC'))").kind, 'Cast');
  assert.deepEqual(expr('-x::int32'), { kind: 'Unary', op: '-', operand: cast });
});

test('predicates: IN, NOT IN, BETWEEN, LIKE, ILIKE, IS [NOT] NULL, CASE', () => {
  assert.deepEqual(expr('a IN (1, 2)'), { kind: 'In', operand: col('a'), negated: false, list: [int('1'), int('2')] });
  assert.deepEqual(expr('a NOT IN (1)'), { kind: 'In', operand: col('a'), negated: true, list: [int('1')] });
  const sub = expr('a IN (SELECT b FROM t)');
  assert.ok(sub.kind === 'In' && sub.list.length === 1 && sub.list[0]!.kind === 'Subquery');
  assert.deepEqual(expr('a BETWEEN 1 AND 2'), { kind: 'Between', operand: col('a'), negated: false, low: int('1'), high: int('2') });
  assert.deepEqual(expr('a NOT BETWEEN 1 AND 2 AND b').kind, 'Binary');
  assert.deepEqual(expr("a LIKE 'x%'"), { kind: 'Like', operand: col('a'), negated: false, caseInsensitive: false, pattern: { kind: 'StringLiteral', value: 'x%' } });
  assert.deepEqual(expr("a NOT ILIKE 'x%'"), { kind: 'Like', operand: col('a'), negated: true, caseInsensitive: true, pattern: { kind: 'StringLiteral', value: 'x%' } });
  assert.deepEqual(expr('a IS NULL'), { kind: 'IsNull', operand: col('a'), negated: false });
  assert.deepEqual(expr('a IS NOT NULL'), { kind: 'IsNull', operand: col('a'), negated: true });
  assert.deepEqual(expr('CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END'), {
    kind: 'Case',
    operand: null,
    whens: [
      { kind: 'CaseWhen', when: col('a'), then: int('1') },
      { kind: 'CaseWhen', when: col('b'), then: int('2') },
    ],
    else: int('3'),
  });
  assert.deepEqual(expr('CASE x WHEN 1 THEN 2 END'), {
    kind: 'Case',
    operand: col('x'),
    whens: [{ kind: 'CaseWhen', when: int('1'), then: int('2') }],
    else: null,
  });
});

test('precedence: OR < AND < NOT < comparison < additive < multiplicative < unary < postfix', () => {
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(col) as [Expr, Expr, Expr, Expr];
  assert.deepEqual(expr('a OR b AND c'), bin('OR', a, bin('AND', b, c)));
  assert.deepEqual(expr('a AND b OR c'), bin('OR', bin('AND', a, b), c));
  assert.deepEqual(expr('NOT a AND b'), bin('AND', { kind: 'Unary', op: 'NOT', operand: a }, b));
  assert.deepEqual(expr('NOT a = b'), { kind: 'Unary', op: 'NOT', operand: bin('=', a, b) });
  assert.deepEqual(expr('a = b + c * d'), bin('=', a, bin('+', b, bin('*', c, d))));
  assert.deepEqual(expr('a - b - c'), bin('-', bin('-', a, b), c));
  assert.deepEqual(expr('a / b % c'), bin('%', bin('/', a, b), c));
  assert.deepEqual(expr("a || 'x' = b"), bin('=', bin('||', a, { kind: 'StringLiteral', value: 'x' }), b));
  assert.deepEqual(expr('-a * b'), bin('*', { kind: 'Unary', op: '-', operand: a }, b));
  assert.deepEqual(expr('a + b IS NULL'), { kind: 'IsNull', operand: bin('+', a, b), negated: false });
  assert.deepEqual(expr('a == b'), bin('=', a, b));
  assert.deepEqual(expr('a <> b'), bin('!=', a, b));
  assert.deepEqual(expr('a != b'), bin('!=', a, b));
  for (const op of ['<', '<=', '>', '>=']) assert.deepEqual(expr(`a ${op} b`), bin(op, a, b));
});

test('aliases: AS and bare', () => {
  const s = parseOne('SELECT a AS x, b y, c "z", d AS `w w` FROM s') as Select;
  assert.deepEqual(
    s.items.map((i) => i.alias),
    ['x', 'y', 'z', 'w w'],
  );
});

test('comments between tokens', () => {
  assert.deepEqual(expr('a /* block\ncomment */ + -- line\n b'), bin('+', col('a'), col('b')));
});

test('parseExpression and formatExpression', () => {
  const tree = parseExpression("now64(3, 'UTC')");
  assert.equal(formatExpression(tree), "now64(3, 'UTC')");
  assert.throws(() => parseExpression('a b'), /expected end of expression, found 'b'/);
});
