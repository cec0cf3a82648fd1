// Runs `tributary server` as a real child process for multi-node fault tests (edge → cloud with
// link cuts and SIGKILLs). Unlike test/integration/http-launcher.ts, a node keeps its ports for
// life: they are chosen up front (by the caller, or free ones found here), so kill() + restart()
// brings the same node back on the same data directory and the same ports, where a proxy or an
// external stream still points.
//
// Readiness is the server's JSON start line on stderr ("tributary server started", with the bound
// ports) followed by an answer to GET /ping. A start that fails with EADDRINUSE (a port briefly
// held after a SIGKILL, or taken by someone else for a moment) is retried until a deadline (on the
// very first start, ports picked here are picked again); any other early exit or a timeout throws
// with the log in the message. The last LOG_LIMIT characters of stderr (all runs of the node,
// separated by '# node-process: ...' lines) are kept for diagnostics.
//
// Free ports are picked below the kernel's ephemeral range when it leaves room (on Linux
// 20000..32767 by default): a port from bind(0) lies inside the ephemeral range, where an outgoing
// connection — a client retrying while the node is down, or a connect to 127.0.0.1:P that the
// kernel gives the local port P and so connects to itself — can take it and make the restart fail.
//
// Every node still running when the test process ends (a test that failed half-way) is SIGKILLed by
// an after() hook and, as a last resort, on process exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchNodeFlags, withLaunchEnv } from '../../src/server/launch-settings.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_LINE_MSG = 'tributary server started';
const DEFAULT_START_TIMEOUT_MS = 60_000;
const DEFAULT_SQL_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 30_000;
const LOG_LIMIT = 256 * 1024;

export interface StartNodeOptions {
  readonly dataDir: string;
  /** Native protocol port; default: a free port found up front, kept across restarts. */
  readonly tcpPort?: number;
  /** HTTP port; default: a free port found up front, kept across restarts. */
  readonly httpPort?: number;
  /** More `tributary server` flags (e.g. ['--log-level', 'debug']). */
  readonly extraArgs?: readonly string[];
  /** Added to (overriding) this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Called with every chunk of the server's stderr as it arrives (all runs). */
  readonly onStderr?: (text: string) => void;
  /** Per start, EADDRINUSE retries included (default 60 s: tsx start-up on a loaded 2-core box). */
  readonly startTimeoutMs?: number;
}

export interface SqlOptions {
  /** The request fails after this long (default 60 s); streaming queries do not belong here. */
  readonly timeoutMs?: number;
}

export interface NodeProcess {
  readonly dataDir: string;
  readonly tcpPort: number;
  readonly httpPort: number;
  /** http://127.0.0.1:<httpPort> */
  readonly url: string;
  /** The current child process (a new one after restart()). */
  readonly child: ChildProcess;
  /** True between a successful start and the child's exit. */
  running(): boolean;
  /** The tail of stderr over all runs (JSON log lines, plus '# node-process: ...' markers). */
  log(): string;
  /** POSTs a statement to the HTTP API (params become URL parameters); the body text on 200, else throws with the body. */
  sql(query: string, params?: Readonly<Record<string, string>>, options?: SqlOptions): Promise<string>;
  /** SIGKILL, then waits for the exit. No-op when not running. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit; resolves with the exit code (0 for a clean shutdown). */
  stop(): Promise<number | null>;
  /** Starts the node again on the same data directory and ports (after kill() or stop()). */
  restart(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Ports

const handedOut = new Set<number>();

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 ? low : 32768;
  } catch {
    return 32768;
  }
}

