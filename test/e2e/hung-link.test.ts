// A link that hangs (the proxy stops forwarding without closing anything) must not hang a view:
// inserts time out (remote_timeout_ms), idle live reads ping their link (remote_idle_ping_ms), the
// view retries, and when the link forwards again everything arrives exactly once.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type NodeProcess, startNode } from '../support/node-process.ts';
import { type TcpProxy, startTcpProxy } from '../support/tcp-proxy.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from './wait.ts';

describe('hung links', () => {
  const nodes: NodeProcess[] = [];
  const proxies: TcpProxy[] = [];
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(nodes.map((n) => n.kill()));
  });

  test('a view writing to, and a view reading from, a hung remote retry and deliver once the link forwards again', async () => {
    const configDir = tempDir('trib-hung-cfg-');
    const config = join(configDir, 'node.yaml');
    writeFileSync(config, 'remote_timeout_ms: 800\nremote_idle_ping_ms: 400\n');
    const [a, b] = await Promise.all([
      startNode({ dataDir: tempDir('trib-hung-a-'), extraArgs: ['--config', config] }),
      startNode({ dataDir: tempDir('trib-hung-b-'), extraArgs: ['--config', config] }),
    ]);
    nodes.push(a, b);
    const toB = await startTcpProxy({ targetPort: b.tcpPort });
    const toA = await startTcpProxy({ targetPort: a.tcpPort });
    proxies.push(toB, toA);
    for (const node of [a, b]) await node.sql('CREATE STREAM events (seq int64)');
    await a.sql('CREATE STREAM pulled (seq int64)');
    await b.sql('CREATE STREAM echoed (seq int64)');
    // a → b (writes through toB); b reads a's events back (reads through toA) into echoed.
    await a.sql(`CREATE EXTERNAL STREAM b_events SETTINGS type='timeplus', hosts='127.0.0.1:${toB.port}', stream='events'`);
    await a.sql('CREATE MATERIALIZED VIEW push INTO b_events AS SELECT seq FROM events');
    await b.sql(`CREATE EXTERNAL STREAM a_events SETTINGS type='timeplus', hosts='127.0.0.1:${toA.port}', stream='events'`);
    await b.sql('CREATE MATERIALIZED VIEW pull INTO echoed AS SELECT seq FROM a_events WHERE _tp_time > earliest_ts()');

    const insert = (from: number) => a.sql(`INSERT INTO events (seq) VALUES ${Array.from({ length: 10 }, (_, i) => `(${from + i})`).join(', ')}`);
    const count = (node: NodeProcess, stream: string) => node.sql(`SELECT count(), uniq_exact(seq) FROM table(${stream})`).then((s) => s.trim());
    await insert(0);
    await waitFor(async () => (await count(b, 'events')) === '10\t10' && (await count(b, 'echoed')) === '10\t10', 30_000, async () => `b: ${await count(b, 'events')} / ${await count(b, 'echoed')}`);

    toB.pause();
    toA.pause();
    await insert(10);
    await insert(20);
    // Both views notice: their requests time out or their pings go unanswered; they retry.
    await waitFor(
      async () => Number(await a.sql("SELECT retries FROM system.tasks WHERE name = 'push'")) > 0 && Number(await b.sql("SELECT retries FROM system.tasks WHERE name = 'pull'")) > 0,
      30_000,
      async () => `a: ${await a.sql('SELECT * FROM system.tasks')} b: ${await b.sql('SELECT * FROM system.tasks')}`,
    );
    toB.resume();
    toA.resume();
    await waitFor(async () => (await count(b, 'events')) === '30\t30' && (await count(b, 'echoed')) === '30\t30', 60_000, async () => `b: ${await count(b, 'events')} / ${await count(b, 'echoed')}; a tasks: ${await a.sql('SELECT * FROM system.tasks')} b tasks: ${await b.sql('SELECT * FROM system.tasks')}`);
    assert.equal(await count(b, 'events'), '30\t30');
  });
});
