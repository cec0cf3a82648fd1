// Users and security: SQL users (scrypt hashes in the catalog), GRANT/REVOKE and their effect on
// every kind of statement (checked on node sessions), the login hook (users_file, built-in default
// from loopback only, SQL users, one error text for every failure), logins over HTTP (basic auth)
// and the native protocol in-process, and a real server process: passwords never in its log,
// users surviving a restart. All traffic stays on 127.0.0.1; other addresses are only passed to
// the hook as strings.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type DbError, isDbError } from '../../src/core/errors.ts';
import { type Session, type TributaryNode, openNode } from '../../src/engine/node.ts';
import { hashPassword, verifyPassword } from '../../src/engine/auth/password-hash.ts';
import { startHttpServer } from '../../src/net/http/http-server.ts';
import { connect, startNativeServer } from '../../src/net/index.ts';
import { createAuthenticator } from '../../src/server/authenticator.ts';
import { readUsersFile } from '../../src/server/users.ts';
import { tempDir } from '../support/temp-dir.ts';
import { startServerProcess } from './http-launcher.ts';

const HOST = '127.0.0.1';

async function denied(promise: Promise<unknown>, message: string): Promise<void> {
  let caught: unknown = null;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(isDbError(caught, 'ACCESS_DENIED'), `expected ACCESS_DENIED, got ${String(caught)}`);
  assert.equal((caught as DbError).message, `access denied: ${message}`);
}

async function withNode(run: (node: TributaryNode, dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = tempDir('trib-auth-');
  const node = await openNode({ dataDir });
  try {
    await run(node, dataDir);
  } finally {
    await node.close();
  }
}

async function setup(node: TributaryNode): Promise<Session> {
  await node.executeAll(`
    CREATE STREAM sensors (device string, v int32);
    CREATE STREAM other (x int32);
    CREATE DATABASE lab;
    CREATE STREAM lab.probes (v int32);
    INSERT INTO sensors (device, v) VALUES ('a', 1), ('b', 2);
    INSERT INTO lab.probes (v) VALUES (7);
    CREATE USER alice IDENTIFIED BY 'alice-pw-1';
  `);
  return node.session({ user: 'alice' });
}

test('auth: password hashes are scrypt with a random salt and their parameters; verify in constant time', async () => {
  const a = await hashPassword('hunter2');
  const b = await hashPassword('hunter2');
  assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword('hunter2', a), true);
  assert.equal(await verifyPassword('hunter3', a), false);
  assert.equal(await verifyPassword('hunter2', 'scrypt$999999999$8$1$x$y'), false);
  await assert.rejects(hashPassword(''), /password is empty/);
});

test('auth: a user without grants can do nothing; each denial names user, privilege and target only', async () => {
  await withNode(async (node) => {
    const alice = await setup(node);
    await denied(alice.query('SELECT * FROM table(sensors)'), 'user alice needs SELECT on default.sensors');
    // The same text whether or not the stream exists: nothing is revealed.
    await denied(alice.query('SELECT * FROM table(nope)'), 'user alice needs SELECT on default.nope');
    await denied(alice.query('SELECT * FROM table(ghost.s)'), 'user alice needs SELECT on ghost.s');
    await denied(alice.execute("INSERT INTO sensors (device, v) VALUES ('c', 3)"), 'user alice needs INSERT on default.sensors');
    await denied(alice.execute('CREATE STREAM t (x int32)'), 'user alice needs CREATE on default.t');
    await denied(alice.execute('CREATE DATABASE d2'), 'user alice needs CREATE on d2.*');
    await denied(alice.execute('DROP STREAM sensors'), 'user alice needs DROP on default.sensors');
    await denied(alice.execute('DROP DATABASE lab'), 'user alice needs DROP on lab.*');
    await denied(alice.execute("CREATE PIPE p WITH SINK ('sink'='iotdb-thrift-sink')"), 'user alice needs USE_PIPE on *.*');
    await denied(alice.execute('SHOW PIPES'), 'user alice needs USE_PIPE on *.*');
    await denied(alice.execute("CREATE USER bob IDENTIFIED BY 'x'"), 'user alice needs ALL on *.*');
    await denied(alice.execute('GRANT SELECT ON *.* TO alice'), 'user alice needs ALL on *.*');
    await denied(alice.execute('DESCRIBE sensors'), 'user alice needs SELECT on default.sensors');
    await denied(alice.execute('USE lab'), 'user alice has no privileges on lab.* or any stream in it');
    assert.deepEqual((await alice.query('SHOW DATABASES')).rows, []);
    // Nothing changed.
    assert.deepEqual((await node.query('SELECT count() FROM table(sensors)')).rows, [[2n]]);
  });
});