function listenOnce(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(null));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const bound = (server.address() as AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A TCP port free on 127.0.0.1 now, not handed out before by this process, below the ephemeral
 * range when possible (see the top of the file); bind(0) as the fallback.
 */
export async function freePort(): Promise<number> {
  const min = 20_000;
  const max = ephemeralLow() - 1;
  if (max - min >= 1000) {
    for (let attempt = 0; attempt < 100; attempt++) {
      const candidate = min + Math.floor(Math.random() * (max - min + 1));
      if (handedOut.has(candidate)) continue;
      if ((await listenOnce(candidate)) !== null) {
        handedOut.add(candidate);
        return candidate;
      }
    }
  }
  for (;;) {
    const port = await listenOnce(0);
    if (port !== null && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP without connection reuse: a pooled keep-alive socket to a killed node must not fail the
// first request to the restarted one.

interface HttpResult {
  readonly status: number;
  readonly text: string;
}

function httpRequest(url: string, method: 'GET' | 'POST', body: string, timeoutMs: number): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body, 'utf8');
    const req = request(url, { method, agent: false, headers: method === 'POST' ? { 'content-length': payload.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer in ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(method === 'POST' ? payload : undefined);
  });
}

// ---------------------------------------------------------------------------------------------
// Nodes

const live = new Set<ChildProcess>();

after(async () => {
  const children = [...live];
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(children.map((child) => waitExit(child, EXIT_TIMEOUT_MS).catch(() => undefined)));
});
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves with the exit code once the child has exited (at once if it has). */
function waitExit(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (exited(child)) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process ${child.pid} did not exit in ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class StartFailure extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

export async function startNode(options: StartNodeOptions): Promise<NodeProcess> {
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  let tcpPort = options.tcpPort ?? (await freePort());
  let httpPort = options.httpPort ?? (await freePort());
  let stderr = '';
  let child: ChildProcess | null = null;
  let ready = false;
  let starting = false;
  let runs = 0;
  let everStarted = false;

  const appendLog = (text: string): void => {
    options.onStderr?.(text);
    stderr += text;
    if (stderr.length > LOG_LIMIT) stderr = stderr.slice(stderr.length - LOG_LIMIT);
  };

  /** One spawn: resolves when the node is ready, throws StartFailure otherwise (child exited). */
  const spawnOnce = async (deadline: number): Promise<void> => {
    runs++;
    const args = [...launchNodeFlags(), '--import', 'tsx', 'src/cli/main.ts', 'server', '--data-dir', options.dataDir, '--tcp-port', String(tcpPort), '--http-port', String(httpPort), ...(options.extraArgs ?? [])];
    appendLog(`# node-process: start #${runs}: tributary server --tcp-port ${tcpPort} --http-port ${httpPort}\n`);
    const proc = spawn(process.execPath, args, { cwd: REPO_ROOT, env: withLaunchEnv({ ...process.env, ...options.env }), stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    live.add(proc);
    let runLog = '';
    let partial = '';
    const seen: { started: { http: number; tcp: number } | null } = { started: null };
    let onStarted: (() => void) | null = null;
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      appendLog(chunk);
      if (seen.started !== null) return;
      if (runLog.length < LOG_LIMIT) runLog += chunk;
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes(START_LINE_MSG)) continue;
        try {
          const entry = JSON.parse(line) as { msg?: unknown; http_port?: unknown; tcp_port?: unknown };
          if (entry.msg === START_LINE_MSG && typeof entry.http_port === 'number' && typeof entry.tcp_port === 'number') {
            seen.started = { http: entry.http_port, tcp: entry.tcp_port };
            onStarted?.();
            return;
          }
        } catch {
          // not a JSON line: keep looking
        }
      }
    });
    proc.on('error', (error) => appendLog(`# node-process: ${error.message}\n`)); // e.g. a failed kill()
    proc.once('exit', () => {
      live.delete(proc);
      ready = false;
    });
    // 'close' comes after 'exit' and after stderr is drained: the log is complete then.
    const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      proc.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        appendLog(`# node-process: pid ${proc.pid} exited (code ${code}, signal ${signal})\n`);
        resolve([code, signal]);
      });
    });
    // The start line, or an early exit, or the deadline.
    const outcome = await new Promise<'started' | 'exited' | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
      onStarted = () => {
        clearTimeout(timer);
        resolve('started');
      };
      if (seen.started !== null) onStarted();
      void exit.then(() => {
        clearTimeout(timer);
        resolve('exited');
      });
    });
    const fail = async (why: string, retryable = false): Promise<never> => {
      if (!exited(proc)) {
        proc.kill('SIGKILL');
        await exit;
      }
      throw new StartFailure(`tributary node (data dir ${options.dataDir}) ${why}:\n${runLog}${partial}`, retryable);
    };
    if (outcome === 'timeout') return fail(`did not start in ${startTimeoutMs} ms`);
    if (outcome === 'exited') {
      const [code, signal] = await exit;
      return fail(`exited (code ${code}, signal ${signal}) before starting`, /EADDRINUSE/.test(runLog + partial));
    }
    const bound = seen.started!;
    if ((httpPort !== 0 && bound.http !== httpPort) || (tcpPort !== 0 && bound.tcp !== tcpPort)) {
      return fail(`bound http ${bound.http} / tcp ${bound.tcp}, not the requested ${httpPort} / ${tcpPort}`);
    }
    // Ports given as 0 are fixed by the first start: a restart reuses what the kernel picked.
    httpPort = bound.http;
    tcpPort = bound.tcp;
    for (;;) {
      if (exited(proc)) return fail('exited right after its start line');
      try {
        const ping = await httpRequest(`http://127.0.0.1:${httpPort}/ping`, 'GET', '', Math.max(1000, deadline - Date.now()));
        if (ping.status === 200 && ping.text === 'Ok.\n') break;
        if (Date.now() > deadline) return fail(`answers /ping with ${ping.status} ${JSON.stringify(ping.text)}`);
      } catch (error) {
        if (Date.now() > deadline) return fail(`does not answer /ping: ${(error as Error).message}`);
      }
      await sleep(50);
    }
    ready = true;
    everStarted = true;
  };

  const launch = async (): Promise<void> => {
    if (starting) throw new Error('tributary node: a start is already in progress');
    if (child !== null && !exited(child)) throw new Error(`tributary node: pid ${child.pid} is still running; kill() or stop() it first`);
    starting = true;
    try {
      const deadline = Date.now() + startTimeoutMs;
      for (let attempt = 1; ; attempt++) {
        try {
          await spawnOnce(deadline);
          return;
        } catch (error) {
          if (!(error instanceof StartFailure) || !error.retryable || Date.now() > deadline) throw error;
          if (!everStarted) {
            // Ports this module picked and no one points at yet: someone else took one between
            // freePort() and the bind, so pick again rather than wait for it.
            if (options.tcpPort === undefined) tcpPort = await freePort();
            if (options.httpPort === undefined) httpPort = await freePort();
          }
          await sleep(Math.min(1000, 100 * attempt)); // a port held after a SIGKILL comes free soon
        }
      }
    } finally {
      starting = false;
    }
  };

  await launch();

  const current = (): ChildProcess => {
    if (child === null) throw new Error('tributary node: never started');
    return child;
  };

  return {
    dataDir: options.dataDir,
    get tcpPort() {
      return tcpPort;
    },
    get httpPort() {
      return httpPort;
    },
    get url() {
      return `http://127.0.0.1:${httpPort}`;
    },
    get child() {
      return current();
    },
    running: () => ready && child !== null && !exited(child),
    log: () => stderr,
    sql: async (query, params = {}, sqlOptions = {}) => {
      const target = new URL(`http://127.0.0.1:${httpPort}/`);
      for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
      const result = await httpRequest(target.href, 'POST', query, sqlOptions.timeoutMs ?? DEFAULT_SQL_TIMEOUT_MS);
      if (result.status !== 200) throw new Error(`HTTP ${result.status} from ${target.host} for ${JSON.stringify(query.slice(0, 200))}: ${result.text}`);
      return result.text;
    },
    kill: async () => {
      const proc = current();
      if (exited(proc)) return;
      proc.kill('SIGKILL');
      await waitExit(proc, EXIT_TIMEOUT_MS);
    },
    stop: async () => {
      const proc = current();
      if (exited(proc)) return proc.exitCode;
      proc.kill('SIGTERM');
      return waitExit(proc, EXIT_TIMEOUT_MS);
    },
    restart: launch,
  };
}
