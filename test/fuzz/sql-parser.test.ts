// Property tests for the SQL front end (fast-check):
// 1. Round trip: for random trees the parser can produce (selects with expressions, unions,
//    CREATE STREAM, INSERT VALUES/FORMAT, settings), parseStatement(formatStatement(ast))
//    deep-equals ast.
// 2. Robustness: random text, token soup and mutations of valid SQL never make the parser
//    throw anything but a DbError, and each input is parsed within a fixed time budget.
// Failures print fast-check's seed and path; rerun with them to reproduce.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DbError } from '../../src/core/errors.ts';
import {
  DURATION_UNITS,
  INTERVAL_UNITS,
  formatStatement,
  parseStatement,
  parseStatements,
  type ColumnDef,
  type Expr,
  type FromItem,
  type InsertStatement,
  type ObjectName,
  type Select,
  type Setting,
  type SettingValue,
  type Statement,
  type TypeRef,
} from '../../src/sql/index.ts';

/** FUZZ_RUNS=<n> runs more cases locally. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
/** Per-input budget: the parser is linear, so even the largest generated input takes well under 1 ms. */
const INPUT_BUDGET_MS = 250;

// ---------------------------------------------------------------------------------------------
// Arbitraries for trees.

const awkwardNames = ['select', 'from', 'time', 'stream', 'Weird Name', '1a', 'a`b', 'a"b', 'ünï', 'NULL', 'end', 'x.y', 'a\\b'];
const name: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/) },
  { weight: 2, arbitrary: fc.constantFrom(...awkwardNames) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 6, unit: 'binary' }) },
);
const objectName: fc.Arbitrary<ObjectName> = fc
  .array(name, { minLength: 1, maxLength: 3 })
  .map((parts) => ({ kind: 'ObjectName', parts }));
const digits = fc.bigInt({ min: 0n, max: 1n << 70n }).map(String);

const typeRef: fc.Arbitrary<TypeRef> = fc.letrec<{ type: TypeRef }>((tie) => ({
  type: fc.record({
    kind: fc.constant('TypeRef' as const),
    name,
    args: fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      {
        weight: 1,
        arbitrary: fc.array(fc.oneof(fc.nat({ max: 1000 }), fc.string({ maxLength: 4 }), tie('type')), { maxLength: 2 }),
      },
    ),
  }),
})).type;

const settingValue: fc.Arbitrary<SettingValue> = fc.oneof(
  fc.bigInt({ min: -(1n << 63n), max: 1n << 64n }).map((n) => ({ kind: 'IntegerLiteral' as const, text: String(n) })),
  fc.tuple(fc.boolean(), fc.nat(), fc.nat()).map(([negative, a, b]) => ({
    kind: 'FloatLiteral' as const,
    text: `${negative ? '-' : ''}${a}.${b}`,
  })),
  fc.string({ unit: 'binary', maxLength: 10 }).map((value) => ({ kind: 'StringLiteral' as const, value })),
  fc.boolean().map((value) => ({ kind: 'BooleanLiteral' as const, value })),
  fc.constant({ kind: 'NullLiteral' as const }),
);
const setting: fc.Arbitrary<Setting> = fc.record({ kind: fc.constant('Setting' as const), name, value: settingValue });
const settings = fc.array(setting, { maxLength: 3 });

const exprLeaf: fc.Arbitrary<Expr> = fc.oneof(
  digits.map((text) => ({ kind: 'IntegerLiteral' as const, text })),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => ({ kind: 'FloatLiteral' as const, text: `${a}.${b}` })),
  fc.string({ unit: 'binary', maxLength: 10 }).map((value) => ({ kind: 'StringLiteral' as const, value })),
  fc.boolean().map((value) => ({ kind: 'BooleanLiteral' as const, value })),
  fc.constant({ kind: 'NullLiteral' as const }),
  fc.tuple(fc.nat(), fc.constantFrom(...DURATION_UNITS)).map(([amount, unit]) => ({
    kind: 'DurationLiteral' as const,
    amount: String(amount),
    unit,
  })),
  fc.array(name, { minLength: 1, maxLength: 3 }).map((parts) => ({ kind: 'ColumnRef' as const, parts })),
  fc.tuple(name, typeRef).map(([paramName, type]) => ({ kind: 'Parameter' as const, name: paramName, type })),
);

