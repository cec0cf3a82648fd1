// Federation over external streams between real server processes: table(ext), a tumble window
// over a remote stream (bounded and streaming), virtual columns, seeks pushed to the remote,
// SHOW CREATE redaction, clear errors; and a two-shard remote: writes spread, fan-out reads merge,
// a dead shard is named in the error.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type NodeProcess, freePort, startNode } from '../support/node-process.ts';
import { tempDir } from '../support/temp-dir.ts';

const nodes: NodeProcess[] = [];
after(async () => {
  await Promise.all(nodes.map((n) => n.kill()));
});

describe('federation: queries over a remote stream', () => {
  let remote: NodeProcess;
  let local: NodeProcess;
  before(async () => {
    [remote, local] = await Promise.all([startNode({ dataDir: tempDir('trib-fed-r-') }), startNode({ dataDir: tempDir('trib-fed-l-') })]);
    nodes.push(remote, local);
    await remote.sql('CREATE STREAM sensors (device string, temperature float64)');
    const rows = [];
    for (let i = 0; i < 30; i++) rows.push(`('2026-01-01 00:00:${String(i).padStart(2, '0')}', 'd${i % 3}', ${i})`);
    await remote.sql(`INSERT INTO sensors (_tp_time, device, temperature) VALUES ${rows.join(', ')}`);
    await local.sql(`CREATE EXTERNAL STREAM ext SETTINGS type='timeplus', hosts='127.0.0.1:${remote.tcpPort}', stream='sensors'`);
  });

  test('the schema comes from the remote; DESCRIBE and SHOW CREATE (password redacted)', async () => {
    assert.equal(await local.sql('DESCRIBE ext'), "_tp_time\tdatetime64(3, 'UTC')\t\ndevice\tstring\t\ntemperature\tfloat64\t\n");
    await local.sql(`CREATE EXTERNAL STREAM secret_ext (device string) SETTINGS type='tributary', hosts='127.0.0.1:${remote.tcpPort}', stream='sensors', user='default', password='hunter2'`);
    const shown = await local.sql('SHOW CREATE secret_ext');
    assert.doesNotMatch(shown, /hunter2/);
    assert.match(shown, /password = '\*+'/);
  });

  test('table(ext) runs remotely, bounded', async () => {
    assert.equal(await local.sql('SELECT count(), sum(temperature), min(_tp_time), max(_tp_time) FROM table(ext)'), '30\t435\t2026-01-01 00:00:00.000\t2026-01-01 00:00:29.000\n');
    assert.equal(await local.sql("SELECT device, count() FROM table(ext) WHERE temperature >= 15 GROUP BY device ORDER BY device"), 'd0\t5\nd1\t5\nd2\t5\n');
  });

  test('tumble windows over the remote stream: bounded and streaming', async () => {
    assert.equal(await local.sql('SELECT window_start, count(), avg(temperature) FROM tumble(table(ext), 10s) GROUP BY window_start ORDER BY window_start'), '2026-01-01 00:00:00.000\t10\t4.5\n2026-01-01 00:00:10.000\t10\t14.5\n2026-01-01 00:00:20.000\t10\t24.5\n');
    const streaming = await local.sql('SELECT window_start, count() FROM tumble(ext, 10s) WHERE _tp_time > earliest_ts() GROUP BY window_start LIMIT 2');
    assert.equal(streaming, '2026-01-01 00:00:00.000\t10\n2026-01-01 00:00:10.000\t10\n');
  });

  test('virtual columns _tp_time, _tp_sn, _tp_shard; _tp_sn seeks run on the remote', async () => {
    assert.equal(await local.sql('SELECT _tp_sn, _tp_shard, temperature FROM table(ext) ORDER BY _tp_sn LIMIT 3'), '0\t0\t0\n1\t0\t1\n2\t0\t2\n');
    assert.equal(await local.sql('SELECT temperature FROM ext WHERE _tp_sn > 26 LIMIT 3'), '27\n28\n29\n');
    assert.equal(await local.sql("SELECT count() FROM ext WHERE _tp_time > earliest_ts() AND device = 'd1' LIMIT 1").then((s) => s.length > 0), true);
  });

  test('INSERT INTO ext lands on the remote, durable', async () => {
    await local.sql("INSERT INTO ext (device, temperature) VALUES ('d9', 100), ('d9', 101)");
    assert.equal(await remote.sql("SELECT count(), sum(temperature) FROM table(sensors) WHERE device = 'd9'"), '2\t201\n');
  });

  test('settings are validated: clear errors, nothing created', async () => {
    await assert.rejects(local.sql("CREATE EXTERNAL STREAM bad1 SETTINGS type='timeplus', stream='s'"), /hosts is required/);
    await assert.rejects(local.sql("CREATE EXTERNAL STREAM bad2 SETTINGS type='timeplus', hosts='127.0.0.1'"), /stream is required/);
    await assert.rejects(local.sql("CREATE EXTERNAL STREAM bad3 SETTINGS type='kafka', hosts='x', stream='s'"), /type 'kafka'/);
    await assert.rejects(local.sql("CREATE EXTERNAL STREAM bad4 SETTINGS type='timeplus', hosts='127.0.0.1:1', stream='s', sharding='x'"), /unknown setting 'sharding'/);
    await assert.rejects(local.sql("CREATE EXTERNAL STREAM bad5 SETTINGS type='timeplus', hosts='127.0.0.1:1', stream='s'"), /cannot fetch the columns/);
    assert.equal(await local.sql("SELECT count() FROM system.tasks"), '0\n');
    assert.doesNotMatch(await local.sql('SHOW STREAMS'), /bad/);
  });

  test('config_file holds the settings (secrets out of SQL)', async () => {
    const file = join(tempDir('trib-cfg-'), 'remote.conf');
    writeFileSync(file, `# remote node\nhosts=127.0.0.1:${remote.tcpPort}\nuser=default\npassword=''\n`);
    await local.sql(`CREATE EXTERNAL STREAM from_file SETTINGS type='timeplus', stream='sensors', config_file='${file}'`);
    assert.equal(await local.sql('SELECT count() FROM table(from_file) WHERE temperature < 100'), '30\n');
    await assert.rejects(local.sql(`CREATE EXTERNAL STREAM twice SETTINGS type='timeplus', stream='sensors', hosts='x', config_file='${file}'`), /set both in SQL and in config_file/);
  });
});

