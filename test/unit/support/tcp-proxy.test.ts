// The fault-test TCP proxy against real sockets on loopback: bytes flow both ways (with
// backpressure on a large payload), half-closes pass, cut() breaks open connections, block()
// refuses new ones until unblock(), pause() holds bytes until resume(), setTarget() re-points new
// connections, close() leaves nothing open. resetSocket() sends an RST, and closes (rather than
// leaking the handle and hanging the process at exit) a socket whose end() is still in progress.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { type TcpProxy, resetSocket, startTcpProxy } from '../../support/tcp-proxy.ts';

const DEADLINE_MS = 15_000;

async function waitFor(condition: () => boolean, what: string, timeoutMs = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Echo {
  readonly port: number;
  readonly accepted: () => number;
  readonly received: () => number;
  readonly open: () => number;
  /** Writes to every open connection, unprompted. */
  broadcast(text: string): void;
  close(): Promise<void>;
}

/** Answers every chunk with `tag` + the chunk; ends when the client ends. */
async function startEcho(tag: string): Promise<Echo> {
  let accepted = 0;
  let received = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      socket.write(tag === '' ? chunk : Buffer.concat([Buffer.from(tag), chunk]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    received: () => received,
    open: () => sockets.size,
    broadcast: (text) => {
      for (const s of sockets) s.write(text);
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

interface Client {
  readonly socket: Socket;
  text(): string;
  bytes(): Buffer;
  readonly state: { ended: boolean; closed: boolean; error: NodeJS.ErrnoException | null };
}

function connectClient(port: number): Client {
  const socket = connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  const state = { ended: false, closed: false, error: null as NodeJS.ErrnoException | null };
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('end', () => (state.ended = true));
  socket.on('error', (error) => (state.error = error));
  socket.on('close', () => (state.closed = true));
  return { socket, state, bytes: () => Buffer.concat(chunks), text: () => Buffer.concat(chunks).toString('utf8') };
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function setup(tag = 'A:'): Promise<{ echo: Echo; proxy: TcpProxy }> {
  const echo = await startEcho(tag);
  const proxy = await startTcpProxy({ targetPort: echo.port });
  cleanups.push(() => echo.close(), () => proxy.close());
  return { echo, proxy };
}

describe('tcp proxy', () => {
  test('bytes flow both ways, counted, with backpressure on a large payload; half-close passes', async () => {
    const { echo, proxy } = await setup('');
    const client = connectClient(proxy.port);
    client.socket.write('hello');
    await waitFor(() => client.text() === 'hello', 'the echo');
    assert.deepEqual(proxy.stats(), { accepted: 1, refused: 0, active: 1, bytesUp: 5, bytesDown: 5 });

    const big = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i);
    client.socket.write(big);
    const total = 5 + big.length;
    await waitFor(() => client.bytes().length >= total, 'the 8 MiB echo');
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(digest(client.bytes().subarray(5)), digest(big));
    assert.equal(proxy.stats().bytesUp, total);
    assert.equal(proxy.stats().bytesDown, total);

    client.socket.end(); // FIN → proxy → echo, which ends → proxy → client
    await waitFor(() => client.state.ended && client.state.closed, 'the client to see the end');
    assert.equal(client.state.error, null);
    await waitFor(() => proxy.stats().active === 0 && echo.open() === 0, 'the pair to close');
  });

  test('cut() breaks open connections on both sides; new ones work', async () => {
    const { echo, proxy } = await setup();
    const first = connectClient(proxy.port);
    const second = connectClient(proxy.port);
    first.socket.write('1');
    second.socket.write('2');
    await waitFor(() => first.text() === 'A:1' && second.text() === 'A:2', 'both echoes');
    proxy.cut();
    await waitFor(() => first.state.closed && second.state.closed, 'the clients to be cut');
    assert.equal(first.state.error?.code, 'ECONNRESET', 'a reset, not a clean end');
    assert.equal(first.state.ended, false);
    await waitFor(() => echo.open() === 0 && proxy.stats().active === 0, 'the target side to be cut');
    const third = connectClient(proxy.port);
    third.socket.write('3');
    await waitFor(() => third.text() === 'A:3', 'an echo after the cut');
    third.socket.destroy();
  });

  test('block() cuts and refuses new connections; unblock() lets them through again', async () => {
    const { echo, proxy } = await setup();
    const open = connectClient(proxy.port);
    open.socket.write('x');
    await waitFor(() => open.text() === 'A:x', 'the echo');
    proxy.block();
    await waitFor(() => open.state.closed, 'the open connection to be cut');

    const refused = connectClient(proxy.port);
    refused.socket.write('y');
    await waitFor(() => refused.state.closed, 'the new connection to be refused');
    assert.equal(refused.text(), '');
    assert.equal(echo.accepted(), 1, 'the target never saw the refused connection');
    assert.equal(proxy.stats().refused, 1);

    proxy.unblock();
    const again = connectClient(proxy.port);
    again.socket.write('z');
    await waitFor(() => again.text() === 'A:z', 'an echo after unblock');
    assert.equal(echo.accepted(), 2);
    again.socket.destroy();
  });

  test('pause() holds bytes both ways and new connections; resume() releases them', async () => {
    const { echo, proxy } = await setup();
    const client = connectClient(proxy.port);
    client.socket.write('a');
    await waitFor(() => client.text() === 'A:a', 'the echo');

    proxy.pause();
    await new Promise<void>((resolve, reject) => client.socket.write('b', (error) => (error ? reject(error) : resolve())));
    const held = connectClient(proxy.port);
    held.socket.write('c');
    await waitFor(() => held.socket.readyState === 'open', 'the held connection to be accepted');
    // A negative check needs some time to pass; a slow machine can only make it pass more easily.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(echo.received(), 1, 'nothing reached the target while paused');
    assert.equal(echo.accepted(), 1, 'the held connection was not dialed while paused');
    assert.equal(client.text(), 'A:a');
    assert.equal(client.state.closed, false);
    assert.equal(proxy.stats().active, 2);

    proxy.resume();
    await waitFor(() => client.text() === 'A:aA:b', 'the held bytes');
    await waitFor(() => held.text() === 'A:c', 'the held connection');
    assert.equal(echo.accepted(), 2);

    // The way back too: what the target sends while paused reaches the client only after resume.
    proxy.pause();
    echo.broadcast('push');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(client.text(), 'A:aA:b');
    proxy.resume();
    await waitFor(() => client.text() === 'A:aA:bpush', 'the bytes from the target after resume');
    client.socket.destroy();
    held.socket.destroy();
  });

  test('setTarget() points new connections at the new target; open ones keep the old', async () => {
    const { proxy } = await setup('A:');
    const b = await startEcho('B:');
    cleanups.push(() => b.close());
    const old = connectClient(proxy.port);
    old.socket.write('1');
    await waitFor(() => old.text() === 'A:1', 'the echo from A');
    proxy.setTarget(b.port);
    const fresh = connectClient(proxy.port);
    fresh.socket.write('2');
    await waitFor(() => fresh.text() === 'B:2', 'the echo from B');
    old.socket.write('3');
    await waitFor(() => old.text() === 'A:1A:3', 'the old connection still on A');
    old.socket.destroy();
    fresh.socket.destroy();
  });

  test('a target that is down resets the client; close() waits for every socket', async () => {
    const echo = await startEcho('A:');
    const proxy = await startTcpProxy({ targetPort: echo.port });
    const open = connectClient(proxy.port);
    open.socket.write('1');
    await waitFor(() => open.text() === 'A:1', 'the echo');
    await echo.close();
    await waitFor(() => open.state.closed, 'the client to see the target go');
    const down = connectClient(proxy.port);
    await waitFor(() => down.state.closed, 'a connection to a dead target to be closed');
    assert.equal(down.text(), '');

    const paused = connectClient(proxy.port);
    proxy.pause();
    await waitFor(() => paused.socket.readyState === 'open', 'connected');
    await proxy.close(); // a held (never dialed) pair too
    assert.equal(proxy.stats().active, 0);
    await waitFor(() => paused.state.closed, 'the held client to be closed');
    const refused = connectClient(proxy.port);
    await waitFor(() => refused.state.closed, 'a connection after close');
    assert.equal(refused.state.error?.code, 'ECONNREFUSED');
  });

  test('resetSocket(): an RST on an open socket; a socket being ended still closes', async () => {
    const echo = await startEcho('');
    cleanups.push(() => echo.close());
    const open = connectClient(echo.port);
    await waitFor(() => echo.accepted() === 1 && open.socket.readyState === 'open', 'connected');
    resetSocket(open.socket);
    await waitFor(() => open.state.closed && echo.open() === 0, 'the reset to close both ends');

    // end() then an immediate reset: libuv refuses the reset while the shutdown is pending.
    const ending = connectClient(echo.port);
    await waitFor(() => ending.socket.readyState === 'open', 'connected');
    ending.socket.end();
    resetSocket(ending.socket);
    await waitFor(() => ending.state.closed, "the ended socket's close event");
  });
});

