// Every statement form of the grammar: the tree each one parses to, and the round trip
// parse(format(ast)) = ast (support.ts applies it to every parse here). Grouped by statement.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatStatement,
  parseStatement,
  parseStatements,
  type Expr,
  type Select,
  type Statement,
} from '../../../src/sql/index.ts';
import { parseOne } from './support.ts';

function select(sql: string): Select {
  const statement = parseOne(sql);
  assert.equal(statement.kind, 'Select');
  return statement as Select;
}

function name(...parts: string[]) {
  return { kind: 'ObjectName', parts };
}

const col = (...parts: string[]): Expr => ({ kind: 'ColumnRef', parts });
const int = (text: string): Expr => ({ kind: 'IntegerLiteral', text });
const str = (value: string) => ({ kind: 'StringLiteral', value }) as const;

test('databases: CREATE/DROP DATABASE [IF [NOT] EXISTS], IoTDB paths, USE', () => {
  assert.deepEqual(parseOne('CREATE DATABASE db'), { kind: 'CreateDatabase', name: 'db', ifNotExists: false });
  assert.deepEqual(parseOne('create database if not exists root.vehicle'), {
    kind: 'CreateDatabase',
    name: 'root.vehicle',
    ifNotExists: true,
  });
  assert.deepEqual(parseOne('DROP DATABASE IF EXISTS root.sg'), { kind: 'DropDatabase', name: 'root.sg', ifExists: true });
  assert.deepEqual(parseOne('DROP DATABASE db'), { kind: 'DropDatabase', name: 'db', ifExists: false });
  assert.deepEqual(parseOne('USE `my db`'), { kind: 'Use', database: 'my db' });
  assert.deepEqual(parseOne('SHOW DATABASES'), { kind: 'ShowDatabases' });
});

test('streams: CREATE STREAM with types, DEFAULT, COMMENT, CODEC and SETTINGS', () => {
  const statement = parseOne(`CREATE STREAM IF NOT EXISTS db.s (
    id int64,
    v nullable(float64) DEFAULT 0.5,
    tags array(string),
    price decimal(10, 2) COMMENT 'in cents',
    _tp_time datetime64(3, 'UTC') DEFAULT now64(3, 'UTC') CODEC(DoubleDelta, LZ4)
  ) SETTINGS logstore_retention_ms = -1, mode = 'append', flag = true, ratio = 1.5, nothing = null`);
  assert.ok(statement.kind === 'CreateStream');
  assert.deepEqual(statement.name, name('db', 's'));
  assert.equal(statement.ifNotExists, true);
  assert.deepEqual(
    statement.columns.map((c) => c.type),
    [
      { kind: 'TypeRef', name: 'int64', args: [] },
      { kind: 'TypeRef', name: 'nullable', args: [{ kind: 'TypeRef', name: 'float64', args: [] }] },
      { kind: 'TypeRef', name: 'array', args: [{ kind: 'TypeRef', name: 'string', args: [] }] },
      { kind: 'TypeRef', name: 'decimal', args: [10, 2] },
      { kind: 'TypeRef', name: 'datetime64', args: [3, 'UTC'] },
    ],
  );
  assert.deepEqual(statement.columns[1]!.default, { kind: 'FloatLiteral', text: '0.5' });
  assert.equal(statement.columns[3]!.comment, 'in cents');
  assert.deepEqual(statement.columns[4]!.codec, [col('DoubleDelta'), col('LZ4')]);
  assert.deepEqual(statement.settings, [
    { kind: 'Setting', name: 'logstore_retention_ms', value: { kind: 'IntegerLiteral', text: '-1' } },
    { kind: 'Setting', name: 'mode', value: str('append') },
    { kind: 'Setting', name: 'flag', value: { kind: 'BooleanLiteral', value: true } },
    { kind: 'Setting', name: 'ratio', value: { kind: 'FloatLiteral', text: '1.5' } },
    { kind: 'Setting', name: 'nothing', value: { kind: 'NullLiteral' } },
  ]);
  assert.deepEqual(parseOne('DROP STREAM IF EXISTS db.s'), { kind: 'DropStream', name: name('db', 's'), ifExists: true });
  assert.deepEqual(parseOne('drop stream s'), { kind: 'DropStream', name: name('s'), ifExists: false });
});

