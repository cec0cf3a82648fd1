// A real TCP proxy on 127.0.0.1 (node:net) in front of one target host:port, for fault tests that
// need to break real connections between real processes: an edge node talks to a cloud node
// through it, and the test cuts, blocks, hangs or re-points the link.
//
//   cut()      resets every open connection pair now (RST on both sides where the platform allows);
//   block()    cut() and reset every new connection at once until unblock() (the listener stays
//              bound so its port cannot be taken meanwhile: a client sees its connect succeed and
//              then ECONNRESET/EPIPE/close, not ECONNREFUSED);
//   pause()    a black hole: bytes stop flowing in both directions (the proxy stops reading, so
//              the kernel buffers fill and the senders' writes eventually stall) and new
//              connections are held without dialing the target; resume() releases everything;
//   setTarget  points new connections at another port (a restarted target); open pairs keep
//              their old target until they end or are cut.
//
// Bytes are forwarded chunk by chunk with backpressure, half-closes are propagated, and close()
// resolves only once the listener and every socket it created are closed.
import { type AddressInfo, type Server, type Socket, createConnection, createServer } from 'node:net';

export interface TcpProxyOptions {
  readonly targetHost?: string;
  readonly targetPort: number;
  /** 0 (the default) picks a free port; read it from `port`. */
  readonly listenPort?: number;
}

export interface TcpProxyStats {
  /** Connections the listener accepted (including those reset while blocked). */
  readonly accepted: number;
  /** Connections reset at once because the proxy was blocked. */
  readonly refused: number;
  /** Connection pairs currently open (or waiting to dial the target). */
  readonly active: number;
  /** Bytes forwarded from clients to the target. */
  readonly bytesUp: number;
  /** Bytes forwarded from the target to clients. */
  readonly bytesDown: number;
}

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** Resets every open connection pair now. */
  cut(): void;
  /** cut(), and reset every new connection until unblock(). */
  block(): void;
  unblock(): void;
  /** Stops forwarding bytes in both directions without closing anything (a hung link). */
  pause(): void;
  /** Forwards again what pause() held. */
  resume(): void;
  /** New connections go to this port (and host, if given); open pairs are left alone. */
  setTarget(port: number, host?: string): void;
  stats(): TcpProxyStats;
  /** Stops listening, resets every connection and resolves when every socket is closed. */
  close(): Promise<void>;
}

interface Direction {
  /** Waiting for 'drain' on the writing side before reading again. */
  backpressured: boolean;
}

interface Pair {
  readonly client: Socket;
  upstream: Socket | null;
  readonly up: Direction;
  readonly down: Direction;
  dial(): void;
}