describe('two-shard remote', () => {
  test('writes spread over shards, reads fan out and merge, a dead shard is named', async () => {
    const [s0, s1, local] = await Promise.all([startNode({ dataDir: tempDir('trib-sh0-') }), startNode({ dataDir: tempDir('trib-sh1-') }), startNode({ dataDir: tempDir('trib-shl-') })]);
    nodes.push(s0, s1, local);
    for (const shard of [s0, s1]) await shard.sql('CREATE STREAM metrics (host string, value int64)');
    await local.sql(`CREATE EXTERNAL STREAM metrics_all SETTINGS type='timeplus', hosts='127.0.0.1:${s0.tcpPort},127.0.0.1:${s1.tcpPort}', stream='metrics'`);
    for (let i = 0; i < 10; i++) await local.sql(`INSERT INTO metrics_all (host, value) VALUES ('h${i}', ${i}), ('h${i}', ${i + 100})`);
    const c0 = Number(await s0.sql('SELECT count() FROM table(metrics)'));
    const c1 = Number(await s1.sql('SELECT count() FROM table(metrics)'));
    assert.equal(c0 + c1, 20);
    assert.equal(c0, 10, 'round-robin per batch: each shard holds half of the batches');
    assert.equal(await local.sql('SELECT count(), sum(value) FROM table(metrics_all)'), '20\t1090\n');
    assert.equal(await local.sql('SELECT _tp_shard, count() FROM table(metrics_all) GROUP BY _tp_shard ORDER BY _tp_shard'), '0\t10\n1\t10\n');

    // sharding_expr: rows of one host always go to the same shard.
    await local.sql(`CREATE EXTERNAL STREAM metrics_by_host SETTINGS type='timeplus', hosts='127.0.0.1:${s0.tcpPort},127.0.0.1:${s1.tcpPort}', stream='metrics', sharding_expr='host'`);
    await local.sql("INSERT INTO metrics_by_host (host, value) VALUES ('x1', 1), ('x2', 2), ('x1', 3), ('x2', 4), ('x3', 5), ('x3', 6)");
    const placement = await local.sql("SELECT host, uniq_exact(_tp_shard), count() FROM table(metrics_by_host) WHERE host LIKE 'x%' GROUP BY host ORDER BY host");
    assert.equal(placement, 'x1\t1\t2\nx2\t1\t2\nx3\t1\t2\n');

    await s1.kill();
    await assert.rejects(local.sql('SELECT count() FROM table(metrics_all)'), new RegExp(`shard 1 \\(127\\.0\\.0\\.1:${s1.tcpPort}\\)`));
  });
});

