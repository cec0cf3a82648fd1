// The HTTP API against a real `tributary server` child process on loopback: first as curl would
// use it (fetch: GET/POST, every output format, INSERT … FORMAT bodies, query parameters, auth,
// errors, a live query read in chunks while rows are inserted, client disconnect, /metrics), then
// through the official @clickhouse/client, which proves the API is ClickHouse-compatible.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { ClickHouseError, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { tempDir } from '../support/temp-dir.ts';
import { type ServerProcess, ok, post, startServerProcess } from './http-launcher.ts';

const FORMAT_ROWS = [
  '{"_tp_time":"2026-01-01 00:00:00.000","id":1,"name":"a\\"b","v":1.5,"ok":true,"tags":["x","y"],"note":null,"small":-3,"big":"18446744073709551615"}',
  '{"_tp_time":"2026-01-01 00:00:01.000","id":2,"name":"tab\\there","v":-0.25,"ok":false,"tags":[],"note":"n","small":7,"big":"0"}',
].join('\n');
const FORMAT_QUERY = 'SELECT id, name, v, ok, tags, note, small, big FROM table(fmt) ORDER BY id';

async function metricsText(server: ServerProcess): Promise<string> {
  return (await fetch(`${server.url}/metrics`)).text();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('HTTP API (curl-style, real server process)', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess(tempDir('trib-http-'));
    await ok(server.url, 'CREATE STREAM fmt (id int64, name string, v float64, ok bool, tags array(string), note nullable(string), small int32, big uint64)');
    await ok(server.url, FORMAT_ROWS, { query: 'INSERT INTO fmt FORMAT JSONEachRow' });
  });
  after(async () => {
    assert.equal(await server.stop(), 0);
  });

  test('/ping and GET / answer Ok.', async () => {
    for (const path of ['/ping', '/']) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), 'Ok.\n');
    }
  });

  test('GET and POST queries; TabSeparated by default; query id and summary headers', async () => {
    const get = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT id FROM table(fmt) ORDER BY id')}&query_id=q-1`);
    assert.equal(get.status, 200);
    assert.equal(get.headers.get('x-clickhouse-query-id'), 'q-1');
    assert.equal(get.headers.get('x-clickhouse-format'), 'TabSeparated');
    assert.equal(JSON.parse(get.headers.get('x-clickhouse-summary')!).result_rows, '2');
    assert.equal(await get.text(), '1\n2\n');
    assert.equal(await ok(server.url, 'SELECT id FROM table(fmt) ORDER BY id'), '1\n2\n');
    assert.equal(await ok(server.url, 'SELECT id FROM table(fmt) ORDER BY id', { default_format: 'JSONEachRow' }), '{"id":"1"}\n{"id":"2"}\n');
    // Unknown ClickHouse settings are tolerated; the FORMAT clause beats default_format.
    const text = await ok(server.url, 'SELECT id FROM table(fmt) ORDER BY id FORMAT CSV', { default_format: 'JSON', max_threads: '4', wait_end_of_query: '1', database: 'default' });
    assert.equal(text, '1\n2\n');
  });

  test('every output format', async () => {
    const run = (format: string, params: Record<string, string> = {}) => ok(server.url, `${FORMAT_QUERY} FORMAT ${format}`, params);
    const tsvRows = "1\ta\"b\t1.5\ttrue\t['x','y']\t\\N\t-3\t18446744073709551615\n2\ttab\\there\t-0.25\tfalse\t[]\tn\t7\t0\n";
    assert.equal(await run('TabSeparated'), tsvRows);
    assert.equal(await run('TSV'), tsvRows);
    assert.equal(await run('TabSeparatedWithNames'), `id\tname\tv\tok\ttags\tnote\tsmall\tbig\n${tsvRows}`);
    assert.equal(
      await run('TabSeparatedWithNamesAndTypes'),
      `id\tname\tv\tok\ttags\tnote\tsmall\tbig\nInt64\tString\tFloat64\tBool\tArray(String)\tNullable(String)\tInt32\tUInt64\n${tsvRows}`,
    );
    const csvRows = '1,"a""b",1.5,true,"[\'x\',\'y\']",\\N,-3,18446744073709551615\n2,"tab\there",-0.25,false,"[]","n",7,0\n';
    assert.equal(await run('CSV'), csvRows);
    assert.equal(await run('CSVWithNames'), `"id","name","v","ok","tags","note","small","big"\n${csvRows}`);
    const eachRow =
      '{"id":"1","name":"a\\"b","v":1.5,"ok":true,"tags":["x","y"],"note":null,"small":-3,"big":"18446744073709551615"}\n' +
      '{"id":"2","name":"tab\\there","v":-0.25,"ok":false,"tags":[],"note":"n","small":7,"big":"0"}\n';
    assert.equal(await run('JSONEachRow'), eachRow);
    assert.match(await run('JSONEachRow', { output_format_json_quote_64bit_integers: '0' }), /^\{"id":1,.*"big":18446744073709551615\}\n/);
    const json = JSON.parse(await run('JSON')) as { meta: unknown; data: unknown; rows: number; statistics: { rows_read: number } };
    assert.deepEqual(json.meta, [
      { name: 'id', type: 'Int64' },
      { name: 'name', type: 'String' },
      { name: 'v', type: 'Float64' },
      { name: 'ok', type: 'Bool' },
      { name: 'tags', type: 'Array(String)' },
      { name: 'note', type: 'Nullable(String)' },
      { name: 'small', type: 'Int32' },
      { name: 'big', type: 'UInt64' },
    ]);
    assert.deepEqual(json.data, eachRow.trim().split('\n').map((line) => JSON.parse(line)));
    assert.equal(json.rows, 2);
    assert.equal(typeof json.statistics.rows_read, 'number');
    const compact = JSON.parse(await run('JSONCompact')) as { data: unknown; rows: number };
    assert.deepEqual(compact.data, [
      ['1', 'a"b', 1.5, true, ['x', 'y'], null, -3, '18446744073709551615'],
      ['2', 'tab\there', -0.25, false, [], 'n', 7, '0'],
    ]);
    assert.equal(await run('JSONCompactEachRow'), '["1", "a\\"b", 1.5, true, ["x","y"], null, -3, "18446744073709551615"]\n["2", "tab\\there", -0.25, false, [], "n", 7, "0"]\n');
    const pretty = await run('PrettyCompact');
    assert.match(pretty, /^┌─id─┬─name─+┬/);
    assert.match(pretty, /│  1 │ a"b/);
    assert.equal(await ok(server.url, FORMAT_QUERY, { default_format: 'Null' }), ''); // NULL is a keyword after FORMAT
    const empty = JSON.parse(await ok(server.url, 'SELECT id FROM table(fmt) WHERE id > 100 FORMAT JSON')) as { data: unknown[]; rows: number };
    assert.deepEqual([empty.data, empty.rows], [[], 0]);
  });

  test('INSERT … FORMAT with the rows in the body: JSONEachRow, CSV, TSV, body only, gzip', async () => {
    await ok(server.url, 'CREATE STREAM ins (id int64, name string)');
    await ok(server.url, '{"id":1,"name":"json"}\n{"id":2,"name":"json"}\n', { query: 'INSERT INTO ins (id, name) FORMAT JSONEachRow' });
    await ok(server.url, '3,csv\n4,"c,sv"\n', { query: 'INSERT INTO ins (id, name) FORMAT CSV' });
    await ok(server.url, '5\ttsv\n6\tt\\tsv\n', { query: 'INSERT INTO ins (id, name) FORMAT TabSeparated' });
    const bodyOnly = await post(server.url, 'INSERT INTO ins (id, name) FORMAT CSV\n7,body\n');
    assert.equal(bodyOnly.status, 200);
    assert.equal(JSON.parse(bodyOnly.headers.get('x-clickhouse-summary')!).written_rows, '1');
    const zipped = await fetch(`${server.url}/?query=${encodeURIComponent('INSERT INTO ins (id, name) FORMAT JSONEachRow')}`, {
      method: 'POST',
      body: gzipSync('{"id":8,"name":"gzip"}\n'),
      headers: { 'Content-Encoding': 'gzip' },
    });
    assert.equal(zipped.status, 200, await zipped.text());
    assert.equal(
      await ok(server.url, 'SELECT id, name FROM table(ins) ORDER BY id'),
      '1\tjson\n2\tjson\n3\tcsv\n4\tc,sv\n5\ttsv\n6\tt\\tsv\n7\tbody\n8\tgzip\n',
    );
    // A bad row rejects the whole insert: nothing is written.
    const bad = await post(server.url, '9,ok\nten,bad\n', { query: 'INSERT INTO ins (id, name) FORMAT CSV' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /^Code: 103\. DB::Exception: .*\(INVALID_VALUE\)/);
    assert.equal(await ok(server.url, 'SELECT count() FROM table(ins)'), '8\n');
  });

  test('query parameters from param_<name>', async () => {
    const text = await ok(server.url, 'SELECT {x:uint32} + 1 AS y, {s:string} AS z, id FROM table(fmt) WHERE id = {id:int64}', {
      param_x: '41',
      param_s: 'hi there',
      param_id: '2',
    });
    assert.equal(text, '42\thi there\t2\n');
    const missing = await post(server.url, 'SELECT {nope:int32}');
    assert.equal(missing.status, 400);
    assert.match(missing.text, /query parameter 'nope' is not set/);
  });

  test('authentication: default user by header, basic auth or params; anyone else 401', async () => {
    const query = `/?query=${encodeURIComponent('SELECT 1')}`;
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const accepted: Record<string, string>[] = [{ 'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': '' }, { Authorization: basic('default', '') }, {}];
    for (const headers of accepted) {
      assert.equal((await fetch(`${server.url}${query}`, { headers })).status, 200);
    }
    assert.equal((await fetch(`${server.url}${query}&user=default&password=`)).status, 200);
    for (const request of [
      fetch(`${server.url}${query}`, { headers: { 'X-ClickHouse-User': 'default', 'X-ClickHouse-Key': 'secret' } }),
      fetch(`${server.url}${query}`, { headers: { Authorization: basic('mallory', '') } }),
      fetch(`${server.url}${query}&user=default&password=wrong`),
    ]) {
      const response = await request;
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('x-clickhouse-exception-code'), '602');
      assert.match(await response.text(), /^Code: 602\. DB::Exception: authentication failed: .*\(AUTH_FAILED\)/);
    }
    assert.doesNotMatch(server.log(), /wrong|secret/, 'passwords never reach the log');
  });

  test('errors: status, X-ClickHouse-Exception-Code and a one-line ClickHouse-style message', async () => {
    const cases: [string, Record<string, string>, number, number, string][] = [
      ['SELEC 1', {}, 400, 400, 'SYNTAX_ERROR'],
      ['SELECT * FROM table(missing)', {}, 404, 204, 'STREAM_NOT_FOUND'],
      ['SELECT 1', { database: 'nodb' }, 404, 201, 'DATABASE_NOT_FOUND'],
      ['SELECT 1 FORMAT Parquet', {}, 400, 106, 'INVALID_ARGUMENT'],
      ['', {}, 400, 400, 'SYNTAX_ERROR'],
      ['CREATE STREAM fmt (a int32)', {}, 400, 203, 'STREAM_EXISTS'],
    ];
    for (const [sql, params, status, code, name] of cases) {
      const result = await post(server.url, sql, params);
      assert.equal(result.status, status, `${sql}: ${result.text}`);
      assert.equal(result.headers.get('x-clickhouse-exception-code'), String(code));
      assert.match(result.text, new RegExp(`^Code: ${code}\\. DB::Exception: [^\\n]+\\. \\(${name}\\) \\(version [0-9.]+\\)\\n$`));
    }
    const write = await fetch(`${server.url}/?query=${encodeURIComponent('CREATE STREAM by_get (a int32)')}`);
    assert.equal(write.status, 400);
    assert.match(await write.text(), /GET request may only read/);
    assert.equal((await fetch(`${server.url}/nowhere`)).status, 404);
  });

  test('a live query streams rows in chunks as they are inserted; disconnecting cancels it', async () => {
    await ok(server.url, 'CREATE STREAM live (id int64)');
    const controller = new AbortController();
    const response = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT id FROM live FORMAT JSONEachRow')}`, { signal: controller.signal });
    assert.equal(response.status, 200);
    assert.ok(response.headers.get('x-clickhouse-exception-tag'));
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    for (let round = 1; round <= 3; round++) {
      await ok(server.url, `INSERT INTO live (id) VALUES (${round})`);
      while (!received.includes(`{"id":"${round}"}\n`)) {
        const chunk = await reader.read();
        assert.equal(chunk.done, false);
        received += decoder.decode(chunk.value, { stream: true });
      }
    }
    assert.equal(received, '{"id":"1"}\n{"id":"2"}\n{"id":"3"}\n');
    assert.match(await metricsText(server), /tributary_running_queries\{protocol="http"\} 1\n/);
    controller.abort();
    await waitFor('the live query to be cancelled', async () => /tributary_running_queries\{protocol="http"\} 0\n/.test(await metricsText(server)));
  });

  test('/metrics: Prometheus text with queries, errors, connections, ingest per stream, task lag family', async () => {
    const response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    assert.match(text, /^# TYPE tributary_queries_total counter$/m);
    assert.match(text, /^tributary_queries_total\{protocol="http"\} [1-9]\d*$/m);
    assert.match(text, /^tributary_errors_total\{protocol="http",code="204",name="STREAM_NOT_FOUND"\} [1-9]\d*$/m);
    assert.match(text, /^tributary_connections\{protocol="http"\} [1-9]\d*$/m);
    assert.match(text, /^tributary_ingest_rows_total\{database="default",stream="fmt"\} 2$/m);
    assert.match(text, /^tributary_ingest_bytes_total\{database="default",stream="fmt"\} [1-9]\d*$/m);
    assert.match(text, /^# TYPE tributary_task_lag_rows gauge$/m);
    assert.doesNotMatch(text, /^tributary_task_lag_rows\{/m);
    for (const line of text.trimEnd().split('\n')) assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+\{[^}]*\} -?\d+(\.\d+)?)$/, line);
  });
});