const BINARY_OPS = ['OR', 'AND', '=', '!=', '<', '<=', '>', '>=', '+', '-', '||', '*', '/', '%'] as const;

interface Trees {
  expr: Expr;
  select: Select;
}

const trees = fc.letrec<Trees>((tie) => {
  const expr = tie('expr') as fc.Arbitrary<Expr>;
  const selectTree = tie('select') as fc.Arbitrary<Select>;
  const exprs = (max: number) => fc.array(expr, { maxLength: max });
  return {
    expr: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'expr' },
      { weight: 6, arbitrary: exprLeaf },
      fc.record({ kind: fc.constant('Unary' as const), op: fc.constantFrom('-' as const, '+' as const, 'NOT' as const), operand: expr }),
      fc.record({ kind: fc.constant('Binary' as const), op: fc.constantFrom(...BINARY_OPS), left: expr, right: expr }),
      fc.record({ kind: fc.constant('In' as const), operand: expr, negated: fc.boolean(), list: exprs(3) }),
      fc.record({ kind: fc.constant('Between' as const), operand: expr, negated: fc.boolean(), low: expr, high: expr }),
      fc.record({
        kind: fc.constant('Like' as const),
        operand: expr,
        negated: fc.boolean(),
        caseInsensitive: fc.boolean(),
        pattern: expr,
      }),
      fc.record({ kind: fc.constant('IsNull' as const), operand: expr, negated: fc.boolean() }),
      fc.record({
        kind: fc.constant('Case' as const),
        operand: fc.option(expr, { nil: null }),
        whens: fc.array(fc.record({ kind: fc.constant('CaseWhen' as const), when: expr, then: expr }), { minLength: 1, maxLength: 2 }),
        else: fc.option(expr, { nil: null }),
      }),
      fc.record({ kind: fc.constant('Cast' as const), operand: expr, type: typeRef }),
      fc
        .record({ name, params: fc.option(exprs(2), { nil: null }), distinct: fc.boolean(), args: exprs(3) })
        .map(({ name: fn, params, distinct, args }) => ({
          kind: 'FunctionCall' as const,
          name: fn,
          params,
          distinct: distinct && args.length > 0,
          args,
        })),
      fc.constant<Expr>({
        kind: 'FunctionCall',
        name: 'count',
        params: null,
        distinct: false,
        args: [{ kind: 'Star', qualifier: [], deep: false }],
      }),
      fc.record({ kind: fc.constant('Subscript' as const), operand: expr, index: expr }),
      fc.record({ kind: fc.constant('Array' as const), items: exprs(3) }),
      fc
        .array(expr, { maxLength: 3 })
        .filter((items) => items.length !== 1)
        .map((items) => ({ kind: 'Tuple' as const, items })),
      fc.record({ kind: fc.constant('Interval' as const), value: expr, unit: fc.constantFrom(...INTERVAL_UNITS) }),
      fc.record({ kind: fc.constant('Subquery' as const), query: selectTree }),
    ),
    select: fc.record({
      kind: fc.constant('Select' as const),
      with: fc.oneof(
        { weight: 4, arbitrary: fc.constant([]) },
        fc.array(fc.record({ kind: fc.constant('WithExpr' as const), expr, name }), { minLength: 1, maxLength: 2 }),
      ),
      distinct: fc.boolean(),
      items: fc.array(
        fc.record({
          kind: fc.constant('SelectItem' as const),
          expr: fc.oneof({ weight: 5, arbitrary: expr }, fc.constant<Expr>({ kind: 'Star', qualifier: [], deep: false })),
          alias: fc.option(name, { nil: null }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
      from: fc.option(fromItem(expr, selectTree), { nil: null }),
      where: fc.option(expr, { nil: null }),
      groupBy: exprs(2),
      having: fc.option(expr, { nil: null }),
      emit: fc.option(
        fc.record({
          kind: fc.constant('Emit' as const),
          mode: fc.constantFrom(null, 'STREAM' as const, 'CHANGELOG' as const),
          policy: fc.oneof(
            fc.record({ kind: fc.constant('EmitPeriodic' as const), interval: expr, repeat: fc.boolean() }),
            fc.constant({ kind: 'EmitOnUpdate' as const }),
            fc.constant({ kind: 'EmitAfterWindowClose' as const }),
            fc.constant({ kind: 'EmitAfterWatermark' as const }),
          ),
        }),
        { nil: null },
      ),
      orderBy: fc.array(
        fc.record({
          kind: fc.constant('OrderItem' as const),
          expr,
          direction: fc.constantFrom(null, 'ASC' as const, 'DESC' as const),
          nulls: fc.constantFrom(null, 'FIRST' as const, 'LAST' as const),
        }),
        { maxLength: 2 },
      ),
      limit: fc.option(
        fc.record({ kind: fc.constant('Limit' as const), count: expr, offset: fc.option(expr, { nil: null }) }),
        { nil: null },
      ),
      settings,
      format: fc.constant(null),
    }),
  };
});

function fromItem(expr: fc.Arbitrary<Expr>, select: fc.Arbitrary<Select>): fc.Arbitrary<FromItem> {
  const alias = fc.option(name, { nil: null });
  const factor: fc.Arbitrary<FromItem> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('TableRef' as const), name: objectName, alias }) },
    fc.record({ kind: fc.constant('TableFunction' as const), name, args: fc.array(expr, { maxLength: 3 }), alias }),
    fc.record({ kind: fc.constant('SubqueryTable' as const), query: select, alias }),
  );
  return fc.oneof(
    { weight: 3, arbitrary: factor },
    fc.record({
      kind: fc.constant('Join' as const),
      type: fc.constantFrom('INNER' as const, 'LEFT' as const, 'RIGHT' as const, 'FULL' as const, 'CROSS' as const),
      left: factor,
      right: factor,
      on: fc.option(expr, { nil: null }),
      using: fc.array(name, { maxLength: 2 }),
    }).map((join) => (join.on === null ? join : { ...join, using: [] })),
  );
}

