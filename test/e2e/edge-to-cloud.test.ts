// The seed's edge-to-cloud recipe, verbatim, through a TCP proxy in the test tree that cuts the
// link several times, while the edge and the cloud are each SIGKILLed and restarted, and the view
// is paused and unpaused. In the end the cloud holds exactly the edge's rows that match the
// filter, none twice, and every insert the edge acknowledged is among them.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type NodeProcess, startNode } from '../support/node-process.ts';
import { type TcpProxy, startTcpProxy } from '../support/tcp-proxy.ts';
import { tempDir } from '../support/temp-dir.ts';
import { waitFor } from './wait.ts';

describe('edge to cloud (seed recipe) under faults', () => {
  const nodes: NodeProcess[] = [];
  let proxy: TcpProxy | null = null;
  after(async () => {
    await proxy?.close();
    await Promise.all(nodes.map((n) => n.kill()));
  });

  test('link cuts, SIGKILLs of both sides, pause/unpause: exactly the matching rows arrive, once', async () => {
    const cloud = await startNode({ dataDir: tempDir('trib-cloud-') });
    nodes.push(cloud);
    const edge = await startNode({ dataDir: tempDir('trib-edge-') });
    nodes.push(edge);
    proxy = await startTcpProxy({ targetPort: cloud.tcpPort });
    await cloud.sql('CREATE STREAM web_errors (host string, path string, http_code int32, seq int64)');
    await edge.sql('CREATE STREAM local_stream (host string, path string, http_code int32, seq int64)');
    // The seed's statements (host: the proxy in front of the cloud).
    await edge.sql(`CREATE EXTERNAL STREAM stream_in_cloud
SETTINGS type='timeplus',hosts='127.0.0.1:${proxy.port}',stream='web_errors'`);
    await edge.sql(`CREATE MATERIALIZED VIEW edge_to_cloud INTO stream_in_cloud
AS SELECT * FROM local_stream WHERE http_code>=400`);

    const acknowledged: number[] = [];
    let seq = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const rows: string[] = [];
        const first = seq;
        for (let i = 0; i < 50; i++, seq++) {
          const code = seq % 7 === 0 ? 500 : seq % 11 === 0 ? 404 : 200;
          rows.push(JSON.stringify({ host: `h${seq % 3}`, path: `/p/${seq}`, http_code: code, seq }));
        }
        try {
          await edge.sql('INSERT INTO local_stream FORMAT JSONEachRow\n' + rows.join('\n'), {}, { timeoutMs: 5_000 });
          for (let s = first; s < seq; s++) acknowledged.push(s);
        } catch {
          // The edge is down: this insert is not acknowledged (it may or may not have landed).
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const cloudCount = async () => Number((await cloud.sql('SELECT count() FROM table(web_errors)')).trim());
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const grows = async (from: number) => waitFor(async () => (await cloudCount()) > from, 60_000, async () => `cloud stuck at ${from}; edge tasks: ${await edge.sql('SELECT * FROM system.tasks').catch((e: Error) => e.message)}`);

    await grows(0);
    for (let i = 0; i < 3; i++) {
      proxy.cut();
      await pause(300);
    }
    proxy.block();
    await pause(800);
    proxy.unblock();
    await grows(await cloudCount());

    await edge.kill();
    await pause(300);
    await edge.restart();
    await grows(await cloudCount());

    await cloud.kill();
    await pause(500);
    await cloud.restart();
    proxy.setTarget(cloud.tcpPort);
    await grows(await cloudCount());

    await edge.sql('SYSTEM PAUSE MATERIALIZED VIEW edge_to_cloud');
    const paused = await cloudCount();
    await pause(700);
    assert.equal(await cloudCount(), paused, 'a paused view delivers nothing');
    await edge.sql('SYSTEM UNPAUSE MATERIALIZED VIEW edge_to_cloud');
    await grows(paused);

    proxy.cut();
    writing = false;
    await writer;

    const expected = async () => (await edge.sql('SELECT seq FROM table(local_stream) WHERE http_code>=400 ORDER BY seq')).trim();
    await waitFor(
      async () => (await cloud.sql('SELECT seq FROM table(web_errors) ORDER BY seq')).trim() === (await expected()),
      60_000,
      async () => `cloud ${await cloudCount()} rows, edge ${(await edge.sql('SELECT count() FROM table(local_stream) WHERE http_code>=400')).trim()} matching; tasks: ${await edge.sql('SELECT * FROM system.tasks')}`,
    );
    const cloudRows = (await cloud.sql('SELECT seq FROM table(web_errors) ORDER BY seq')).trim().split('\n').map(Number);
    assert.ok(cloudRows.length > 100, `a meaningful amount of data crossed the link (${cloudRows.length} rows)`);
    assert.equal(new Set(cloudRows).size, cloudRows.length, 'no row arrives twice');
    const inCloud = new Set(cloudRows);
    const missing = acknowledged.filter((s) => (s % 7 === 0 || s % 11 === 0) && !inCloud.has(s));
    assert.deepEqual(missing, [], 'every acknowledged matching row reaches the cloud');
    assert.ok(cloudRows.every((s) => s % 7 === 0 || s % 11 === 0), 'only rows matching the filter');
    // Rows that matched nothing are acknowledged too: the lag reaches 0.
    const status = () => edge.sql("SELECT state, lag_rows FROM system.tasks WHERE name = 'edge_to_cloud'");
    await waitFor(async () => (await status()) === 'RUNNING\t0\n', 30_000, status);
    const metrics = await (await fetch(`${edge.url}/metrics`)).text();
    assert.match(metrics, /^tributary_task_lag_rows\{database="default",task="edge_to_cloud",kind="materialized_view"\} 0$/m);
    assert.match(metrics, /^tributary_task_running\{database="default",task="edge_to_cloud",kind="materialized_view"\} 1$/m);
    assert.match(metrics, /^tributary_task_retries_total\{database="default",task="edge_to_cloud",kind="materialized_view"\} [1-9]\d*$/m);
  });
});
