// The `tributary` command line: parses arguments and hands off to one module per command in
// commands/. Thin by design: no product logic lives here.
import { Command } from 'commander';
import { isDbError } from '../core/errors.ts';
import { addClientCommand } from './commands/client.ts';
import { DemoUsageError, runDemo } from './commands/demo.ts';
import { runServerCommand } from './commands/server.ts';

const program = new Command();
program
  .name('tributary')
  .description('A streaming time-series database node that moves data between deployments.')
  .version('0.1.0');

program
  .command('demo')
  .description(
    'Edge to cloud on this machine: a cloud node and an edge node (embedded storage, native servers on 127.0.0.1), ' +
      'a sensor generator on the edge, the materialized view edge_to_cloud forwarding http_code >= 400 through an ' +
      'external stream; then a link outage, the catch-up, SYSTEM PAUSE/UNPAUSE, and a check that both sides agree.',
  )
  .option('--data-dir <dir>', 'keep both nodes\' data here (cloud/, edge/; must be new or empty); default: a temporary directory')
  .option('--keep', 'keep the temporary data directory')
  .option('--duration-scale <x>', 'multiply every phase\'s duration by x (default 1: about 17 s in all)', '1')
  .option('--fast', 'short phases (--duration-scale 0.3)')
  .option('--batch-rows <n>', 'rows per generator batch (one batch every 100 ms)', '2000')
  .option('--seed <n>', 'seed of the generator\'s pseudo-random rows', '1')
  .action(async (options: { dataDir?: string; keep?: boolean; durationScale: string; fast?: boolean; batchRows: string; seed: string }) => {
    const scale = options.fast === true && options.durationScale === '1' ? 0.3 : Number(options.durationScale);
    if (!Number.isFinite(scale) || scale <= 0 || scale > 100) usage(`--duration-scale must be a number in (0, 100], got '${options.durationScale}'`);
    const seed = Number(options.seed);
    if (!Number.isSafeInteger(seed) || seed < 0) usage(`--seed must be a non-negative integer, got '${options.seed}'`);
    try {
      process.exitCode = await runDemo({
        dataDir: options.dataDir,
        keep: options.keep === true,
        durationScale: scale,
        batchRows: positiveInt('--batch-rows', options.batchRows),
        seed,
      });
    } catch (error) {
      if (error instanceof DemoUsageError) usage(error.message);
      throw error;
    }
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

function usage(message: string): never {
  process.stderr.write(`tributary: ${message}\n`);
  process.exit(2);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const text = isDbError(error) ? `${error.message} (code ${error.wireCode}, ${error.code})` : String((error as Error)?.stack ?? error);
  process.stderr.write(`tributary: ${text}\n`);
  process.exit(1);
}
