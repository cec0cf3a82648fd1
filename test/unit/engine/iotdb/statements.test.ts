// IoTDB statements on an embedded node (src/engine/statements/iotdb.ts): the sync tool seed's
// example with a moving clock (the seed's six aligned rows), the aligned result's columns,
// automatic schema creation on and off, measurements added to devices with stored data (also
// across a reopen), concurrent inserts creating measurements, privileges, positions in multi-
// statement text, and FLUSH.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../../../src/core/clock.ts';
import { isDbError } from '../../../../src/core/errors.ts';
import { type TributaryNode, openNode } from '../../../../src/engine/node.ts';
import { tabSeparatedRow } from '../../../../src/engine/format/text-values.ts';
import { formatDataType } from '../../../../src/types/data-type.ts';
import { makeBatch } from '../../../../src/types/batch.ts';
import { vectorFromValues } from '../../../../src/types/vector.ts';
import { tempDir } from '../../../support/temp-dir.ts';

const SEED_SCHEMA = `CREATE DATABASE root.vehicle;
CREATE TIMESERIES root.vehicle.d0.s0 WITH DATATYPE=INT32, ENCODING=RLE;
CREATE TIMESERIES root.vehicle.d0.s1 WITH DATATYPE=TEXT, ENCODING=PLAIN;
CREATE TIMESERIES root.vehicle.d1.s2 WITH DATATYPE=FLOAT, ENCODING=RLE;
CREATE TIMESERIES root.vehicle.d1.s3 WITH DATATYPE=BOOLEAN, ENCODING=PLAIN;`;

const SEED_INSERTS = [
  'insert into root.vehicle.d0(timestamp,s0) values(now(),10);',
  "insert into root.vehicle.d0(timestamp,s0,s1) values(now(),12,'12');",
  "insert into root.vehicle.d0(timestamp,s1) values(now(),'14');",
  'insert into root.vehicle.d1(timestamp,s2) values(now(),16.0);',
  'insert into root.vehicle.d1(timestamp,s2,s3) values(now(),18.0,true);',
  'insert into root.vehicle.d1(timestamp,s3) values(now(),false);',
];

/** The seed's times (2022-04-03T20:08:17.127+08:00 …): the clock moves between the inserts. */
const SEED_TIMES = ['12:08:17.127', '12:08:17.358', '12:08:17.393', '12:08:17.538', '12:08:17.753', '12:08:18.263'].map((t) => Date.parse(`2022-04-03T${t}Z`));

async function rows(node: TributaryNode, sql: string): Promise<{ names: string[]; types: string[]; lines: string[] }> {
  const { schema, rows } = await node.query(sql);
  return { names: schema.map((c) => c.name), types: schema.map((c) => formatDataType(c.type)), lines: rows.map((row) => tabSeparatedRow(schema, row)) };
}

async function rejects(run: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(run, (error: Error) => isDbError(error) && error.code === code && message.test(error.message));
}

test('the sync tool seed: one aligned row per time, a column per series, NULL where a series has no point', async () => {
  const clock = new ManualClock(SEED_TIMES[0]);
  const node = await openNode({ dataDir: tempDir(), clock });
  try {
    await node.executeAll(SEED_SCHEMA);
    for (let i = 0; i < SEED_INSERTS.length; i++) {
      clock.advance(SEED_TIMES[i] - clock.nowMs());
      await node.execute(SEED_INSERTS[i]);
    }
    await node.execute('flush;');
    const result = await rows(node, 'select ** from root.vehicle');
    assert.deepEqual(result.names, ['Time', 'root.vehicle.d0.s0', 'root.vehicle.d0.s1', 'root.vehicle.d1.s2', 'root.vehicle.d1.s3']);
    assert.deepEqual(result.types, ["datetime64(3, 'UTC')", 'nullable(int32)', 'nullable(string)', 'nullable(float32)', 'nullable(bool)']);
    assert.deepEqual(result.lines, [
      '2022-04-03 12:08:17.127\t10\t\\N\t\\N\t\\N',
      '2022-04-03 12:08:17.358\t12\t12\t\\N\t\\N',
      '2022-04-03 12:08:17.393\t\\N\t14\t\\N\t\\N',
      '2022-04-03 12:08:17.538\t\\N\t\\N\t16\t\\N',
      '2022-04-03 12:08:17.753\t\\N\t\\N\t18\ttrue',
      '2022-04-03 12:08:18.263\t\\N\t\\N\t\\N\tfalse',
    ]);
    // Selectors: a path, `*` one level down, aliases; the columns follow the selectors.
    assert.deepEqual((await rows(node, 'select s1, s0 as zero from root.vehicle.d0')).names, ['Time', 'root.vehicle.d0.s1', 'zero']);
    assert.deepEqual((await rows(node, 'select * from root.vehicle')).names, ['Time']);
    assert.deepEqual((await rows(node, 'select d1.*, d0.s0 from root.vehicle')).names, ['Time', 'root.vehicle.d1.s2', 'root.vehicle.d1.s3', 'root.vehicle.d0.s0']);
    // The same data read with Tributary SQL.
    assert.deepEqual((await rows(node, 'SELECT s0, s1 FROM table(root.vehicle.d0) ORDER BY _tp_time')).lines, ['10\t\\N', '12\t12', '\\N\t14']);
  } finally {
    await node.close();
  }
});