/**
 * Ends a socket abruptly: an RST when it is connected TCP, a plain destroy otherwise. Never
 * resetAndDestroy() a socket we have end()ed: libuv refuses a reset while a shutdown is pending
 * (uv_tcp_close_reset → EINVAL) and Node 20 then leaks the handle, which hangs the process at exit
 * (spinning in Environment::CleanupHandles). Such a socket has already sent its FIN; destroy()
 * closes it (with an RST anyway if unread data is left).
 */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting || socket.writableEnded || typeof socket.resetAndDestroy !== 'function') {
    socket.destroy();
    return;
  }
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function closedPromise(socket: Socket): Promise<void> {
  // 'close' is emitted once, after destroy, whatever the cause; a socket already closed has
  // `closed` set (Node >= 18).
  if ((socket as Socket & { closed?: boolean }).closed === true) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  let targetHost = options.targetHost ?? '127.0.0.1';
  let targetPort = options.targetPort;
  let blocked = false;
  let paused = false;
  let closing = false;
  let accepted = 0;
  let refused = 0;
  let bytesUp = 0;
  let bytesDown = 0;
  const pairs = new Set<Pair>();
  /** Every socket ever created, until it closes: close() waits for all of them. */
  const sockets = new Set<Socket>();

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {}); // errors end in 'close'; the pair reacts there
    socket.once('close', () => sockets.delete(socket));
  };

  const readIfAllowed = (socket: Socket | null, direction: Direction): void => {
    if (socket === null || socket.destroyed || paused || direction.backpressured) return;
    socket.resume();
  };

  const forward = (from: Socket, to: Socket, direction: Direction, count: (n: number) => void): void => {
    from.on('data', (chunk: Buffer) => {
      if (to.destroyed) return;
      count(chunk.length);
      if (!to.write(chunk)) {
        direction.backpressured = true;
        from.pause();
      }
    });
    to.on('drain', () => {
      direction.backpressured = false;
      readIfAllowed(from, direction);
    });
    // Half-close: the reader's FIN becomes a FIN towards the writer once the data is written.
    from.on('end', () => {
      if (!to.destroyed) to.end();
    });
  };

  const handle = (client: Socket): void => {
    accepted++;
    track(client);
    if (blocked || closing) {
      refused++;
      resetSocket(client);
      return;
    }
    // The listener pauses new sockets: nothing is read before the target is connected and the
    // link is not paused.
    const pair: Pair = { client, upstream: null, up: { backpressured: false }, down: { backpressured: false }, dial: () => {} };
    pairs.add(pair);
    pair.dial = () => {
      if (pair.upstream !== null || client.destroyed) return;
      const upstream = createConnection({ host: targetHost, port: targetPort, allowHalfOpen: true });
      upstream.pause();
      pair.upstream = upstream;
      track(upstream);
      // The target refusing or resetting shows to the client as a reset.
      upstream.on('error', () => resetSocket(client));
      upstream.once('close', () => {
        // A clean close of the target: what was written still reaches the client, then FIN.
        if (!client.destroyed) {
          if (client.writableEnded) client.destroy();
          else client.end();
        }
        void closedPromise(client).then(() => pairs.delete(pair));
      });
      upstream.once('connect', () => {
        forward(client, upstream, pair.up, (n) => (bytesUp += n));
        forward(upstream, client, pair.down, (n) => (bytesDown += n));
        readIfAllowed(client, pair.up);
        readIfAllowed(upstream, pair.down);
      });
    };
    client.on('error', () => {
      if (pair.upstream !== null) resetSocket(pair.upstream);
    });
    client.once('close', () => {
      const upstream = pair.upstream;
      if (upstream === null) {
        pairs.delete(pair);
        return;
      }
      if (!upstream.destroyed) {
        // The client finished cleanly: its last bytes still reach the target, then the pair ends.
        if (!upstream.connecting && !upstream.writableEnded) upstream.end(() => upstream.destroy());
        else upstream.destroy();
      }
      void closedPromise(upstream).then(() => pairs.delete(pair));
    });
    if (!paused) pair.dial();
  };

  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, handle);
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(options.listenPort ?? 0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const cut = (): void => {
    for (const pair of pairs) {
      resetSocket(pair.client);
      if (pair.upstream !== null) resetSocket(pair.upstream);
    }
  };

  return {
    port,
    cut,
    block: () => {
      blocked = true;
      cut();
    },
    unblock: () => {
      blocked = false;
    },
    pause: () => {
      paused = true;
      for (const pair of pairs) {
        pair.client.pause();
        pair.upstream?.pause();
      }
    },
    resume: () => {
      paused = false;
      for (const pair of pairs) {
        if (pair.upstream === null) pair.dial();
        else if (!pair.upstream.connecting) {
          readIfAllowed(pair.client, pair.up);
          readIfAllowed(pair.upstream, pair.down);
        }
      }
    },
    setTarget: (newPort: number, host?: string) => {
      targetPort = newPort;
      if (host !== undefined) targetHost = host;
    },
    stats: () => ({ accepted, refused, active: pairs.size, bytesUp, bytesDown }),
    close: async () => {
      closing = true;
      const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      cut();
      for (const socket of sockets) resetSocket(socket);
      await Promise.all([listenerClosed, ...[...sockets].map(closedPromise)]);
      pairs.clear(); // every socket is closed: no pair is left, whatever order the close events ran in
    },
  };
}
