// Runs `tributary server` as a real child process on loopback for integration tests: free ports
// (0), a given data directory, and the bound HTTP port read from the server's start log line.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 15_000;

export interface ServerProcess {
  readonly url: string;
  readonly httpPort: number;
  readonly child: ChildProcess;
  /** Everything the server wrote to stderr so far (JSON log lines). */
  log(): string;
  /** Sends a signal and resolves with the exit code (null when killed by the signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServerProcess(dataDir: string, extraArgs: readonly string[] = []): Promise<ServerProcess> {
  const args = ['--import', 'tsx', 'src/cli/main.ts', 'server', '--data-dir', dataDir, '--http-port', '0', '--tcp-port', '0', ...extraArgs];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${START_TIMEOUT_MS} ms:\n${stderr}`)), START_TIMEOUT_MS);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /"http_port":(\d+).*"msg":"tributary server started"/.exec(stderr);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before starting:\n${stderr}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const ping = await fetch(`${url}/ping`);
  if ((await ping.text()) !== 'Ok.\n') throw new Error('server does not answer /ping');
  return {
    url,
    httpPort: port,
    child,
    log: () => stderr,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await exited;
      return code;
    },
  };
}

/** POSTs SQL (and optional URL parameters) and returns status, headers and body text. */
export async function post(url: string, body: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  const response = await fetch(target, { method: 'POST', body, headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Runs a statement and fails with the server's message unless it answers 200. */
export async function ok(url: string, body: string, params: Record<string, string> = {}): Promise<string> {
  const result = await post(url, body, params);
  if (result.status !== 200) throw new Error(`HTTP ${result.status}: ${result.text}`);
  return result.text;
}