test('external streams: columns optional, SETTINGS required', () => {
  const withColumns = parseOne("CREATE EXTERNAL STREAM IF NOT EXISTS k (raw string) SETTINGS type='kafka', brokers='b:9092'");
  assert.ok(withColumns.kind === 'CreateExternalStream');
  assert.equal(withColumns.columns.length, 1);
  const without = parseOne("CREATE EXTERNAL STREAM remote SETTINGS type='timeplus', hosts='h1:8463,h2:8463', secure=false");
  assert.ok(without.kind === 'CreateExternalStream');
  assert.deepEqual(without.columns, []);
  assert.equal(without.settings.length, 3);
  assert.throws(() => parseStatement('CREATE EXTERNAL STREAM remote'), /expected SETTINGS, found end of input/);
});

test('views: [OR REPLACE] [MATERIALIZED] VIEW [IF NOT EXISTS] v [INTO t] AS …, DROP VIEW, SYSTEM', () => {
  const view = parseOne('CREATE OR REPLACE MATERIALIZED VIEW IF NOT EXISTS db.v INTO db.t AS SELECT a FROM s');
  assert.ok(view.kind === 'CreateView');
  assert.deepEqual(
    { ...view, query: null },
    {
      kind: 'CreateView',
      materialized: true,
      orReplace: true,
      ifNotExists: true,
      name: name('db', 'v'),
      into: name('db', 't'),
      query: null,
    },
  );
  const plain = parseOne('CREATE VIEW v AS SELECT 1 UNION ALL SELECT 2');
  assert.ok(plain.kind === 'CreateView' && !plain.materialized && plain.into === null && plain.query.kind === 'Union');
  assert.deepEqual(parseOne('DROP VIEW IF EXISTS v'), { kind: 'DropView', name: name('v'), ifExists: true });
  assert.deepEqual(parseStatement('DROP MATERIALIZED VIEW v'), { kind: 'DropView', name: name('v'), ifExists: false });
  for (const action of ['PAUSE', 'UNPAUSE', 'RESUME'] as const) {
    assert.deepEqual(parseOne(`system ${action.toLowerCase()} materialized view db.v`), {
      kind: 'SystemView',
      action,
      name: name('db', 'v'),
    });
  }
});

test('SHOW STREAMS / SHOW CREATE / DESCRIBE', () => {
  assert.deepEqual(parseOne('SHOW STREAMS'), { kind: 'ShowStreams', database: null });
  assert.deepEqual(parseOne('SHOW STREAMS FROM root.vehicle'), { kind: 'ShowStreams', database: 'root.vehicle' });
  assert.deepEqual(parseOne('SHOW CREATE s'), { kind: 'ShowCreate', objectType: null, name: name('s') });
  assert.deepEqual(parseOne('SHOW CREATE STREAM db.s'), { kind: 'ShowCreate', objectType: 'STREAM', name: name('db', 's') });
  assert.deepEqual(parseOne('SHOW CREATE MATERIALIZED VIEW v'), {
    kind: 'ShowCreate',
    objectType: 'MATERIALIZED VIEW',
    name: name('v'),
  });
  assert.deepEqual(parseOne('SHOW CREATE EXTERNAL STREAM e').kind, 'ShowCreate');
  assert.deepEqual(parseOne('SHOW CREATE USER u'), { kind: 'ShowCreate', objectType: 'USER', name: name('u') });
  // A type word right before the end is the object's name.
  assert.deepEqual(parseOne('SHOW CREATE stream'), { kind: 'ShowCreate', objectType: null, name: name('stream') });
  assert.deepEqual(parseOne('DESCRIBE STREAM db.s'), { kind: 'Describe', name: name('db', 's') });
  assert.deepEqual(parseOne('desc s'), { kind: 'Describe', name: name('s') });
  assert.deepEqual(parseOne('DESCRIBE stream'), { kind: 'Describe', name: name('stream') });
});