test('auth: GRANT and REVOKE of SELECT on db.s, db.* and *.*, and of each other privilege', async () => {
  await withNode(async (node) => {
    const alice = await setup(node);
    await node.execute('GRANT SELECT ON default.sensors TO alice');
    assert.deepEqual((await alice.query('SELECT v FROM table(sensors) ORDER BY v')).rows, [[1], [2]]);
    await denied(alice.query('SELECT * FROM table(other)'), 'user alice needs SELECT on default.other');
    // Subqueries, windows and INSERT … SELECT all check what they read.
    await denied(alice.query('SELECT * FROM (SELECT * FROM table(other))'), 'user alice needs SELECT on default.other');
    await denied(alice.query('SELECT count() FROM tumble(table(other), 5s) GROUP BY window_start'), 'user alice needs SELECT on default.other');
    assert.deepEqual((await alice.query('SHOW STREAMS')).rows, [['sensors']]);
    assert.deepEqual((await alice.query('SHOW DATABASES')).rows, [['default']]);

    await node.execute('GRANT SELECT ON lab.* TO alice');
    assert.deepEqual((await alice.query('SELECT v FROM table(lab.probes)')).rows, [[7]]);
    await alice.execute('USE lab');
    assert.deepEqual((await alice.query('SELECT v FROM table(probes)')).rows, [[7]]);
    await alice.execute('USE default');

    // A narrower revoke under a broader grant is refused, and changes nothing.
    await assert.rejects(node.execute('REVOKE SELECT ON lab.probes FROM alice'), /keeps SELECT on lab\.probes through a grant on lab\.\*/);
    await node.execute('REVOKE SELECT ON lab.* FROM alice');
    await denied(alice.query('SELECT v FROM table(lab.probes)'), 'user alice needs SELECT on lab.probes');

    await node.execute('GRANT SELECT ON *.* TO alice');
    assert.deepEqual((await alice.query('SELECT count() FROM table(other)')).rows, [[0n]]);
    assert.deepEqual((await alice.query('SELECT count() FROM table(lab.probes)')).rows, [[1n]]);
    await node.execute('REVOKE SELECT ON *.* FROM alice'); // also removes the narrower default.sensors grant
    await denied(alice.query('SELECT * FROM table(sensors)'), 'user alice needs SELECT on default.sensors');

    await node.execute('GRANT INSERT ON default.sensors TO alice');
    assert.equal((await alice.execute("INSERT INTO sensors (device, v) VALUES ('c', 3)")).kind, 'ok');
    await denied(alice.execute('INSERT INTO sensors (device, v) SELECT device, v FROM table(other)'), 'user alice needs SELECT on default.other');
    await node.execute('REVOKE INSERT ON default.sensors FROM alice');
    await denied(alice.execute("INSERT INTO sensors (device, v) VALUES ('d', 4)"), 'user alice needs INSERT on default.sensors');

    await node.execute('GRANT CREATE, DROP ON lab.* TO alice');
    await alice.execute('CREATE STREAM lab.mine (x int32)');
    await alice.execute('DROP STREAM lab.mine');
    await denied(alice.execute('CREATE STREAM t (x int32)'), 'user alice needs CREATE on default.t');
    await node.execute('REVOKE CREATE ON lab.* FROM alice');
    await denied(alice.execute('CREATE STREAM lab.mine (x int32)'), 'user alice needs CREATE on lab.mine');

    await node.execute('GRANT USE_PIPE ON *.* TO alice');
    // Past the check, pipes are not built yet.
    await assert.rejects(alice.execute("CREATE PIPE p WITH SINK ('sink'='iotdb-thrift-sink')"), (e) => isDbError(e, 'NOT_SUPPORTED'));
    await node.execute('REVOKE USE_PIPE ON *.* FROM alice');
    await denied(alice.execute('DROP PIPE p'), 'user alice needs USE_PIPE on *.*');

    await node.execute('GRANT ALL ON *.* TO alice');
    await alice.execute("CREATE USER bob IDENTIFIED BY 'bob-pw'");
    await alice.execute('GRANT SELECT ON default.* TO bob');
    const shown = (await node.query('SHOW CREATE USER bob')).rows[0][0] as string;
    assert.equal(shown, 'CREATE USER bob IDENTIFIED WITH scrypt_password;\nGRANT SELECT ON default.* TO bob');
    await node.execute('REVOKE ALL ON *.* FROM alice');
    await denied(alice.execute('DROP USER bob'), 'user alice needs ALL on *.*');
  });
});