describe('remote failures', () => {
  test('a node whose remote is down at restart still starts; queries fail naming the shard until it returns', async () => {
    const [remote, local] = await Promise.all([startNode({ dataDir: tempDir('trib-down-r-') }), startNode({ dataDir: tempDir('trib-down-l-') })]);
    nodes.push(remote, local);
    await remote.sql('CREATE STREAM s (v int64)');
    await remote.sql('INSERT INTO s (v) VALUES (1), (2)');
    await local.sql(`CREATE EXTERNAL STREAM ext SETTINGS type='timeplus', hosts='127.0.0.1:${remote.tcpPort}', stream='s'`);
    await remote.kill();
    await local.kill();
    await local.restart();
    assert.equal(await local.sql('DESCRIBE ext'), "_tp_time\tdatetime64(3, 'UTC')\t\nv\tint64\t\n");
    await assert.rejects(local.sql('SELECT count() FROM table(ext)'), new RegExp(`connection closed: external stream default\\.ext, shard 0 \\(127\\.0\\.0\\.1:${remote.tcpPort}\\)`));
    await remote.restart();
    assert.equal(await local.sql('SELECT count(), sum(v) FROM table(ext)'), '2\t3\n');
  });

  test('unrecoverable errors stop a view with the reason: wrong password, missing remote stream', async () => {
    const [remote, local] = await Promise.all([startNode({ dataDir: tempDir('trib-stop-r-') }), startNode({ dataDir: tempDir('trib-stop-l-') })]);
    nodes.push(remote, local);
    await remote.sql("CREATE USER writer IDENTIFIED BY 'right'");
    await remote.sql('GRANT INSERT ON default.* TO writer');
    await remote.sql('CREATE STREAM s (v int64)');
    await local.sql('CREATE STREAM src (v int64)');
    await local.sql(`CREATE EXTERNAL STREAM wrong_pw (v int64) SETTINGS type='timeplus', hosts='127.0.0.1:${remote.tcpPort}', stream='s', user='writer', password='wrong'`);
    await local.sql(`CREATE EXTERNAL STREAM no_stream (v int64) SETTINGS type='timeplus', hosts='127.0.0.1:${remote.tcpPort}', stream='nope', user='writer', password='right'`);
    await assert.rejects(local.sql('INSERT INTO wrong_pw (v) VALUES (1)'), /authentication failed/);
    await local.sql('CREATE MATERIALIZED VIEW v1 INTO wrong_pw AS SELECT v FROM src');
    await local.sql('CREATE MATERIALIZED VIEW v2 INTO no_stream AS SELECT v FROM src');
    await local.sql('INSERT INTO src (v) VALUES (1)');
    const states = () => local.sql('SELECT name, state, last_error FROM system.tasks ORDER BY name');
    await waitForText(states, /^v1\tSTOPPED\tauthentication failed[^\n]*\nv2\tSTOPPED\t[^\n]*nope[^\n]*\n$/);
    assert.equal(await remote.sql('SELECT count() FROM table(s)'), '0\n');
  });
});

async function waitForText(read: () => Promise<string>, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    last = await read();
    if (pattern.test(last)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.match(last, pattern);
}

describe('secure external streams', () => {
  test('secure=true speaks TLS to the remote and verifies its certificate against ca_file', async () => {
    const certDir = tempDir('trib-tls-');
    // openssl comes from Debian's package; npm's pretest (scripts/ensure-system-packages.sh) installs it.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const tlsPort = await freePort();
    const remote = await startNode({ dataDir: tempDir('trib-tls-r-'), extraArgs: ['--tls-port', String(tlsPort), '--tls-cert', join(certDir, 'cert.pem'), '--tls-key', join(certDir, 'key.pem')] });
    const local = await startNode({ dataDir: tempDir('trib-tls-l-') });
    nodes.push(remote, local);
    await remote.sql('CREATE STREAM s (v int64)');
    await remote.sql('INSERT INTO s (v) VALUES (7)');
    await local.sql(`CREATE EXTERNAL STREAM ext SETTINGS type='timeplus', hosts='127.0.0.1:${tlsPort}', stream='s', secure=true, ca_file='${join(certDir, 'cert.pem')}'`);
    assert.equal(await local.sql('SELECT sum(v) FROM table(ext)'), '7\n');
    // Without the CA the certificate is not trusted: a clear error, nothing created.
    await assert.rejects(local.sql(`CREATE EXTERNAL STREAM untrusted SETTINGS type='timeplus', hosts='127.0.0.1:${tlsPort}', stream='s', secure=true`), /certificate/i);
    // The default port with secure=true is 9440.
    await local.sql("CREATE EXTERNAL STREAM defaults (v int64) SETTINGS type='timeplus', hosts='127.0.0.1', stream='s', secure=true");
    assert.match(await local.sql('SELECT count() FROM table(defaults)').catch((e: Error) => e.message), /127\.0\.0\.1:9440/);
  });
});