test('INSERT: VALUES, column lists, SELECT, IoTDB paths and now()', () => {
  const values = parseOne("INSERT INTO db.s (a, b) VALUES (1, 'x'), (-2, NULL)");
  assert.ok(values.kind === 'Insert');
  assert.deepEqual(values.target, name('db', 's'));
  assert.deepEqual(values.columns, ['a', 'b']);
  assert.deepEqual(values.body, {
    kind: 'InsertValues',
    rows: [
      [int('1'), str('x')],
      [{ kind: 'Unary', op: '-', operand: int('2') }, { kind: 'NullLiteral' }],
    ],
  });
  const noCommas = parseStatement('INSERT INTO s VALUES (1) (2)');
  assert.ok(noCommas.kind === 'Insert' && noCommas.body.kind === 'InsertValues' && noCommas.body.rows.length === 2);
  const fromSelect = parseOne('INSERT INTO t SELECT * FROM table(s)');
  assert.ok(fromSelect.kind === 'Insert' && fromSelect.body.kind === 'Select' && fromSelect.columns === null);
  const withQuery = parseOne('INSERT INTO t (a) WITH 1 AS one SELECT one');
  assert.ok(withQuery.kind === 'Insert' && withQuery.body.kind === 'Select');
  const iotdb = parseOne('INSERT INTO root.aligned.1TS(time, s1) VALUES (1706704494000, 1.5)');
  assert.ok(iotdb.kind === 'Insert');
  assert.deepEqual(iotdb.target, name('root', 'aligned', '1TS'));
});

test('INSERT … FORMAT keeps the format name and the raw data, which may contain anything', () => {
  const json = parseOne('INSERT INTO s FORMAT JSONEachRow {"a": 1}\n{"a": 2}');
  assert.deepEqual(json, {
    kind: 'Insert',
    target: name('s'),
    columns: null,
    body: { kind: 'InsertFormat', format: 'JSONEachRow', data: '{"a": 1}\n{"a": 2}' },
  });
  const csv = parseStatements("insert into s (a, b) format CSV\n1,'O'Brien\n2,\"x;y\";\n");
  assert.equal(csv.length, 1);
  assert.deepEqual(csv[0], {
    kind: 'Insert',
    target: name('s'),
    columns: ['a', 'b'],
    body: { kind: 'InsertFormat', format: 'CSV', data: "1,'O'Brien\n2,\"x;y\";\n" },
  });
  const tsv = parseOne('INSERT INTO s FORMAT TabSeparated\r\n\t1\t2\n');
  assert.ok(tsv.kind === 'Insert' && tsv.body.kind === 'InsertFormat');
  assert.equal(tsv.body.data, '\t1\t2\n');
  const empty = parseOne('INSERT INTO s FORMAT CSV');
  assert.ok(empty.kind === 'Insert' && empty.body.kind === 'InsertFormat' && empty.body.data === '');
  // Earlier statements are unaffected.
  assert.deepEqual(
    parseStatements('SELECT 1; INSERT INTO s FORMAT CSV\n1\n').map((s) => s.kind),
    ['Select', 'Insert'],
  );
});

test('SELECT: every clause', () => {
  const s = select(
    'WITH 10 AS n, recent AS (SELECT * FROM s WHERE x > 1) ' +
      'SELECT DISTINCT a, count(*) AS c, b x FROM recent AS r ' +
      'WHERE a > n GROUP BY a, b HAVING c > 1 EMIT PERIODIC 1s ' +
      'ORDER BY a DESC NULLS FIRST, b ASC, c NULLS LAST LIMIT 10 OFFSET 5 SETTINGS seek_to = \'earliest\' FORMAT JSONEachRow',
  );
  assert.deepEqual(
    s.with.map((w) => w.kind),
    ['WithExpr', 'CommonTableExpr'],
  );
  assert.equal(s.distinct, true);
  assert.deepEqual(
    s.items.map((i) => i.alias),
    [null, 'c', 'x'],
  );
  assert.deepEqual(s.from, { kind: 'TableRef', name: name('recent'), alias: 'r' });
  assert.equal(s.groupBy.length, 2);
  assert.ok(s.having !== null);
  assert.deepEqual(s.emit, {
    kind: 'Emit',
    mode: null,
    policy: { kind: 'EmitPeriodic', interval: { kind: 'DurationLiteral', amount: '1', unit: 's' }, repeat: false },
  });
  assert.deepEqual(
    s.orderBy.map((o) => [o.direction, o.nulls]),
    [
      ['DESC', 'FIRST'],
      ['ASC', null],
      [null, 'LAST'],
    ],
  );
  assert.deepEqual(s.limit, { kind: 'Limit', count: int('10'), offset: int('5') });
  assert.deepEqual(s.settings, [{ kind: 'Setting', name: 'seek_to', value: str('earliest') }]);
  assert.equal(s.format, 'JSONEachRow');
});

