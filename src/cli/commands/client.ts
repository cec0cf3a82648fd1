// `tributary client`: the SQL client over the native protocol. The flags are a contract (scripts
// and tests use them): --host (127.0.0.1), --port (8463; 9440 with TLS), --user (default),
// --password (or TRIBUTARY_PASSWORD), --secure, --ca-file, --insecure, --database, --query,
// --format.
//
// Modes:
// - Scripting, when --query is given or stdin is not a terminal: the statements (separated by
//   `;`) run in order; results print in TabSeparated without a header (or --format), errors print
//   `Code: <n>. <message>` on stderr. `INSERT … FORMAT name` with no data in --query reads its
//   data from stdin. The shell pieces live in ../client/.
// - Interactive otherwise: ../client/shell.ts.
//
// Exit status: 0 done, 1 a statement or the connection failed, 2 usage (bad flag or value),
// 130 interrupted (SIGINT in scripting mode).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';

const PORT_DEFAULT = 8463;
const PORT_SECURE_DEFAULT = 9440;
const EXIT_USAGE = 2;

export interface ClientCommandOptions {
  readonly host: string;
  readonly port?: string;
  readonly user: string;
  readonly password?: string;
  readonly secure?: boolean;
  readonly caFile?: string;
  readonly insecure?: boolean;
  readonly database?: string;
  readonly query?: string;
  readonly format?: string;
}

export function addClientCommand(program: Command): void {
  program
    .command('client')
    .description(
      'SQL client over the native protocol: an interactive shell on a terminal; with --query or SQL on stdin, ' +
        'runs the statements and prints results as TabSeparated (or --format).',
    )
    .option('--host <host>', 'server address', '127.0.0.1')
    .option('--port <n>', `native protocol port (default ${PORT_DEFAULT}; ${PORT_SECURE_DEFAULT} with --secure)`)
    .option('--user <name>', 'user', 'default')
    .option('--password <password>', 'password (default: $TRIBUTARY_PASSWORD, else empty)')
    .option('--secure', "TLS; the server's certificate is verified (system roots, or --ca-file)")
    .option('--ca-file <file>', "CA certificate (PEM) to verify the server's certificate with; implies --secure")
    .option('--insecure', "TLS without verifying the server's certificate (implies --secure; warns)")
    .option('--database <name>', "database (default: the server's default)")
    .option('--query <sql>', 'run these statements (separated by ;) and exit')
    .option('--format <name>', 'output format, e.g. TabSeparated, CSV, JSONEachRow, PrettyCompact (default: TabSeparated; tables in the shell)')
    // Usage errors exit 2 (commander's default is 1, which scripts read as a failed query).
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
    .action(runClientCommand);
}

export async function runClientCommand(options: ClientCommandOptions): Promise<void> {
  const usage = (message: string): never => {
    process.stderr.write(`tributary client: ${message}\n`);
    process.exit(EXIT_USAGE);
  };
  const secure = options.secure === true || options.caFile !== undefined || options.insecure === true;
  const port = options.port === undefined ? (secure ? PORT_SECURE_DEFAULT : PORT_DEFAULT) : Number(options.port);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) usage(`--port must be an integer in [1, 65535], got '${options.port}'`);
  if (options.caFile !== undefined && options.insecure === true) usage('--ca-file and --insecure contradict each other: pick one');
  let ca: Buffer | undefined;
  if (options.caFile !== undefined) {
    try {
      ca = readFileSync(options.caFile);
    } catch (error) {
      usage(`cannot read --ca-file ${options.caFile}: ${(error as Error).message}`);
    }
  }
  // Loaded here, not at the top: other commands should not pay for the client's imports.
  const { resolveOutputFormat } = await import('../../engine/format/output-formats.ts');
  const format = options.format === undefined ? null : resolveOutputFormat(options.format);
  if (options.format !== undefined && format === null) usage(`unknown --format '${options.format}'`);
  if (options.insecure === true) {
    process.stderr.write("tributary client: warning: --insecure: the server's certificate is not verified; anyone on the path can read and change this session\n");
  }

  const { connect } = await import('../../net/client.ts');
  const { errorText, flushOut } = await import('../client/output.ts');
  const scripting = options.query !== undefined || process.stdin.isTTY !== true;
  let client;
  try {
    client = await connect({
      host: options.host,
      port,
      user: options.user,
      password: options.password ?? process.env.TRIBUTARY_PASSWORD ?? '',
      secure,
      ca,
      rejectUnauthorized: options.insecure !== true,
      database: options.database,
      clientName: 'tributary-client',
    });
  } catch (error) {
    process.stderr.write(`${errorText(error)}\n`);
    process.exit(1);
  }

  let code: number;
  if (scripting) {
    const { scriptStatements, splitStatements } = await import('../client/split-statements.ts');
    const { runScript, EXIT_INTERRUPTED } = await import('../client/script.ts');
    let statements: string[];
    if (options.query !== undefined) {
      statements = scriptStatements(options.query);
      // `--query 'INSERT INTO s FORMAT CSV' < data.csv`: the data comes from stdin.
      const split = splitStatements(options.query);
      if (split.tailIsInsertData && /\bFORMAT\s+[A-Za-z_][A-Za-z0-9_]*\s*$/i.test(split.tail) && process.stdin.isTTY !== true) {
        statements[statements.length - 1] = `${split.tail}\n${await readStdin()}`;
      }
    } else {
      statements = scriptStatements(await readStdin());
    }
    const controller = new AbortController();
    process.on('SIGINT', () => {
      if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
      controller.abort();
      // The cancel is on its way; do not wait long for the server to confirm.
      setTimeout(() => process.exit(EXIT_INTERRUPTED), 1_000).unref();
    });
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      // The reader went away (`| head`): stop quietly.
      if (error.code === 'EPIPE') process.exit(0);
      throw error;
    });
    code = await runScript(client, statements, { format, signal: controller.signal });
  } else {
    const { runShell } = await import('../client/shell.ts');
    const info = client.serverInfo;
    const banner =
      `Connected to ${info?.serverVersion ?? 'a Tributary server'} at ${options.host}:${port} as ${options.user}` +
      `${info !== null && info.database !== '' ? `, database ${info.database}` : ''}${secure ? ' (TLS)' : ''}.\n` +
      "Statements end with ';'. Ctrl-C cancels a running query; exit, quit or Ctrl-D leaves.";
    code = await runShell(client, { format, banner });
  }
  client.close();
  await flushOut();
  process.exit(code);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
