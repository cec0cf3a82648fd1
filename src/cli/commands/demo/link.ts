// The demo's network link: a TCP relay on 127.0.0.1 in front of one target port (the cloud node's
// native port). The edge node's external stream points at the relay instead of the cloud, so the
// demo can take the "internet" down and bring it back while both nodes keep running.
//
//   cut()      destroys every open connection pair at once (an RST where the platform allows, on
//              both sides) and, until restore(), resets every new connection as soon as it is
//              accepted. The listener stays bound, so its port cannot be taken meanwhile: a client
//              sees ECONNRESET (or a close), as it would behind a dead router.
//   restore()  accepts and relays new connections again (open pairs were already destroyed).
//
// Bytes are relayed with backpressure (pipe), half-closes are propagated, and close() resolves once
// the listener and every socket it created are closed. Only loopback: the relay is a demo prop,
// not a proxy for real traffic.
import { type AddressInfo, type Server, type Socket, createConnection, createServer } from 'node:net';

export interface LinkOptions {
  /** The port connections are relayed to, on `targetHost` (default 127.0.0.1). */
  readonly targetPort: number;
  readonly targetHost?: string;
}

export interface LinkStats {
  /** Connections relayed since the start. */
  readonly relayed: number;
  /** Connections reset because the link was down. */
  readonly refused: number;
  /** Connection pairs open now. */
  readonly open: number;
  /** Bytes relayed towards the target, and back. */
  readonly bytesUp: number;
  readonly bytesDown: number;
}

export interface Link {
  /** The port the relay listens on (127.0.0.1). */
  readonly port: number;
  readonly up: boolean;
  /** Destroys every connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  stats(): LinkStats;
  close(): Promise<void>;
}

/** Ends a socket abruptly: an RST when it is a connected TCP socket, a plain destroy otherwise. */
function hardClose(socket: Socket): void {
  if (socket.destroyed) return;
  // Node 20: resetAndDestroy() on a socket whose end() is still pending never emits 'close'.
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

function closed(socket: Socket): Promise<void> {
  if ((socket as Socket & { closed?: boolean }).closed === true) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

export async function startLink(options: LinkOptions): Promise<Link> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  let up = true;
  let closing = false;
  let relayed = 0;
  let refused = 0;
  let bytesUp = 0;
  let bytesDown = 0;
  const pairs = new Set<readonly [Socket, Socket]>();
  /** Every socket created and not yet closed: close() waits for them. */
  const sockets = new Set<Socket>();

  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => undefined); // every error ends in 'close', handled there
    socket.once('close', () => sockets.delete(socket));
  };

  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    track(client);
    if (!up || closing) {
      refused++;
      hardClose(client);
      return;
    }
    relayed++;
    const upstream = createConnection({ host: targetHost, port: options.targetPort, allowHalfOpen: true });
    track(upstream);
    const pair = [client, upstream] as const;
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => (bytesUp += chunk.length));
    upstream.on('data', (chunk: Buffer) => (bytesDown += chunk.length));
    client.pipe(upstream);
    upstream.pipe(client);
    // Either side failing or closing ends the pair: the other side sees a reset.
    const end = () => {
      pairs.delete(pair);
      hardClose(client);
      hardClose(upstream);
    };
    client.once('close', end);
    upstream.once('close', end);
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const cutAll = (): void => {
    for (const [client, upstream] of pairs) {
      hardClose(client);
      hardClose(upstream);
    }
    pairs.clear();
  };

  return {
    port,
    get up() {
      return up;
    },
    cut() {
      up = false;
      cutAll();
    },
    restore() {
      up = true;
    },
    stats: () => ({ relayed, refused, open: pairs.size, bytesUp, bytesDown }),
    async close() {
      closing = true;
      const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      cutAll();
      for (const socket of sockets) hardClose(socket);
      await Promise.all([listenerClosed, ...[...sockets].map(closed)]);
    },
  };
}
