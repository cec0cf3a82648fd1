// The composition root of `tributary server`: opens the node on its data directory, builds the
// metrics, the authenticator and the listeners (HTTP, native TCP, and native TLS when configured),
// and owns the order of shutdown:
//   1. stop accepting connections on every listener;
//   2. cancel running queries (live queries end their responses cleanly), let inserts that are
//      in flight finish and be acknowledged (bounded by HTTP_SHUTDOWN_GRACE_MS);
//   3. close the node: pending appends are synced, files closed, the data directory unlocked.
// An insert acknowledged before step 3 is durable; the process exits 0 after step 3.
import { readFileSync } from 'node:fs';
import type { TributaryNode } from '../engine/node.ts';
import { openNode } from '../tributary-node.ts';
import { SERVER_VERSION } from '../net/http/http-errors.ts';
import { type HttpServer, startHttpServer } from '../net/http/http-server.ts';
import { type NativeServer, startNativeServer } from '../net/index.ts';
import { type ServerConfig, pipeSettingsOf } from './config.ts';
import type { Logger } from './logger.ts';
import { ServerMetrics } from './metrics.ts';
import { createAuthenticator } from './authenticator.ts';
import { readUsersFile } from './users.ts';
import { gcMode, launchedWithSettings } from './launch-settings.ts';

export interface RunningServer {
  readonly node: TributaryNode;
  readonly metrics: ServerMetrics;
  readonly httpPort: number;
  readonly tcpPort: number;
  /** Null when no TLS certificate is configured. */
  readonly tlsPort: number | null;
  close(): Promise<void>;
}

interface Closable {
  close(): Promise<void>;
}

export async function startNodeServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const startedMs = performance.now();
  const usersFile = config.users_file === undefined ? null : readUsersFile(config.users_file);
  const taskLogger = logger.child({ component: 'sync' });
  const node = await openNode({
    dataDir: config.data_dir,
    streamDefaults: { fsync: config.fsync },
    configuredUsers: usersFile === null ? [] : [...usersFile.users.keys()],
    taskLog: (level, message, fields) => taskLogger[level](fields ?? {}, message),
    onRemoteWarning: (message) => taskLogger.warn(message),
    remoteTimeoutMs: config.remote_timeout_ms,
    remoteIdlePingMs: config.remote_idle_ping_ms,
    autoCreateSchema: config.enable_auto_create_schema,
    ipWhiteList: config.ip_white_list,
    pipes: pipeSettingsOf(config),
  });
  const authenticate = createAuthenticator({ catalog: node.storage.catalog, usersFile });
  const listeners: Closable[] = [];
  try {
    const metrics = new ServerMetrics(node);
    const http: HttpServer = await startHttpServer({
      node,
      host: config.listen,
      port: config.http_port,
      authenticate,
      metrics,
      logger: logger.child({ component: 'http' }),
    });
    listeners.push(http);
    metrics.addHttpRunningSource(() => http.runningQueries());
    const tcp = await startNativeServer({ node, host: config.listen, port: config.tcp_port, authenticate, nodeId: node.nodeId });
    listeners.push(tcp);
    const natives: NativeServer[] = [tcp];
    let tls: NativeServer | null = null;
    if (config.tls_cert !== undefined && config.tls_key !== undefined) {
      const keys = { cert: readFileSync(config.tls_cert), key: readFileSync(config.tls_key) };
      tls = await startNativeServer({ node, host: config.listen, port: config.tls_port, tls: keys, authenticate, nodeId: node.nodeId });
      listeners.push(tls);
      natives.push(tls);
    }
    metrics.addNativeSource(() => natives.map((n) => n.stats()));
    if (node.storage.orphanDirs.length > 0) logger.warn({ orphan_dirs: node.storage.orphanDirs }, 'stream log directories with no stream in the catalog');
    logger.info(
      {
        version: SERVER_VERSION,
        data_dir: config.data_dir,
        listen: config.listen,
        http_port: http.port,
        tcp_port: tcp.port,
        tls_port: tls?.port ?? null,
        streams: node.storage.catalog.listStreams().length,
        startup_ms: Math.round(performance.now() - startedMs),
        launch_settings: launchedWithSettings(),
        gc: gcMode(),
      },
      'tributary server started',
    );
    let closing: Promise<void> | null = null;
    const close = () => {
      closing ??= closeAll(listeners, node, logger);
      return closing;
    };
    return { node, metrics, httpPort: http.port, tcpPort: tcp.port, tlsPort: tls?.port ?? null, close };
  } catch (error) {
    await closeAll(listeners, node, logger);
    throw error;
  }
}

async function closeAll(listeners: readonly Closable[], node: TributaryNode, logger: Logger): Promise<void> {
  const results = await Promise.allSettled(listeners.map((l) => l.close()));
  for (const r of results) if (r.status === 'rejected') logger.error({ err: String(r.reason) }, 'closing a listener failed');
  await node.close();
}

/**
 * Runs the server until SIGTERM or SIGINT, then shuts down in order and exits 0. A second signal
 * during shutdown exits 1 at once. The handlers are installed before the server starts: a signal
 * that arrives while it starts (or just after its start line) stops it once it has started, instead
 * of killing it with the default action.
 */
export async function runNodeServer(config: ServerConfig, logger: Logger): Promise<void> {
  let server: RunningServer | null = null;
  let pending: NodeJS.Signals | null = null;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (server === null) {
      if (pending !== null) {
        logger.warn({ signal }, 'second signal while starting; exiting now');
        process.exit(1);
      }
      logger.info({ signal }, 'signal while starting; stopping once started');
      pending = signal;
      return;
    }
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    server.close().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error instanceof Error ? error.stack : String(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    server = await startNodeServer(config, logger);
  } catch (error) {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    throw error;
  }
  if (pending !== null) stop(pending);
}