test('with automatic schema creation off, inserts need the schema and failures change nothing', async () => {
  const node = await openNode({ dataDir: tempDir(), clock: new ManualClock(1_000), autoCreateSchema: false });
  try {
    await rejects(node.execute('INSERT INTO root.db.d(time, m) values (1, 1)'), 'DATABASE_NOT_FOUND', /no database holds device root\.db\.d and automatic schema creation is off/);
    await rejects(node.execute('CREATE TIMESERIES root.db.d.m WITH DATATYPE=INT64'), 'DATABASE_NOT_FOUND', /CREATE DATABASE root\.db first/);
    assert.deepEqual((await rows(node, 'SHOW DATABASES')).lines, ['default']);
    await node.execute('CREATE DATABASE root.db');
    await rejects(node.execute('INSERT INTO root.db.d(time, m) values (1, 1)'), 'OBJECT_NOT_FOUND', /line 1, column 29: timeseries root\.db\.d\.m does not exist/);
    assert.deepEqual((await rows(node, 'SHOW STREAMS FROM root.db')).lines, []);
    await node.execute('CREATE TIMESERIES root.db.d.m WITH DATATYPE=INT64');
    await node.execute('INSERT INTO root.db.d(time, m) values (1, 1), (2, 2)');
    await rejects(node.execute('INSERT INTO root.db.d(time, m, n) values (3, 3, 3)'), 'OBJECT_NOT_FOUND', /root\.db\.d\.n does not exist/);
    assert.deepEqual((await rows(node, 'SELECT ** FROM root')).lines, ['1970-01-01 00:00:00.001\t1', '1970-01-01 00:00:00.002\t2']);
  } finally {
    await node.close();
  }
});

test('a measurement added to a device with stored data reads NULL in the old rows, also after a reopen', async () => {
  const dataDir = tempDir();
  let node = await openNode({ dataDir, clock: new ManualClock(1_000) });
  try {
    await node.execute('INSERT INTO root.sg.d(time, a) values (1, 1), (2, 2)');
    await node.execute("INSERT INTO root.sg.d(time, b) values (3, 'x')");
    await node.execute('CREATE TIMESERIES root.sg.d.c WITH DATATYPE=INT32');
    // A writer that learnt the columns before c was added (a view, a client) still appends.
    const stream = node.storage.catalog.getStream('root.sg', 'd');
    const old = stream.columns.filter((c) => c.name !== 'c');
    await node.storage.append('root.sg', 'd', makeBatch(old, old.map((c) => vectorFromValues(c.type, c.name === '_tp_time' ? [4] : c.name === 'a' ? [4] : [null]))));
  } finally {
    await node.close();
  }
  node = await openNode({ dataDir, clock: new ManualClock(1_000) });
  try {
    assert.deepEqual((await rows(node, 'DESCRIBE root.sg.d')).lines.map((l) => l.split('\t').slice(0, 2).join(' ')), [
      "_tp_time datetime64(3, 'UTC')",
      'a nullable(float64)',
      'b nullable(string)',
      'c nullable(int32)',
    ]);
    assert.deepEqual((await rows(node, 'SELECT a, b, c FROM table(root.sg.d) ORDER BY _tp_time')).lines, ['1\t\\N\t\\N', '2\t\\N\t\\N', '\\N\tx\t\\N', '4\t\\N\t\\N']);
    await node.execute('INSERT INTO root.sg.d(time, c) values (5, 5)');
    assert.deepEqual((await rows(node, 'select c from root.sg.d')).lines, ['1970-01-01 00:00:00.005\t5']);
    assert.deepEqual((await rows(node, 'SELECT count(), count(c) FROM table(root.sg.d)')).lines, ['5\t1']);
  } finally {
    await node.close();
  }
});

