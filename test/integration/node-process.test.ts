// The multi-node test launcher against a real `tributary server` process: SQL over HTTP, SIGKILL
// and restart on the same data directory and ports (the row is still there, a proxy in front of
// the node needs no re-pointing), a start retried while its port is taken, and a start that fails
// for good reporting the server's message.
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:net';
import { describe, test } from 'node:test';
import { type NodeProcess, freePort, startNode } from '../support/node-process.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { tempDir } from '../support/temp-dir.ts';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function viaHttp(port: number, query: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: query, headers: { connection: 'close' } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text}`);
  return text;
}

describe('node process launcher', () => {
  test('SQL, SIGKILL, restart on the same ports: the row survives; a proxy in front keeps working', async () => {
    const node: NodeProcess = await startNode({ dataDir: tempDir('trib-np-') });
    try {
      const { tcpPort, httpPort, url } = node;
      assert.notEqual(tcpPort, httpPort);
      assert.equal(url, `http://127.0.0.1:${httpPort}`);
      assert.equal(node.running(), true);
      await node.sql('CREATE STREAM s (id int64, name string)');
      await node.sql('INSERT INTO s (id, name) VALUES (1, \'a\')');
      assert.equal(await node.sql('SELECT count() FROM table(s)'), '1\n');
      await assert.rejects(node.sql('SELECT nope FROM table(s)'), /HTTP \d+ .*nope/s);
      assert.equal(await node.sql('SELECT {n:int64} + 1', { param_n: '41' }), '42\n');

      const proxy = await startTcpProxy({ targetPort: httpPort });
      try {
        assert.equal(await viaHttp(proxy.port, 'SELECT count() FROM table(s)'), '1\n');

        const oldPid = node.child.pid;
        await node.kill();
        assert.equal(node.running(), false);
        assert.equal(node.child.signalCode, 'SIGKILL');
        await assert.rejects(node.sql('SELECT 1'), /ECONNREFUSED/);
        await assert.rejects(viaHttp(proxy.port, 'SELECT 1'));

        await node.restart();
        assert.notEqual(node.child.pid, oldPid);
        assert.equal(node.running(), true);
        assert.deepEqual([node.tcpPort, node.httpPort, node.url], [tcpPort, httpPort, url]);
        assert.equal(await node.sql('SELECT count() FROM table(s)'), '1\n');
        assert.equal(await viaHttp(proxy.port, 'SELECT id, name FROM table(s)'), '1\ta\n');
        assert.equal(node.log().match(/"msg":"tributary server started"/g)?.length, 2);
        assert.match(node.log(), /exited \(code null, signal SIGKILL\)/);
      } finally {
        await proxy.close();
      }
      assert.equal(await node.stop(), 0);
      await assert.rejects(node.restart().then(() => node.restart()), /still running/);
    } finally {
      await node.kill();
    }
  });

  test('a start finding its port taken retries until the port comes free', async () => {
    const httpPort = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(httpPort, '127.0.0.1', resolve));
    let seen = '';
    const starting = startNode({ dataDir: tempDir('trib-np-'), httpPort, onStderr: (text) => (seen += text) });
    try {
      await waitFor(() => seen.includes('EADDRINUSE'), 'a start attempt to fail on the taken port');
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
      const node = await starting;
      try {
        assert.equal(node.httpPort, httpPort);
        assert.match(node.log(), /EADDRINUSE/);
        assert.match(node.log(), /# node-process: start #2/);
        assert.equal(await node.sql('SELECT 1'), '1\n');
      } finally {
        await node.kill();
      }
    } finally {
      if (squatter.listening) squatter.close();
      await starting.then((node) => node.kill()).catch(() => undefined);
    }
  });

  test('a start that fails for good throws with the server message, quickly', async () => {
    const began = Date.now();
    await assert.rejects(startNode({ dataDir: tempDir('trib-np-'), extraArgs: ['--log-level', 'loud'] }), (error: Error) => {
      assert.match(error.message, /exited \(code 2, signal null\) before starting/);
      assert.match(error.message, /--log-level/);
      return true;
    });
    assert.ok(Date.now() - began < 30_000);
  });
});