test('auth: user management rules; default and users_file users cannot be changed with SQL', async () => {
  const dataDir = tempDir('trib-auth-');
  const node = await openNode({ dataDir, configuredUsers: ['ops'] });
  try {
    await node.execute("CREATE USER alice IDENTIFIED BY 'pw-1'");
    await assert.rejects(node.execute("CREATE USER alice IDENTIFIED BY 'pw-2'"), /object already exists: user alice/);
    await node.execute("CREATE USER IF NOT EXISTS alice IDENTIFIED BY 'pw-2'");
    await assert.rejects(node.execute('CREATE USER carol'), /needs IDENTIFIED BY/);
    await assert.rejects(node.execute("CREATE USER carol IDENTIFIED BY ''"), /password is empty/);
    await assert.rejects(node.execute("CREATE USER default IDENTIFIED BY 'x'"), /user default is built in/);
    await assert.rejects(node.execute("ALTER USER ops IDENTIFIED BY 'x'"), /defined in the server's users_file/);
    await assert.rejects(node.execute('GRANT SELECT ON *.* TO default'), /has every privilege/);
    await assert.rejects(node.execute('GRANT SELECT ON *.* TO nobody'), /object not found: user nobody/);
    await node.execute('DROP USER IF EXISTS nobody');
    // A user dropped and created again starts with no grants.
    await node.execute('GRANT SELECT ON *.* TO alice');
    await node.execute('DROP USER alice');
    await node.execute("CREATE USER alice IDENTIFIED BY 'pw-3'");
    await denied(node.session({ user: 'alice' }).query('SELECT 1 FROM table(x)'), 'user alice needs SELECT on default.x');
    // users_file users have every privilege.
    await node.session({ user: 'ops' }).execute('CREATE DATABASE opsdb');
    // The catalog holds hashes only; no result shows them.
    const catalog = readFileSync(join(dataDir, 'catalog.json'), 'utf8');
    assert.ok(!catalog.includes('pw-3'));
    assert.match(catalog, /scrypt\$16384\$8\$1\$/);
    assert.ok(!((await node.query('SHOW CREATE USER alice')).rows[0][0] as string).includes('scrypt$'));
  } finally {
    await node.close();
  }
});

test('auth: the login hook: SQL users, users_file with networks, default from loopback only, one error text', async () => {
  await withNode(async (node, dataDir) => {
    await node.execute("CREATE USER alice IDENTIFIED BY 'alice-pw-1'");
    const authenticate = createAuthenticator({ catalog: node.storage.catalog, usersFile: null });
    assert.deepEqual(await authenticate('alice', 'alice-pw-1', '10.0.0.5'), { user: 'alice' });
    assert.deepEqual(await authenticate('alice', 'alice-pw-1', '127.0.0.1'), { user: 'alice' }); // cached path
    const wrong = /: authentication failed: wrong user name or password$/;
    await assert.rejects(authenticate('alice', 'nope', '127.0.0.1'), wrong);
    await assert.rejects(authenticate('mallory', 'alice-pw-1', '127.0.0.1'), wrong);
    assert.deepEqual(await authenticate('default', '', '127.0.0.1'), { user: 'default' });
    assert.deepEqual(await authenticate('default', '', '::1'), { user: 'default' });
    assert.deepEqual(await authenticate('default', '', '::ffff:127.0.0.1'), { user: 'default' });
    await assert.rejects(authenticate('default', '', '10.0.0.5'), /user default may connect from loopback only/);
    await assert.rejects(authenticate('default', '', '::ffff:10.0.0.5'), /loopback only/);
    await assert.rejects(authenticate('default', 'x', '127.0.0.1'), wrong);
    // A changed password takes effect at once (the cache keys on the stored hash).
    await node.execute("ALTER USER alice IDENTIFIED BY 'alice-pw-2'");
    await assert.rejects(authenticate('alice', 'alice-pw-1', '127.0.0.1'), wrong);
    assert.deepEqual(await authenticate('alice', 'alice-pw-2', '127.0.0.1'), { user: 'alice' });
    await node.execute('DROP USER alice');
    await assert.rejects(authenticate('alice', 'alice-pw-2', '127.0.0.1'), wrong);

    const file = join(dataDir, 'users.yaml');
    writeFileSync(file, "users:\n  default: { password: '', networks: ['10.0.0.0/8', '127.0.0.1'] }\n  ops: { password: 'ops-pw', networks: ['192.168.1.0/24'] }\n  any: { password: 'any-pw' }\n");
    const withFile = createAuthenticator({ catalog: node.storage.catalog, usersFile: readUsersFile(file) });
    assert.deepEqual(await withFile('default', '', '10.0.0.5'), { user: 'default' });
    await assert.rejects(withFile('default', '', '172.16.0.1'), wrong);
    assert.deepEqual(await withFile('ops', 'ops-pw', '192.168.1.7'), { user: 'ops' });
    await assert.rejects(withFile('ops', 'ops-pw', '127.0.0.1'), wrong);
    assert.deepEqual(await withFile('any', 'any-pw', '203.0.113.9'), { user: 'any' });
    writeFileSync(file, "users:\n  default: { password: '', networks: ['10.0.0.0/99'] }\n");
    assert.throws(() => readUsersFile(file), /users\.default\.networks: "10\.0\.0\.0\/99" is not an IP address or CIDR block/);
  });
});

test('auth: HTTP basic auth and the native protocol log in SQL users and enforce their grants', async () => {
  await withNode(async (node) => {
    await setup(node);
    await node.execute('GRANT SELECT ON default.sensors TO alice');
    const authenticate = createAuthenticator({ catalog: node.storage.catalog, usersFile: null });
    const http = await startHttpServer({ node, host: HOST, port: 0, authenticate });
    const native = await startNativeServer({ node, host: HOST, port: 0, authenticate });
    const url = `http://${HOST}:${http.port}/`;
    const basic = (user: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    try {
      const good = await fetch(url, { method: 'POST', body: 'SELECT v FROM table(sensors) ORDER BY v', headers: basic('alice', 'alice-pw-1') });
      assert.equal(good.status, 200);
      assert.equal(await good.text(), '1\n2\n');
      const bad = await fetch(url, { method: 'POST', body: 'SELECT 1', headers: basic('alice', 'wrong') });
      assert.equal(bad.status, 401);
      assert.match(await bad.text(), /^Code: 602\. DB::Exception: authentication failed: wrong user name or password\. \(AUTH_FAILED\)/);
      const forbidden = await fetch(url, { method: 'POST', body: 'SELECT * FROM table(other)', headers: basic('alice', 'alice-pw-1') });
      assert.equal(forbidden.status, 403);
      assert.match(await forbidden.text(), /^Code: 606\. DB::Exception: access denied: user alice needs SELECT on default\.other\. \(ACCESS_DENIED\)/);

      const client = await connect({ host: HOST, port: native.port, user: 'alice', password: 'alice-pw-1' });
      try {
        assert.deepEqual((await client.query('SELECT v FROM table(sensors) ORDER BY v')).rows, [[1], [2]]);
        await assert.rejects(client.query('SELECT * FROM table(other)'), /access denied: user alice needs SELECT on default\.other/);
        // INSERT frames (not SQL) are checked too.
        await assert.rejects(client.insert('sensors', [{ device: 'z', v: 9 }]), /access denied: user alice needs INSERT on default\.sensors/);
      } finally {
        client.close();
      }
      await assert.rejects(connect({ host: HOST, port: native.port, user: 'alice', password: 'wrong' }), /authentication failed: wrong user name or password/);
      await assert.rejects(connect({ host: HOST, port: native.port, user: 'ghost', password: 'x' }), /authentication failed: wrong user name or password/);
    } finally {
      await native.close();
      await http.close();
    }
  });
});

test('auth: a client that turns off TLS verification logs a warning', async () => {
  const warnings: string[] = [];
  // Dials nothing reachable: the warning is given when the client is made, before dialing.
  await assert.rejects(connect({ host: HOST, port: 1, secure: true, rejectUnauthorized: false, onWarning: (m) => warnings.push(m) }));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /TLS certificate verification is disabled for 127\.0\.0\.1:1/);
});

test('auth: a server process keeps users across a restart and never logs passwords', async () => {
  const dataDir = tempDir('trib-auth-proc-');
  const secret = 'very-secret-pw-7731';
  const headers = { Authorization: `Basic ${Buffer.from(`carol:${secret}`).toString('base64')}` };
  let server = await startServerProcess(dataDir, ['--log-level', 'debug']);
  try {
    const post = (body: string, extra: Record<string, string> = {}) => fetch(server.url, { method: 'POST', body, headers: extra });
    assert.equal((await post(`CREATE USER carol IDENTIFIED BY '${secret}'`)).status, 200);
    assert.equal((await post('CREATE STREAM s (x int32)')).status, 200);
    assert.equal((await post('GRANT SELECT ON default.s TO carol')).status, 200);
    assert.equal((await post(`CREATE USER carol IDENTIFIED BY '${secret}'`)).status, 400); // fails, logged at debug
    assert.equal((await post(`ALTER USER carol IDENTIFIED WITH bogus_method BY '${secret}'`)).status, 400);
    assert.equal((await post(`ALTER USER carol IDENTIFIED BY '${secret}' junk`)).status, 400);
    assert.equal((await post('SELECT count() FROM table(s)', headers)).status, 200);
    assert.equal((await post('SELECT 1', { Authorization: `Basic ${Buffer.from(`carol:${secret}x`).toString('base64')}` })).status, 401);
    assert.equal(await server.stop(), 0);
    assert.match(server.log(), /http request failed/); // failures were logged (at debug) ...
    assert.ok(!server.log().includes(secret), 'the password is in the server log'); // ... without the password

    server = await startServerProcess(dataDir, ['--log-level', 'debug']);
    const again = await fetch(server.url, { method: 'POST', body: 'SELECT count() FROM table(s)', headers });
    assert.equal(again.status, 200);
    assert.equal(await again.text(), '0\n');
    const denial = await fetch(server.url, { method: 'POST', body: 'CREATE STREAM t (x int32)', headers });
    assert.match(await denial.text(), /access denied: user carol needs CREATE on default\.t/);
    assert.equal(await server.stop(), 0);
    assert.ok(!server.log().includes(secret), 'the password is in the server log');
  } finally {
    await server.stop('SIGKILL');
  }
});
