// The `tributary` command line: parses arguments and hands off to one module per command in
// commands/. Thin by design: no product logic lives here.
import { Command } from 'commander';
import { isDbError } from '../core/errors.ts';
import { addClientCommand } from './commands/client.ts';
import { runDemo } from './commands/demo.ts';
import { runServerCommand } from './commands/server.ts';

const program = new Command();
program
  .name('tributary')
  .description('A streaming time-series database node that moves data between deployments.')
  .version('0.1.0');

program
  .command('demo')
  .description(
    'Storage demo (stand-in until the server exists): opens a data directory, appends sensor rows from ' +
      'concurrent writers with group commit, scans them, seeks by time, reopens and verifies.',
  )
  .option('--data-dir <dir>', 'data directory (default: a new temporary directory, removed afterwards)')
  .option('--rows <n>', 'rows to append', '200000')
  .option('--writers <n>', 'concurrent writers', '8')
  .option('--batch-rows <n>', 'rows per batch', '1000')
  .action(async (options: { dataDir?: string; rows: string; writers: string; batchRows: string }) => {
    await runDemo({
      dataDir: options.dataDir,
      rows: positiveInt('--rows', options.rows),
      writers: positiveInt('--writers', options.writers),
      batchRows: positiveInt('--batch-rows', options.batchRows),
    });
  });

program
  .command('server')
  .description('Runs a node: HTTP API (ClickHouse-compatible) and native protocol on one data directory, until SIGTERM or SIGINT.')
  .option('--data-dir <dir>', 'data directory (created if missing)')
  .option('--tcp-port <n>', 'native protocol port (default 8463)')
  .option('--http-port <n>', 'HTTP port (default 3218; 0 picks a free one, logged at start)')
  .option('--tls-port <n>', 'native protocol over TLS (default 9440; needs --tls-cert and --tls-key)')
  .option('--tls-cert <file>', 'TLS certificate (PEM)')
  .option('--tls-key <file>', 'TLS private key (PEM)')
  .option('--listen <host>', 'address to bind (default 127.0.0.1)')
  .option('--config <file>', 'YAML config file; flags override its values')
  .option('--log-level <level>', 'fatal, error, warn, info (default), debug, trace or silent')
  .action(runServerCommand);

addClientCommand(program);

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    process.stderr.write(`tributary: ${flag} must be a positive integer, got '${text}'\n`);
    process.exit(2);
  }
  return n;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const text = isDbError(error) ? `${error.message} (code ${error.wireCode}, ${error.code})` : String((error as Error)?.stack ?? error);
  process.stderr.write(`tributary: ${text}\n`);
  process.exit(1);
}
