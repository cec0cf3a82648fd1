// The server's enable_auto_create_schema setting (config key → NodeOptions.autoCreateSchema), and
// IoTDB statements over HTTP: the aligned result's header names the full series paths.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadServerConfig } from '../../../../src/server/config.ts';
import { createLogger } from '../../../../src/server/logger.ts';
import { startNodeServer } from '../../../../src/server/node-server.ts';
import { tempDir } from '../../../support/temp-dir.ts';

test('config: enable_auto_create_schema defaults to true, takes a boolean, names itself when wrong', () => {
  const dir = tempDir();
  assert.equal(loadServerConfig({ flags: { data_dir: dir } }).enable_auto_create_schema, true);
  const file = join(dir, 'tributary.yaml');
  writeFileSync(file, 'data_dir: data\nenable_auto_create_schema: false\n');
  assert.equal(loadServerConfig({ file }).enable_auto_create_schema, false);
  writeFileSync(file, 'data_dir: data\nenable_auto_create_schema: sometimes\n');
  assert.throws(() => loadServerConfig({ file }), /enable_auto_create_schema/);
});

async function post(port: number, sql: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: sql });
  return { status: response.status, text: await response.text() };
}

test('a server with enable_auto_create_schema: false refuses to create schema on insert; IoTDB statements over HTTP', async () => {
  const config = loadServerConfig({ flags: { data_dir: tempDir(), http_port: 0, tcp_port: 0 } });
  const server = await startNodeServer({ ...config, enable_auto_create_schema: false }, createLogger('silent'));
  try {
    assert.equal(server.node.autoCreateSchema, false);
    const refused = await post(server.httpPort, 'INSERT INTO root.db.d(time, m) values (1, 1)');
    assert.notEqual(refused.status, 200);
    assert.match(refused.text, /automatic schema creation is off/);
    assert.equal((await post(server.httpPort, 'CREATE DATABASE root.db')).status, 200);
    assert.equal((await post(server.httpPort, 'CREATE TIMESERIES root.db.d.m WITH DATATYPE=INT64, ENCODING=RLE')).status, 200);
    assert.equal((await post(server.httpPort, 'INSERT INTO root.db.d(time, m) values (1, 1), (2, 2)')).status, 200);
    assert.equal((await post(server.httpPort, 'FLUSH')).status, 200);
    const selected = await post(server.httpPort, 'SELECT ** FROM root FORMAT TabSeparatedWithNames');
    assert.equal(selected.status, 200);
    assert.equal(selected.text, 'Time\troot.db.d.m\n1970-01-01 00:00:00.001\t1\n1970-01-01 00:00:00.002\t2\n');
  } finally {
    await server.close();
  }
});