const topLevelQuery: fc.Arbitrary<Statement> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(trees.select, fc.option(name, { nil: null })).map(([s, format]) => ({ ...s, format })) },
  fc.array(trees.select, { minLength: 2, maxLength: 3 }).map((selects) => ({ kind: 'Union' as const, selects })),
);

const columnDef: fc.Arbitrary<ColumnDef> = fc.record({
  kind: fc.constant('ColumnDef' as const),
  name,
  type: typeRef,
  default: fc.option(trees.expr, { nil: null }),
  codec: fc.option(fc.array(trees.expr, { maxLength: 2 }), { nil: null }),
  comment: fc.option(fc.string({ maxLength: 6 }), { nil: null }),
});

const createStream: fc.Arbitrary<Statement> = fc.record({
  kind: fc.constantFrom('CreateStream' as const, 'CreateExternalStream' as const),
  name: objectName,
  ifNotExists: fc.boolean(),
  columns: fc.array(columnDef, { minLength: 1, maxLength: 3 }),
  settings,
}).map((s) => (s.kind === 'CreateExternalStream' && s.settings.length === 0 ? { ...s, settings: [{ kind: 'Setting' as const, name: 'type', value: { kind: 'StringLiteral' as const, value: 'x' } }] } : s));

const insert: fc.Arbitrary<InsertStatement> = fc.record({
  kind: fc.constant('Insert' as const),
  target: objectName,
  columns: fc.option(fc.array(name, { minLength: 1, maxLength: 3 }), { nil: null }),
  body: fc.oneof(
    fc.record({
      kind: fc.constant('InsertValues' as const),
      rows: fc.array(fc.array(trees.expr, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ kind: fc.constant('InsertFormat' as const), format: name, data: fc.string({ unit: 'binary', maxLength: 30 }) }),
    trees.select,
  ),
});

const statement: fc.Arbitrary<Statement> = fc.oneof(topLevelQuery, createStream, insert);

/** fc.record builds null-prototype objects; the parser builds plain ones. JSON keeps every value we generate. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

test('fuzz: parse(format(ast)) deep-equals ast for random trees', () => {
  fc.assert(
    fc.property(statement, (ast) => {
      const text = formatStatement(ast);
      let again: Statement;
      try {
        again = parseStatement(text);
      } catch (error) {
        // Trees deeper than SQL_EXPR_DEPTH_MAX are refused by design; these generators stay far below it.
        throw new Error(`formatted SQL does not parse: ${text}\n${String(error)}`);
      }
      assert.deepStrictEqual(again, plain(ast), text);
    }),
    { numRuns: RUNS },
  );
});

// ---------------------------------------------------------------------------------------------
// Robustness.

function parseNeverCrashes(sql: string): void {
  const start = performance.now();
  try {
    parseStatements(sql);
  } catch (error) {
    if (!(error instanceof DbError)) throw error;
    assert.ok(error.code === 'SYNTAX_ERROR' || error.code === 'LIMIT_EXCEEDED', error.message);
  }
  const elapsedMs = performance.now() - start;
  assert.ok(elapsedMs < INPUT_BUDGET_MS, `took ${elapsedMs} ms: ${JSON.stringify(sql.slice(0, 200))}`);
}

const SOUP = [
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'ORDER', 'LIMIT', 'EMIT', 'PERIODIC', 'SETTINGS', 'FORMAT', 'INSERT',
  'INTO', 'VALUES', 'CREATE', 'STREAM', 'EXTERNAL', 'MATERIALIZED', 'VIEW', 'AS', 'PIPE', 'WITH', 'SINK', 'SOURCE',
  'PIPESINK', 'TO', 'CASE', 'WHEN', 'THEN', 'END', 'CAST', 'INTERVAL', 'NOT', 'IN', 'IS', 'NULL', 'AND', 'OR',
  'BETWEEN', 'LIKE', 'UNION', 'ALL', 'JOIN', 'ON', 'USING', 'GRANT', 'SHOW', 'DROP', 'IF', 'EXISTS', 'root', 'a',
  's', 'db', '1', '5s', '1.5', "'x'", '`q`', '"d"', '(', ')', '[', ']', '{', '}', ',', ';', '.', '*', '**', '::',
  ':', '=', '<>', '+', '-', '/', '%', '||', '--', '/*', '*/', "'", '`', '\n',
];

test('fuzz: random text never crashes the parser', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), parseNeverCrashes), { numRuns: RUNS });
});

test('fuzz: token soup never crashes the parser', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...SOUP), { maxLength: 60 }), fc.boolean(), (tokens, spaced) => {
      parseNeverCrashes(tokens.join(spaced ? ' ' : ''));
    }),
    { numRuns: RUNS },
  );
});

test('fuzz: mutations of valid SQL never crash the parser', () => {
  const valid = fc.oneof(statement.map((ast) => formatStatement(ast)));
  const mutation = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.constantFrom(...SOUP)), { maxLength: 4 }));
  fc.assert(
    fc.property(mutation, ([sql, edits]) => {
      let text = sql;
      for (const [position, deleteCount, insertText] of edits) {
        const at = text.length === 0 ? 0 : position % text.length;
        text = text.slice(0, at) + insertText + text.slice(at + deleteCount);
      }
      parseNeverCrashes(text);
    }),
    { numRuns: RUNS },
  );
});