test('SELECT: LIMIT m, n is LIMIT n OFFSET m', () => {
  assert.deepEqual(select('SELECT a FROM s LIMIT 5, 10').limit, { kind: 'Limit', count: int('10'), offset: int('5') });
  assert.deepEqual(select('SELECT a FROM s LIMIT 3').limit, { kind: 'Limit', count: int('3'), offset: null });
});

test('SELECT: FROM forms — db.s AS a, subqueries, table functions, joins', () => {
  assert.deepEqual(select('SELECT * FROM db.s AS a').from, { kind: 'TableRef', name: name('db', 's'), alias: 'a' });
  assert.deepEqual(select('SELECT * FROM db.s a').from, { kind: 'TableRef', name: name('db', 's'), alias: 'a' });
  assert.deepEqual(select('SELECT * FROM table(s)').from, { kind: 'TableFunction', name: 'table', args: [col('s')], alias: null });
  assert.deepEqual(select('SELECT * FROM tumble(s, 5s)').from, {
    kind: 'TableFunction',
    name: 'tumble',
    args: [col('s'), { kind: 'DurationLiteral', amount: '5', unit: 's' }],
    alias: null,
  });
  assert.deepEqual(select('SELECT * FROM tumble(s, ts_col, INTERVAL 5 SECOND)').from, {
    kind: 'TableFunction',
    name: 'tumble',
    args: [col('s'), col('ts_col'), { kind: 'Interval', value: int('5'), unit: 'SECOND' }],
    alias: null,
  });
  const hop = select('SELECT window_start, count() FROM hop(db.s, 1s, 5s) GROUP BY window_start').from;
  assert.ok(hop?.kind === 'TableFunction' && hop.args.length === 3);
  assert.deepEqual(hop.args[0], col('db', 's'));
  assert.ok(select('SELECT * FROM session(s, 5s) AS w').from?.kind === 'TableFunction');
  const sub = select('SELECT x FROM (SELECT a AS x FROM s) AS t').from;
  assert.ok(sub?.kind === 'SubqueryTable' && sub.alias === 't');
  const join = select('SELECT * FROM a LEFT OUTER JOIN b ON a.id = b.id JOIN c USING (id) CROSS JOIN d, e').from;
  assert.ok(join?.kind === 'Join' && join.type === 'CROSS');
  assert.ok(join.left.kind === 'Join' && join.left.type === 'CROSS');
  assert.ok(join.left.left.kind === 'Join' && join.left.left.type === 'INNER');
  assert.deepEqual(join.left.left.using, ['id']);
  assert.ok(join.left.left.left.kind === 'Join' && join.left.left.left.type === 'LEFT');
});

test('SELECT: stars, deep star, qualified stars', () => {
  assert.deepEqual(select('SELECT * FROM s').items[0]!.expr, { kind: 'Star', qualifier: [], deep: false });
  assert.deepEqual(select('SELECT s.*, db.s.* FROM db.s').items.map((i) => i.expr), [
    { kind: 'Star', qualifier: ['s'], deep: false },
    { kind: 'Star', qualifier: ['db', 's'], deep: false },
  ]);
  assert.deepEqual(select('select ** from root').items[0]!.expr, { kind: 'Star', qualifier: [], deep: true });
});

test('SELECT: UNION ALL, with FORMAT and SETTINGS on the last select', () => {
  const union = parseOne('SELECT a FROM s UNION ALL SELECT a FROM t SETTINGS x = 1 FORMAT CSV');
  assert.ok(union.kind === 'Union');
  assert.equal(union.selects.length, 2);
  assert.equal(union.selects[0]!.format, null);
  assert.equal(union.selects[1]!.format, 'CSV');
  assert.equal(union.selects[1]!.settings.length, 1);
  assert.throws(() => parseStatement('SELECT 1 UNION SELECT 2'), /expected ALL, found 'SELECT'/);
});

