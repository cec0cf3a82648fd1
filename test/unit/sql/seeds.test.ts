// Every SQL example in /work/shared/seeds/, copied verbatim as data: each must parse and survive
// the format round trip. Syntax templates (with <placeholders> and [optional] parts) are kept
// verbatim too and instantiated by `instantiate` below, a fixed mechanical substitution, so a
// change to the grammar that breaks a documented form fails here. IoTDB CLI prompts (`IoTDB> `)
// are not part of the SQL and are left out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAndRoundTrip } from './support.ts';

interface SeedExample {
  readonly seed: string;
  readonly sql: string;
  /** Statement kinds, in order. */
  readonly kinds: readonly string[];
}

const EXAMPLES: readonly SeedExample[] = [
  // create-external-stream.md, timeplus-external-stream.md
  {
    seed: 'timeplus-external-stream.md',
    sql: `CREATE EXTERNAL STREAM streama_proton
SETTINGS type='timeplus',hosts='host1',stream='streamA';

CREATE MATERIALIZED VIEW proton_to_tp_enterprise INTO streamA
AS SELECT * FROM streama_proton WHERE _tp_time>earliest_ts();`,
    kinds: ['CreateExternalStream', 'CreateView'],
  },
  {
    seed: 'timeplus-external-stream.md',
    sql: `CREATE EXTERNAL STREAM stream_in_cloud
SETTINGS type='timeplus',hosts='cloud1',stream='..';

CREATE MATERIALIZED VIEW edge_to_cloud INTO stream_in_cloud
AS SELECT * FROM local_stream WHERE http_code>=400;`,
    kinds: ['CreateExternalStream', 'CreateView'],
  },
  { seed: 'timeplus-external-stream.md', sql: 'SYSTEM PAUSE MATERIALIZED VIEW edge_to_cloud;', kinds: ['SystemView'] },
  { seed: 'timeplus-external-stream.md', sql: 'SYSTEM UNPAUSE MATERIALIZED VIEW edge_to_cloud;', kinds: ['SystemView'] },
  // The limitation notes quote WHERE clauses; wrapped in the query they belong to.
  { seed: 'timeplus-external-stream.md', sql: 'SELECT * FROM ext WHERE _tp_time>earliest_ts()', kinds: ['Select'] },
  { seed: 'timeplus-external-stream.md', sql: 'SELECT * FROM ext WHERE _tp_time>now()-2d', kinds: ['Select'] },
  // iotdb-data-sync.txt
  {
    seed: 'iotdb-data-sync.txt',
    sql: `create pipe a2b
with sink (
'sink'='iotdb-thrift-sink',
'sink.ip'='127.0.0.1',
'sink.port'='6668'
)`,
    kinds: ['CreatePipe'],
  },
  { seed: 'iotdb-data-sync.txt', sql: 'start pipe a2b', kinds: ['PipeAction'] },
  { seed: 'iotdb-data-sync.txt', sql: 'INSERT INTO root.db.d(time, m) values (1, 1)', kinds: ['Insert'] },
  { seed: 'iotdb-data-sync.txt', sql: 'SELECT ** FROM root', kinds: ['Select'] },
  {
    seed: 'iotdb-data-sync.txt',
    sql: `CREATE PIPE pipe1
WITH SINK (
'sink' = 'iotdb-thrift-sink',
'sink.ip' = 'localhost',
'sink.port' = '9999',
)`,
    kinds: ['CreatePipe'],
  },
  {
    seed: 'iotdb-data-sync.txt',
    sql: `CREATE PIPE pipe2
WITH SINK (
'sink' = 'iotdb-thrift-sink',
'sink.port' = '9999',
'sink.ip' = 'localhost',
)`,
    kinds: ['CreatePipe'],
  },
  { seed: 'iotdb-data-sync.txt', sql: 'SHOW PIPES', kinds: ['ShowPipes'] },
  {
    seed: 'iotdb-data-sync.txt',
    sql: `create pipe A2B
with sink (
'sink'='iotdb-thrift-sink',
'sink.ip'='127.0.0.1',
'sink.port'='6668'
)`,
    kinds: ['CreatePipe'],
  },
  {
    seed: 'iotdb-data-sync.txt',
    sql: `create pipe A2B
with sink (
'sink'='iotdb-air-gap-sink',
'ip'='127.0.0.1',
'port'='6668'
)`,
    kinds: ['CreatePipe'],
  },
  { seed: 'iotdb-data-sync.txt', sql: 'SHOW PIPEPLUGINS', kinds: ['ShowPipePlugins'] },
  // iotdb-edge-cloud-sync-tool.txt
  {
    seed: 'iotdb-edge-cloud-sync-tool.txt',
    sql: "CREATE PIPESINK central_iotdb AS IoTDB (ip='There is your goal IP', port='There is your goal port')",
    kinds: ['CreatePipeSink'],
  },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'CREATE PIPE my_pipe TO central_iotDB', kinds: ['CreateLegacyPipe'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'START PIPE my_pipe', kinds: ['PipeAction'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'SHOW PIPES', kinds: ['ShowPipes'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'STOP PIPE my_pipe', kinds: ['PipeAction'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'DROP PIPE my_pipe', kinds: ['DropPipe'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'SHOW PIPESINKTYPE', kinds: ['ShowPipeSinkType'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'SHOW PIPESINKS', kinds: ['ShowPipeSinks'] },
  {
    seed: 'iotdb-edge-cloud-sync-tool.txt',
    sql: "CREATE PIPESINK my_iotdb AS IoTDB (IP='192.168.0.2',PORT=6667)",
    kinds: ['CreatePipeSink'],
  },
  {
    seed: 'iotdb-edge-cloud-sync-tool.txt',
    sql: "CREATE PIPE p TO my_iotdb FROM (select ** from root where time>='2022-03-30 00:00:00')",
    kinds: ['CreateLegacyPipe'],
  },
  {
    seed: 'iotdb-edge-cloud-sync-tool.txt',
    sql: 'CREATE PIPE p TO my_iotdb FROM (select ** from root where time>= 1648569600000)',
    kinds: ['CreateLegacyPipe'],
  },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'START PIPE p', kinds: ['PipeAction'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'SHOW PIPE p', kinds: ['ShowPipe'] },
  {
    seed: 'iotdb-edge-cloud-sync-tool.txt',
    sql: `CREATE DATABASE root.vehicle;
CREATE TIMESERIES root.vehicle.d0.s0 WITH DATATYPE=INT32, ENCODING=RLE;
CREATE TIMESERIES root.vehicle.d0.s1 WITH DATATYPE=TEXT, ENCODING=PLAIN;
CREATE TIMESERIES root.vehicle.d1.s2 WITH DATATYPE=FLOAT, ENCODING=RLE;
CREATE TIMESERIES root.vehicle.d1.s3 WITH DATATYPE=BOOLEAN, ENCODING=PLAIN;
insert into root.vehicle.d0(timestamp,s0) values(now(),10);
insert into root.vehicle.d0(timestamp,s0,s1) values(now(),12,'12');
insert into root.vehicle.d0(timestamp,s1) values(now(),'14');
insert into root.vehicle.d1(timestamp,s2) values(now(),16.0);
insert into root.vehicle.d1(timestamp,s2,s3) values(now(),18.0,true);
insert into root.vehicle.d1(timestamp,s3) values(now(),false);
flush;`,
    kinds: [
      'CreateDatabase',
      'CreateTimeseries',
      'CreateTimeseries',
      'CreateTimeseries',
      'CreateTimeseries',
      'Insert',
      'Insert',
      'Insert',
      'Insert',
      'Insert',
      'Insert',
      'Flush',
    ],
  },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'select ** from root.vehicle', kinds: ['Select'] },
  // The Q&A section's statements.
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'CREATE PIPESINK demo as IoTDB', kinds: ['CreatePipeSink'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'DROP PIPESINK demo', kinds: ['DropPipeSink'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'DROP PIPESINK pipesinkName', kinds: ['DropPipeSink'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'SHOW PIPE', kinds: ['ShowPipes'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'CREATE PIPE p to demo', kinds: ['CreateLegacyPipe'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'DROP PIPE p', kinds: ['DropPipe'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'SHOW DATANODES', kinds: ['ShowDataNodes'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'STOP PIPE p', kinds: ['PipeAction'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'DROP PIPE p', kinds: ['DropPipe'] },
  // reference/timeplus.md §1.8: the current docs' migration recipe.
  {
    seed: 'reference/timeplus.md',
    sql: "INSERT INTO streamA SELECT * FROM streama_proton WHERE _tp_time > earliest_ts();",
    kinds: ['Insert'],
  },
];

/** Syntax templates, verbatim. */
const TEMPLATES: readonly SeedExample[] = [
  {
    seed: 'create-external-stream.md',
    sql: `CREATE EXTERNAL STREAM [IF NOT EXISTS] [db.]stream_name (<col_name1> <col_type>)
SETTINGS type='kafka',
         brokers='ip:9092',
         topic='..',
         security_protocol='..',
         username='..',
         password='..',
         sasl_mechanism='..',
         data_format='..',
         format_schema='..',
         one_message_per_row=..,
         kafka_schema_registry_url='..',
         kafka_schema_registry_credentials='..',
         ssl_ca_cert_file='..',
         ss_ca_pem='..',
         skip_ssl_cert_check=..,
         properties='..',
         config_file='..'`,
    kinds: ['CreateExternalStream'],
  },
  {
    seed: 'create-external-stream.md',
    sql: `CREATE EXTERNAL STREAM [IF NOT EXISTS] stream_name
    (<col_name1> <col_type>)
SETTINGS
    type='pulsar', -- required
    service_url='pulsar://host:port',-- required
    topic='..', -- required
    jwt='..',
    data_format='..',
    format_schema='..',
    one_message_per_row=..,
    skip_server_cert_check=..,
    validate_hostname=..,
    ca_cert='..',
    client_cert='..',
    client_key='..',
    connections_per_broker=..,
    memory_limit=..,
    io_threads=..,
    config_file='..'`,
    kinds: ['CreateExternalStream'],
  },
  {
    seed: 'create-external-stream.md',
    sql: `CREATE EXTERNAL STREAM [IF NOT EXISTS] stream_name (<col_name1> <col_type>)
SETTINGS
    type = 'timeplus',
    hosts = '<ip_or_host_of_timeplusd>',
    db = 'default',
    user = '<user>',
    password = '<password>',
    secure = <bool>,
    stream = '<stream_name>',
    config_file='..'`,
    kinds: ['CreateExternalStream'],
  },
  {
    seed: 'timeplus-external-stream.md',
    sql: `CREATE EXTERNAL STREAM <stream_name>
SETTINGS
    type = 'timeplus',
    hosts = '<ip_or_host_of_timeplusd>',
    db = 'default',
    user = '<user>',
    password = '<password>',
    secure = <bool>,
    stream = '<stream_name>'`,
    kinds: ['CreateExternalStream'],
  },
  // `(..)` stands for "the same schema as the source".
  { seed: 'timeplus-external-stream.md', sql: 'CREATE STREAM streamA(..);', kinds: ['CreateStream'] },
  {
    seed: 'iotdb-data-sync.txt',
    sql: `CREATE PIPE <PipeId> -- PipeId is the name that uniquely identifies the sync task
WITH SOURCE (
-- Default IoTDB Data Extraction Plugin
'source' = 'iotdb-source',
-- Path prefix, only data that can match the path prefix will be extracted for subsequent processing and delivery
'source.pattern' = 'root.timecho',
-- Describes the time range of the data being extracted, indicating the earliest possible time
'source.historical.start-time' = '2011.12.03T10:15:30+01:00',
-- Describes the time range of the extracted data, indicating the latest time
'source.historical.end-time' = '2022.12.03T10:15:30+01:00',
)
WITH PROCESSOR (
-- Default data processing plugin, means no processing
'processor' = 'do-nothing-processor',
)
WITH SINK (
-- IoTDB data sending plugin with target IoTDB
'sink' = 'iotdb-thrift-sink',
-- Data service for one of the DataNode nodes on the target IoTDB ip
'sink.ip' = '127.0.0.1',
-- Data service port of one of the DataNode nodes of the target IoTDB
'sink.port' = '6667',
)`,
    kinds: ['CreatePipe'],
  },
  {
    seed: 'iotdb-data-sync.txt',
    sql: `CREATE PIPE <PipeId> -- PipeId is a name that uniquely identifies the task.
WITH SINK (
-- IoTDB data sending plugin with target IoTDB
'sink' = 'iotdb-thrift-sink',
-- Data service for one of the DataNode nodes on the target IoTDB ip
'sink.ip' = '127.0.0.1',
-- Data service port of one of the DataNode nodes of the target IoTDB
'sink.port' = '6667',
)`,
    kinds: ['CreatePipe'],
  },
  { seed: 'iotdb-data-sync.txt', sql: 'START PIPE <PipeId>', kinds: ['PipeAction'] },
  { seed: 'iotdb-data-sync.txt', sql: 'STOP PIPE <PipeId>', kinds: ['PipeAction'] },
  { seed: 'iotdb-data-sync.txt', sql: 'DROP PIPE <PipeId>', kinds: ['DropPipe'] },
  { seed: 'iotdb-data-sync.txt', sql: 'SHOW PIPE <PipeId>', kinds: ['ShowPipe'] },
  { seed: 'iotdb-data-sync.txt', sql: 'SHOW PIPES\nWHERE SINK USED BY <PipeId>', kinds: ['ShowPipes'] },
  {
    seed: 'iotdb-edge-cloud-sync-tool.txt',
    sql: "CREATE PIPESINK <PipeSinkName> AS IoTDB [(ip='127.0.0.1',port=6667);]",
    kinds: ['CreatePipeSink'],
  },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'DROP PIPESINK <PipeSinkName>', kinds: ['DropPipeSink'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'SHOW PIPESINK [PipeSinkName]', kinds: ['ShowPipeSink'] },
  {
    seed: 'iotdb-edge-cloud-sync-tool.txt',
    sql: "CREATE PIPE my_pipe TO my_iotdb [FROM (select ** from root WHERE time>='yyyy-mm-dd HH:MM:SS' )]",
    kinds: ['CreateLegacyPipe'],
  },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'STOP PIPE <PipeName>', kinds: ['PipeAction'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'START PIPE <PipeName>', kinds: ['PipeAction'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'DROP PIPE <PipeName>', kinds: ['DropPipe'] },
  { seed: 'iotdb-edge-cloud-sync-tool.txt', sql: 'SHOW PIPE [PipeName]', kinds: ['ShowPipe'] },
];

/**
 * Template → SQL: optional parts `[…]` are included, `<name>` becomes `name` (inside quotes it
 * stays a string either way), `<col_name1> <col_type>` a string column, `<bool>` true, an
 * unquoted `..` value 1, and a `(..)` column list one int32 column.
 */
export function instantiate(template: string): string {
  return template
    .replace(/\[([^[\]]*)\]/g, '$1')
    .replace('<col_name1> <col_type>', 'col_name1 string')
    .replace(/<bool>/g, 'true')
    .replace(/<([A-Za-z_]+)>/g, '$1')
    .replace(/=\s*\.\.(?=\s*(,|$|--))/gm, '=1')
    .replace('(..)', '(col int32)');
}

for (const example of EXAMPLES) {
  test(`seed ${example.seed}: ${example.sql.split('\n')[0]}`, () => {
    const statements = parseAndRoundTrip(example.sql);
    assert.deepEqual(
      statements.map((statement) => statement.kind),
      example.kinds,
    );
  });
}

for (const template of TEMPLATES) {
  test(`seed template ${template.seed}: ${template.sql.split('\n')[0]}`, () => {
    const statements = parseAndRoundTrip(instantiate(template.sql));
    assert.deepEqual(
      statements.map((statement) => statement.kind),
      template.kinds,
    );
  });
}

test('seed: the pipe example keeps every attribute, comments and trailing commas aside', () => {
  const [pipe] = parseAndRoundTrip(instantiate(TEMPLATES.find((t) => t.sql.includes('WITH PROCESSOR'))!.sql));
  assert.ok(pipe !== undefined && pipe.kind === 'CreatePipe');
  assert.equal(pipe.name, 'PipeId');
  assert.deepEqual(
    pipe.source?.map((s) => s.name),
    ['source', 'source.pattern', 'source.historical.start-time', 'source.historical.end-time'],
  );
  assert.deepEqual(pipe.processor?.map((s) => s.name), ['processor']);
  assert.deepEqual(pipe.sink.map((s) => [s.name, s.value]), [
    ['sink', { kind: 'StringLiteral', value: 'iotdb-thrift-sink' }],
    ['sink.ip', { kind: 'StringLiteral', value: '127.0.0.1' }],
    ['sink.port', { kind: 'StringLiteral', value: '6667' }],
  ]);
});

test('seed: the sync-tool IoTDB paths map to object names', () => {
  const statements = parseAndRoundTrip(EXAMPLES.find((e) => e.sql.startsWith('CREATE DATABASE root.vehicle'))!.sql);
  const [database, series, , , , insert] = statements;
  assert.deepEqual(database, { kind: 'CreateDatabase', name: 'root.vehicle', ifNotExists: false });
  assert.deepEqual(series, {
    kind: 'CreateTimeseries',
    path: { kind: 'ObjectName', parts: ['root', 'vehicle', 'd0', 's0'] },
    dataType: 'INT32',
    options: [{ kind: 'TimeseriesOption', key: 'ENCODING', value: 'RLE' }],
  });
  assert.ok(insert !== undefined && insert.kind === 'Insert');
  assert.deepEqual(insert.target.parts, ['root', 'vehicle', 'd0']);
  assert.deepEqual(insert.columns, ['timestamp', 's0']);
});