test('concurrent inserts that create measurements of one device all succeed', async () => {
  const node = await openNode({ dataDir: tempDir(), clock: new ManualClock(1_000) });
  try {
    const inserts = Array.from({ length: 12 }, (_, i) => node.execute(`INSERT INTO root.c.dev(time, m${i % 6}, shared) values (${i}, ${i}, ${i})`));
    await Promise.all(inserts);
    const result = await rows(node, 'select ** from root.c');
    assert.deepEqual(result.names, ['Time', ...['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'shared'].map((m) => `root.c.dev.${m}`)]);
    assert.equal(result.lines.length, 12);
    assert.deepEqual((await rows(node, 'SELECT count() FROM table(root.c.dev)')).lines, ['12']);
  } finally {
    await node.close();
  }
});

test('privileges: creating schema needs CREATE, reading skips streams the user may not SELECT', async () => {
  const node = await openNode({ dataDir: tempDir(), clock: new ManualClock(1_000) });
  try {
    await node.executeAll(`INSERT INTO root.p.d0(time, s) values (1, 1);
      INSERT INTO root.p.d1(time, s) values (2, 2);
      CREATE USER writer IDENTIFIED BY 'a long secret';
      GRANT INSERT ON root.p.* TO writer;
      CREATE USER reader IDENTIFIED BY 'a long secret';
      GRANT SELECT ON root.p.d0 TO reader`);
    const writer = node.session({ user: 'writer' });
    await writer.execute('INSERT INTO root.p.d0(time, s) values (3, 3)');
    await rejects(writer.execute('INSERT INTO root.p.d0(time, t) values (4, 4)'), 'ACCESS_DENIED', /writer needs CREATE on root\.p\.d0/);
    await rejects(writer.execute('INSERT INTO root.q.d0(time, t) values (4, 4)'), 'ACCESS_DENIED', /writer needs CREATE on root\.q\.\*/);
    await rejects(writer.execute('CREATE TIMESERIES root.p.d0.t WITH DATATYPE=INT32'), 'ACCESS_DENIED', /CREATE on root\.p\.d0/);
    assert.deepEqual((await rows(node, 'DESCRIBE root.p.d0')).lines.length, 2, 'nothing was added');
    const reader = node.session({ user: 'reader' });
    const { schema, rows: seen } = await reader.query('select ** from root');
    assert.deepEqual(schema.map((c) => c.name), ['Time', 'root.p.d0.s']);
    assert.equal(seen.length, 2);
    await rejects(reader.execute('INSERT INTO root.p.d0(time, s) values (5, 5)'), 'ACCESS_DENIED', /reader needs INSERT on root\.p\.d0/);
  } finally {
    await node.close();
  }
});

test('errors in a later statement of a multi-statement text point at its line', async () => {
  const node = await openNode({ dataDir: tempDir(), clock: new ManualClock(1_000) });
  try {
    await rejects(
      node.executeAll("CREATE DATABASE root.a; -- first\nINSERT INTO root.a.d(time, s) values (1, 'x');\n  CREATE TIMESERIES root.a.d.t WITH DATATYPE=NOPE"),
      'INVALID_TYPE',
      /^invalid or unsupported data type: line 3, column 46: unknown IoTDB data type 'NOPE'/,
    );
    // Without the text (a caller passing a parsed statement) the message has no position.
    const { parseStatement } = await import('../../../../src/sql/index.ts');
    await rejects(node.session().executeStatement(parseStatement('CREATE TIMESERIES root.a.d.t WITH DATATYPE=NOPE'), {}), 'INVALID_TYPE', /^invalid or unsupported data type: unknown IoTDB data type 'NOPE'/);
  } finally {
    await node.close();
  }
});

test('FLUSH syncs every stream log', async () => {
  const node = await openNode({ dataDir: tempDir(), clock: new ManualClock(1_000), streamDefaults: { fsync: 'never' } });
  try {
    await node.execute('INSERT INTO root.f.d(time, s) values (1, 1)');
    const log = node.storage.log('root.f', 'd');
    const before = log.getStats().fsyncs;
    assert.deepEqual(await node.execute('FLUSH'), { kind: 'ok', writtenRows: 0 });
    assert.equal(log.getStats().fsyncs, before + 1);
  } finally {
    await node.close();
  }
});