describe('HTTP API through @clickhouse/client (real server process)', () => {
  let server: ServerProcess;
  let client: ReturnType<typeof createClient>;
  before(async () => {
    server = await startServerProcess(tempDir('trib-chc-'));
    client = createClient({ url: server.url, username: 'default', password: '', log: { level: ClickHouseLogLevel.OFF } });
  });
  after(async () => {
    await client.close();
    assert.equal(await server.stop(), 0);
  });

  test('ping, DDL by command, insert JSONEachRow, query JSONEachRow/JSON/CSV, query_params', async () => {
    assert.equal((await client.ping()).success, true);
    await client.command({ query: 'CREATE STREAM readings (id int64, device string, temp float64)' });
    const inserted = await client.insert({
      table: 'readings',
      values: [
        { id: 1, device: 'a', temp: 20.5 },
        { id: 2, device: 'b', temp: 21 },
      ],
      format: 'JSONEachRow',
    });
    assert.equal(inserted.summary?.written_rows, '2');
    const query = 'SELECT id, device, temp FROM table(readings) ORDER BY id';
    assert.deepEqual(await (await client.query({ query, format: 'JSONEachRow' })).json(), [
      { id: '1', device: 'a', temp: 20.5 },
      { id: '2', device: 'b', temp: 21 },
    ]);
    const json = await (await client.query({ query, format: 'JSON' })).json<{ id: string }>();
    assert.deepEqual(json.meta, [
      { name: 'id', type: 'Int64' },
      { name: 'device', type: 'String' },
      { name: 'temp', type: 'Float64' },
    ]);
    assert.equal(json.rows, 2);
    assert.equal(await (await client.query({ query, format: 'CSV' })).text(), '1,"a",20.5\n2,"b",21\n');
    const selected = await client.query({ query: 'SELECT device FROM table(readings) WHERE id = {id:int64}', query_params: { id: 2 }, format: 'JSONEachRow' });
    assert.deepEqual(await selected.json(), [{ device: 'b' }]);
    assert.deepEqual(await (await client.query({ query: 'SHOW STREAMS', format: 'JSONEachRow' })).json(), [{ name: 'readings' }]);
  });

  test('a live select read through resultSet.stream() while the client inserts', async () => {
    await client.command({ query: 'CREATE STREAM events (id int64)' });
    const resultSet = await client.query({ query: 'SELECT id FROM events', format: 'JSONEachRow' });
    const stream = resultSet.stream<{ id: string }>();
    const seen: string[] = [];
    const inserting = (async () => {
      for (let id = 1; id <= 3; id++) await client.insert({ table: 'events', values: [{ id }], format: 'JSONEachRow' });
    })();
    for await (const rows of stream) {
      for (const row of rows) seen.push(row.json().id);
      if (seen.length >= 3) break;
    }
    await inserting;
    assert.deepEqual(seen, ['1', '2', '3']);
    stream.destroy();
    await waitFor('the live query to end', async () => /tributary_running_queries\{protocol="http"\} 0\n/.test(await metricsText(server)));
  });

  test('a live query failing after rows went out reports the error in band (X-ClickHouse-Exception-Tag)', async () => {
    await client.command({ query: 'CREATE STREAM texts (name string)' });
    const resultSet = await client.query({ query: 'SELECT to_int32(name) AS n FROM texts', format: 'JSONEachRow' });
    const seen: unknown[] = [];
    const reading = (async () => {
      for await (const rows of resultSet.stream<{ n: number }>()) for (const row of rows) seen.push(row.json());
    })();
    await client.insert({ table: 'texts', values: [{ name: '5' }], format: 'JSONEachRow' });
    await waitFor('the first row', async () => seen.length === 1);
    await client.insert({ table: 'texts', values: [{ name: 'abc' }], format: 'JSONEachRow' });
    await assert.rejects(reading, (error: unknown) => {
      assert.ok(error instanceof ClickHouseError);
      assert.equal(error.code, '103');
      assert.equal(error.type, 'INVALID_VALUE');
      assert.match(error.message, /cannot convert 'abc' to int32/);
      return true;
    });
    assert.deepEqual(seen, [{ n: 5 }]);
  });

  test('errors map to ClickHouseError with our wire code and code name', async () => {
    await assert.rejects(client.query({ query: 'SELECT * FROM table(nope)' }), (error: unknown) => {
      assert.ok(error instanceof ClickHouseError);
      assert.equal(error.code, '204');
      assert.equal(error.type, 'STREAM_NOT_FOUND');
      assert.match(error.message, /stream not found: default\.nope/);
      return true;
    });
    await assert.rejects(client.command({ query: 'CREATE STREAM (' }), (error: unknown) => error instanceof ClickHouseError && error.type === 'SYNTAX_ERROR');
    const stranger = createClient({ url: server.url, username: 'mallory', password: 'x', log: { level: ClickHouseLogLevel.OFF } });
    await assert.rejects(stranger.query({ query: 'SELECT 1' }), (error: unknown) => error instanceof ClickHouseError && error.code === '602');
    await stranger.close();
  });
});