test('SELECT: EMIT forms', () => {
  const emits = [
    'EMIT STREAM',
    'EMIT CHANGELOG',
    'EMIT STREAM PERIODIC 2s REPEAT',
    'EMIT PERIODIC INTERVAL 1 SECOND',
    'EMIT ON UPDATE',
    'EMIT AFTER WINDOW CLOSE',
    'EMIT AFTER WATERMARK',
  ];
  for (const emit of emits) assert.ok(select(`SELECT count() FROM s ${emit}`).emit !== null, emit);
  // Also accepted after LIMIT.
  assert.ok(select('SELECT a FROM s LIMIT 1 EMIT PERIODIC 1s').emit !== null);
});

test('pipes: CREATE PIPE sections, synonyms, any order, IF NOT EXISTS', () => {
  const pipe = parseOne(
    "CREATE PIPE IF NOT EXISTS p WITH EXTRACTOR ('extractor' = 'iotdb-extractor') WITH CONNECTOR ('connector' = 'iotdb-thrift-connector', 'connector.port' = 6667)",
  );
  assert.deepEqual(pipe, {
    kind: 'CreatePipe',
    name: 'p',
    ifNotExists: true,
    source: [{ kind: 'Setting', name: 'extractor', value: str('iotdb-extractor') }],
    processor: null,
    sink: [
      { kind: 'Setting', name: 'connector', value: str('iotdb-thrift-connector') },
      { kind: 'Setting', name: 'connector.port', value: int('6667') },
    ],
  });
  const reordered = parseStatement("CREATE PIPE p WITH SINK ('sink'='x') WITH SOURCE ('source'='y')");
  assert.ok(reordered.kind === 'CreatePipe' && reordered.source !== null);
  assert.throws(() => parseStatement("CREATE PIPE p WITH SOURCE ('a'='b')"), /expected WITH SINK, found end of input/);
  assert.throws(() => parseStatement("CREATE PIPE p WITH SINK ('a'='b') WITH SINK ('a'='b')"), /expected SOURCE, PROCESSOR or SINK/);
  assert.deepEqual(parseOne('START PIPE p'), { kind: 'PipeAction', action: 'START', name: 'p' });
  assert.deepEqual(parseOne('stop pipe p'), { kind: 'PipeAction', action: 'STOP', name: 'p' });
  assert.deepEqual(parseOne('DROP PIPE IF EXISTS p'), { kind: 'DropPipe', name: 'p', ifExists: true });
  assert.deepEqual(parseOne('SHOW PIPES WHERE SINK USED BY p'), { kind: 'ShowPipes', sinkUsedBy: 'p' });
  assert.deepEqual(parseOne('SHOW PIPE p'), { kind: 'ShowPipe', name: 'p' });
  assert.deepEqual(parseOne('SHOW PIPEPLUGINS'), { kind: 'ShowPipePlugins' });
});

test('sync tool: PIPESINK statements and CREATE PIPE … TO', () => {
  assert.deepEqual(parseOne("CREATE PIPESINK s AS IoTDB (ip='10.0.0.1', port=6667)"), {
    kind: 'CreatePipeSink',
    name: 's',
    sinkType: 'IoTDB',
    attributes: [
      { kind: 'Setting', name: 'ip', value: str('10.0.0.1') },
      { kind: 'Setting', name: 'port', value: int('6667') },
    ],
  });
  assert.deepEqual(parseOne('DROP PIPESINK s'), { kind: 'DropPipeSink', name: 's' });
  assert.deepEqual(parseOne('SHOW PIPESINKS'), { kind: 'ShowPipeSinks' });
  assert.deepEqual(parseOne('SHOW PIPESINK s'), { kind: 'ShowPipeSink', name: 's' });
  assert.deepEqual(parseStatement('SHOW PIPESINK'), { kind: 'ShowPipeSinks' });
  assert.deepEqual(parseOne('SHOW PIPESINKTYPE'), { kind: 'ShowPipeSinkType' });
  const legacy = parseOne("CREATE PIPE p TO s FROM (select ** from root where time >= '2022-03-30 00:00:00') WITH SyncDelOp = false");
  assert.ok(legacy.kind === 'CreateLegacyPipe');
  assert.equal(legacy.sink, 's');
  assert.ok(legacy.from !== null && legacy.from.where !== null);
  assert.deepEqual(legacy.settings, [{ kind: 'Setting', name: 'SyncDelOp', value: { kind: 'BooleanLiteral', value: false } }]);
});

