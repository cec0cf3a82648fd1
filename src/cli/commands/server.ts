// `tributary server`: runs one node on one data directory until SIGTERM/SIGINT. The flags are a
// contract (scripts and tests use them): --data-dir, --tcp-port, --http-port, --tls-port,
// --tls-cert, --tls-key, --listen, --config, --log-level. Flags override the config file.
// A bad configuration exits 2 with a message naming the key and its source; a failure to start
// (data directory locked, port in use) exits 1.
import { ConfigError, type ConfigFlags, loadServerConfig } from '../../server/config.ts';

export interface ServerCommandOptions {
  readonly dataDir?: string;
  readonly tcpPort?: string;
  readonly httpPort?: string;
  readonly tlsPort?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly listen?: string;
  readonly config?: string;
  readonly logLevel?: string;
}

export async function runServerCommand(options: ServerCommandOptions): Promise<void> {
  const flags: ConfigFlags = {
    data_dir: options.dataDir,
    tcp_port: options.tcpPort,
    http_port: options.httpPort,
    tls_port: options.tlsPort,
    tls_cert: options.tlsCert,
    tls_key: options.tlsKey,
    listen: options.listen,
    log_level: options.logLevel,
  };
  let config;
  try {
    config = loadServerConfig({ file: options.config, flags });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`tributary server: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  // Loaded here, not at the top: other commands should not pay for the server's imports.
  const { createLogger } = await import('../../server/logger.ts');
  const { runNodeServer } = await import('../../server/node-server.ts');
  const logger = createLogger(config.log_level);
  try {
    await runNodeServer(config, logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tributary server: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    const code = (error as NodeJS.ErrnoException).code;
    const message = code === 'EADDRINUSE' ? `${(error as Error).message}: another process listens there (pick another port)` : String((error as Error).message ?? error);
    logger.fatal({ err: message, code }, 'server failed to start');
    process.exit(1);
  }
}
