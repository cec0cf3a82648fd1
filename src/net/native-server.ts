// The native protocol server (TCP 8463, TLS 9440) over an embedded node: accepts connections,
// hands each to a ServerConnection (handshake, queries, inserts; see server-connection.ts), and
// shuts down gracefully. Frames and the conversation are documented in protocol/frame.ts.
//
// Authentication is a hook: `authenticate(user, password, remoteAddress)` resolves with the user
// or throws (AUTH_FAILED); sessions run as the user it resolves with. Without a hook only the user
// 'default' with an empty password from loopback is accepted, as ClickHouse does out of the box.
//
// close(): stops accepting, cancels running queries (their clients get ERROR QUERY_CANCELLED),
// ends every connection after its queued replies, and destroys the ones that do not close within
// CLOSE_GRACE_MS. It does not close the node: the node belongs to the caller.
import { DbError } from '../core/errors.ts';
import type { TributaryNode } from '../engine/node.ts';
import {
  CONNECTIONS_MAX,
  CONNECTION_INFLIGHT_BYTES_MAX,
  CONNECTION_WRITE_BUFFER_BYTES_MAX,
  CONTROL_FRAME_BYTES_MAX,
  FRAME_BYTES_MAX,
  HANDSHAKE_FRAME_BYTES_MAX,
  HANDSHAKE_TIMEOUT_MS,
  PROTOCOL_VERSION_MAX,
  PROTOCOL_VERSION_MIN,
  REQUESTS_PER_CONNECTION_MAX,
} from './protocol/protocol-limits.ts';
import { type Authenticate, type ConnectionContext, type ConnectionLimits, type ServerCounters, ServerConnection, loopbackDefaultAuthenticate } from './server-connection.ts';
import { type FrameConnection, listen } from './transport.ts';
import { errorFrame } from './wire-errors.ts';

/** Milliseconds close() waits for a connection to end by itself before destroying it. */
const CLOSE_GRACE_MS = 1_000;

export const SERVER_VERSION = 'tributary 0.1.0';

export interface NativeServerLimits extends ConnectionLimits {
  readonly connectionsMax: number;
}

export const NATIVE_SERVER_LIMITS_DEFAULT: NativeServerLimits = {
  frameBytesMax: FRAME_BYTES_MAX,
  controlFrameBytesMax: CONTROL_FRAME_BYTES_MAX,
  handshakeFrameBytesMax: HANDSHAKE_FRAME_BYTES_MAX,
  inflightBytesMax: CONNECTION_INFLIGHT_BYTES_MAX,
  writeBufferBytesMax: CONNECTION_WRITE_BUFFER_BYTES_MAX,
  requestsPerConnectionMax: REQUESTS_PER_CONNECTION_MAX,
  handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
  connectionsMax: CONNECTIONS_MAX,
};

export interface NativeServerOptions {
  readonly node: TributaryNode;
  readonly host: string;
  /** 0 picks a free port (tests); see `port` on the result. */
  readonly port: number;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly authenticate?: Authenticate;
  readonly limits?: Partial<NativeServerLimits>;
  /** This node's id, sent in HELLO_OK (default 'tributary'). */
  readonly nodeId?: string;
  readonly serverVersion?: string;
  /** Protocol versions to offer (default: all this build speaks). Tests use it to play an older or newer server. */
  readonly versions?: { readonly min: number; readonly max: number };
}

export interface NativeServerStats extends Readonly<ServerCounters> {
  readonly connections: number;
  /** Bytes queued in sockets' write buffers right now, over all connections. */
  readonly outboundBufferedBytes: number;
}

export interface NativeServer {
  readonly port: number;
  stats(): NativeServerStats;
  close(): Promise<void>;
}

export async function startNativeServer(options: NativeServerOptions): Promise<NativeServer> {
  const limits: NativeServerLimits = { ...NATIVE_SERVER_LIMITS_DEFAULT, ...options.limits };
  const connections = new Set<ServerConnection>();
  const transports = new Map<ServerConnection, FrameConnection>();
  const counters: ServerCounters = {
    dataFramesSent: 0,
    framesDropped: 0,
    outboundBufferedBytesPeak: 0,
    inflightBytes: 0,
    inflightBytesPeak: 0,
    queriesStarted: 0,
    queriesRunning: 0,
  };
  const closedWaiters = new Map<ServerConnection, () => void>();
  const context: ConnectionContext = {
    node: options.node,
    limits,
    authenticate: options.authenticate ?? loopbackDefaultAuthenticate,
    versionMin: options.versions?.min ?? PROTOCOL_VERSION_MIN,
    versionMax: options.versions?.max ?? PROTOCOL_VERSION_MAX,
    nodeId: options.nodeId ?? 'tributary',
    serverVersion: options.serverVersion ?? SERVER_VERSION,
    counters,
    onClosed(connection) {
      connections.delete(connection);
      transports.delete(connection);
      closedWaiters.get(connection)?.();
      closedWaiters.delete(connection);
    },
  };
  let closing = false;
  const listener = await listen(
    { host: options.host, port: options.port, tls: options.tls },
    (transport) => {
      if (closing || connections.size >= limits.connectionsMax) {
        const reason = closing ? 'the server is closing' : `${limits.connectionsMax} connections are open (CONNECTIONS_MAX)`;
        transport.start({ onMessage: () => undefined, onClose: () => undefined });
        transport.send(errorFrame(0, new DbError('SERVER_BUSY', reason)));
        transport.close();
        return;
      }
      const connection = new ServerConnection(transport, context);
      if (connection.state === 'closed') return;
      connections.add(connection);
      transports.set(connection, transport);
    },
    { frameBytesMax: limits.handshakeFrameBytesMax, controlFrameBytesMax: limits.handshakeFrameBytesMax, limitName: 'HANDSHAKE_FRAME_BYTES_MAX' },
  );

  return {
    port: listener.port,
    stats() {
      let outboundBufferedBytes = 0;
      for (const transport of transports.values()) outboundBufferedBytes += transport.bufferedBytes;
      return { ...counters, connections: connections.size, outboundBufferedBytes };
    },
    async close() {
      if (closing) return;
      closing = true;
      const listenerClosed = listener.close();
      const reason = new DbError('QUERY_CANCELLED', 'the server is shutting down');
      const ends: Promise<void>[] = [];
      for (const connection of [...connections]) {
        ends.push(
          new Promise<void>((resolve) => {
            const grace = new AbortController();
            void options.node.clock.sleep(CLOSE_GRACE_MS, grace.signal).then(
              () => connection.destroy(),
              () => undefined,
            );
            closedWaiters.set(connection, () => {
              grace.abort();
              resolve();
            });
            void connection.shutdown(reason);
          }),
        );
      }
      await Promise.all(ends);
      await listenerClosed;
    },
  };
}