test('users and grants', () => {
  assert.deepEqual(parseOne("CREATE USER IF NOT EXISTS alice IDENTIFIED BY 'pw'"), {
    kind: 'CreateUser',
    name: 'alice',
    ifNotExists: true,
    password: 'pw',
    authMethod: null,
  });
  assert.deepEqual(parseOne("CREATE USER bob IDENTIFIED WITH sha256_password BY 'x'"), {
    kind: 'CreateUser',
    name: 'bob',
    ifNotExists: false,
    password: 'x',
    authMethod: 'sha256_password',
  });
  assert.deepEqual(parseStatement("CREATE USER carol 'pw'"), {
    kind: 'CreateUser',
    name: 'carol',
    ifNotExists: false,
    password: 'pw',
    authMethod: null,
  });
  assert.deepEqual(parseOne('CREATE USER dave'), { kind: 'CreateUser', name: 'dave', ifNotExists: false, password: null, authMethod: null });
  assert.deepEqual(parseOne("ALTER USER alice IDENTIFIED BY 'new'"), {
    kind: 'AlterUser',
    name: 'alice',
    password: 'new',
    authMethod: null,
  });
  assert.deepEqual(parseStatement("ALTER USER alice SET PASSWORD 'new'"), {
    kind: 'AlterUser',
    name: 'alice',
    password: 'new',
    authMethod: null,
  });
  assert.deepEqual(parseOne('DROP USER IF EXISTS alice'), { kind: 'DropUser', name: 'alice', ifExists: true });
  assert.deepEqual(parseOne('GRANT SELECT, INSERT ON *.* TO alice, bob'), {
    kind: 'Grant',
    privileges: ['SELECT', 'INSERT'],
    on: { kind: 'GrantAll' },
    users: ['alice', 'bob'],
  });
  assert.deepEqual(parseOne('grant all privileges on db.* to alice'), {
    kind: 'Grant',
    privileges: ['ALL'],
    on: { kind: 'GrantDatabase', database: 'db' },
    users: ['alice'],
  });
  assert.deepEqual(parseOne('GRANT USE_PIPE, CREATE, DROP ON root.sg.* TO USER alice').kind, 'Grant');
  assert.deepEqual(parseOne('REVOKE SELECT ON db.s FROM alice'), {
    kind: 'Revoke',
    privileges: ['SELECT'],
    on: { kind: 'GrantObject', name: name('db', 's') },
    users: ['alice'],
  });
  assert.throws(() => parseStatement('GRANT WRITE ON *.* TO a'), /expected privilege \(SELECT, INSERT, CREATE, DROP, USE_PIPE or ALL\), found 'WRITE'/);
});

test('IoTDB: CREATE TIMESERIES both forms, FLUSH, backquoted and digit-leading path nodes', () => {
  assert.deepEqual(parseStatement('CREATE TIMESERIES root.ln.wf01.wt01.temperature FLOAT encoding=RLE, compressor=SNAPPY'), {
    kind: 'CreateTimeseries',
    path: name('root', 'ln', 'wf01', 'wt01', 'temperature'),
    dataType: 'FLOAT',
    options: [
      { kind: 'TimeseriesOption', key: 'ENCODING', value: 'RLE' },
      { kind: 'TimeseriesOption', key: 'COMPRESSOR', value: 'SNAPPY' },
    ],
  });
  assert.deepEqual(parseOne('FLUSH'), { kind: 'Flush' });
  const paths = select('SELECT ** FROM root.aligned.`1`').from;
  assert.deepEqual(paths, { kind: 'TableRef', name: name('root', 'aligned', '1'), alias: null });
  assert.deepEqual(select('SELECT s FROM root.sg.1.5.100TS.5s.`a@b`').from, {
    kind: 'TableRef',
    name: name('root', 'sg', '1', '5', '100TS', '5s', 'a@b'),
    alias: null,
  });
});

