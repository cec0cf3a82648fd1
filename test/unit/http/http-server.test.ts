// The HTTP server in-process, for what a child process makes awkward: the body limit (413 with the
// limit's name; the connection survives or is closed), users from users_file, and the server
// configuration (flags override the file, paths resolve against the file's directory).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openNode } from '../../../src/engine/node.ts';
import { startHttpServer } from '../../../src/net/http/http-server.ts';
import { ConfigError, loadServerConfig } from '../../../src/server/config.ts';
import { ServerMetrics } from '../../../src/server/metrics.ts';
import { loadUsersFile } from '../../../src/server/users.ts';
import { tempDir } from '../../support/temp-dir.ts';

test('a body over the limit answers 413 LIMIT_EXCEEDED naming HTTP_BODY_BYTES_MAX; nothing is written', async () => {
  const node = await openNode({ dataDir: tempDir() });
  const server = await startHttpServer({ node, host: '127.0.0.1', port: 0, bodyBytesMax: 1024, metrics: new ServerMetrics(node) });
  const url = `http://127.0.0.1:${server.port}`;
  try {
    assert.equal((await fetch(url, { method: 'POST', body: 'CREATE STREAM s (id int64)' })).status, 200);
    const insert = `${url}/?query=${encodeURIComponent('INSERT INTO s (id) FORMAT CSV')}`;
    const big = await fetch(insert, { method: 'POST', body: '1\n'.repeat(4096) });
    assert.equal(big.status, 413);
    assert.equal(big.headers.get('x-clickhouse-exception-code'), '100');
    assert.match(await big.text(), /^Code: 100\. DB::Exception: limit exceeded: request body is more than HTTP_BODY_BYTES_MAX \(1024\) bytes.*\(LIMIT_EXCEEDED\)/);
    assert.equal((await fetch(insert, { method: 'POST', body: '1\n2\n' })).status, 200);
    assert.equal(await (await fetch(url, { method: 'POST', body: 'SELECT count() FROM table(s)' })).text(), '2\n');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /tributary_errors_total\{protocol="http",code="100",name="LIMIT_EXCEEDED"\} 1/);
  } finally {
    await server.close();
    await node.close();
  }
});

test('users_file: plain and sha256 passwords; anyone else is refused', async () => {
  const file = join(tempDir(), 'users.yaml');
  const digest = createHash('sha256').update('s3cret').digest('hex');
  writeFileSync(file, `users:\n  default: { password: '' }\n  alice: { password_sha256_hex: ${digest} }\n`);
  const authenticate = loadUsersFile(file);
  assert.deepEqual(await authenticate('alice', 's3cret', '127.0.0.1'), { user: 'alice' });
  assert.deepEqual(await authenticate('default', '', '127.0.0.1'), { user: 'default' });
  await assert.rejects(authenticate('alice', 'wrong', '127.0.0.1'), /authentication failed/);
  await assert.rejects(authenticate('bob', '', '127.0.0.1'), /authentication failed/);
  writeFileSync(file, 'users:\n  eve: { password_sha256_hex: nothex }\n');
  assert.throws(() => loadUsersFile(file), /users_file .*: users\.eve/);
});

test('config: defaults, file values, flags override, paths relative to the file, errors name key and source', () => {
  const dir = tempDir();
  const file = join(dir, 'tributary.yaml');
  writeFileSync(file, 'data_dir: data\nhttp_port: 4000\ntcp_port: 4001\nip_white_list: [10.0.0.0/8]\n');
  const config = loadServerConfig({ file, flags: { http_port: '5000', listen: undefined } });
  assert.equal(config.data_dir, join(dir, 'data'));
  assert.equal(config.http_port, 5000);
  assert.equal(config.tcp_port, 4001);
  assert.equal(config.tls_port, 9440);
  assert.equal(config.listen, '127.0.0.1');
  assert.equal(config.fsync, 'always');
  assert.deepEqual(config.ip_white_list, ['10.0.0.0/8']);
  assert.equal(loadServerConfig({ flags: { data_dir: 'd' } }).http_port, 3218);
  const error = (run: () => unknown) => {
    try {
      run();
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.message;
    }
    assert.fail('expected a ConfigError');
  };
  assert.match(error(() => loadServerConfig({ flags: { data_dir: 'd', tls_cert: 'c.pem' } })), /tls_key: tls_cert and tls_key go together/);
  assert.match(error(() => loadServerConfig({ flags: { data_dir: 'd', listen: 'example' } })), /flag --listen: listen: expected an IP address/);
  writeFileSync(file, 'data_dir: d\nip_white_list: [300.1.1.1/8]\n');
  assert.match(error(() => loadServerConfig({ file })), new RegExp(`config file ${file}: ip_white_list: expected an IP address or CIDR`));
  writeFileSync(file, 'data_dir: [unclosed\n');
  assert.match(error(() => loadServerConfig({ file })), /is not valid YAML/);
});