test('statements separated by semicolons; empty statements skipped', () => {
  const statements = parseStatements(';; SELECT 1;\n\n-- comment\nSHOW STREAMS ; ;');
  assert.deepEqual(
    statements.map((s) => s.kind),
    ['Select', 'ShowStreams'],
  );
  assert.deepEqual(parseStatements(''), []);
  assert.deepEqual(parseStatements(' -- only a comment\n /* and another */ '), []);
  assert.throws(() => parseStatement('SELECT 1; SELECT 2'), /expected end of input \(one statement expected\), found 'SELECT'/);
  assert.throws(() => parseStatement(''), /expected a statement/);
  assert.deepEqual(parseStatement('SELECT 1;').kind, 'Select');
});

test('keywords are case-insensitive; names keep their case', () => {
  const variants = ['select A from S where B > 1', 'SELECT A FROM S WHERE B > 1', 'SeLeCt A fRoM S wHeRe B > 1'];
  const trees = variants.map((sql) => parseOne(sql));
  assert.deepEqual(trees[0], trees[1]);
  assert.deepEqual(trees[1], trees[2]);
  const s = trees[0] as Select;
  assert.deepEqual(s.items[0]!.expr, col('A'));
  assert.deepEqual(
    parseOne('create Materialized view V into T as select 1'),
    parseOne('CREATE MATERIALIZED VIEW V INTO T AS SELECT 1'),
  );
});

test('quoted identifiers: backquotes and double quotes, keywords as names', () => {
  const s = select('SELECT `select`, "from", `a``b`, "c""d", `e\\`f` FROM `my stream` AS `t t`');
  assert.deepEqual(
    s.items.map((i) => i.expr),
    [col('select'), col('from'), col('a`b'), col('c"d'), col('e`f')],
  );
  assert.deepEqual(s.from, { kind: 'TableRef', name: name('my stream'), alias: 't t' });
  // Words that are keywords only elsewhere are plain names here.
  assert.deepEqual(
    select('SELECT time, timestamp, type, stream, pipe, user FROM s').items.map((i) => i.expr),
    ['time', 'timestamp', 'type', 'stream', 'pipe', 'user'].map((n) => col(n)),
  );
});

test('redaction: passwords in settings, pipe attributes and users print as ******', () => {
  const statements: Statement[] = parseStatements(
    "CREATE EXTERNAL STREAM e SETTINGS type='timeplus', hosts='h', password='s3cret';" +
      "CREATE PIPE p WITH SINK ('sink'='iotdb-legacy-pipe-sink', 'sink.password'='s3cret');" +
      "CREATE USER u IDENTIFIED BY 's3cret';" +
      "ALTER USER u IDENTIFIED BY 's3cret'",
  );
  for (const statement of statements) {
    const redacted = formatStatement(statement, { redactSecrets: true });
    assert.ok(!redacted.includes('s3cret'), redacted);
    assert.ok(redacted.includes("'******'"), redacted);
    assert.ok(formatStatement(statement).includes('s3cret'));
  }
  assert.equal(
    formatStatement(statements[0]!, { redactSecrets: true }),
    "CREATE EXTERNAL STREAM e SETTINGS type = 'timeplus', hosts = 'h', password = '******'",
  );
});

test('formatter output is readable SQL', () => {
  const cases: [string, string][] = [
    ['select a,b from s where x>1 and y<2', 'SELECT a, b FROM s WHERE x > 1 AND y < 2'],
    ['select (a+b)*c, a+(b*c), a-(b-c), (a-b)-c from s', 'SELECT (a + b) * c, a + b * c, a - (b - c), a - b - c FROM s'],
    ['select not (a and b), (not a) and b', 'SELECT NOT (a AND b), NOT a AND b'],
    ["create stream s (a int32, b string) settings mode='append'", "CREATE STREAM s (a int32, b string) SETTINGS mode = 'append'"],
    ['select `select` from `from`', 'SELECT `select` FROM `from`'],
    ["select 'it''s', 'a\\nb'", "SELECT 'it\\'s', 'a\\nb'"],
    ['select x::nullable(int32)', 'SELECT CAST(x AS nullable(int32))'],
    ['select - -1, -(-1), - - -a', 'SELECT - -1, - -1, - - -a'],
  ];
  for (const [input, output] of cases) assert.equal(formatStatement(parseOne(input)), output);
});
