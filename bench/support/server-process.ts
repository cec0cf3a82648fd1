// Child processes for the server benches: a real `tributary server` on free loopback ports (port 0,
// the bound ports read from its start log line), Debian's ClickHouse through
// bench/peers/clickhouse-up.sh, and the one HTTP POST driver both are timed with (the same
// request as ../shared/bench-peers/ch-bench.mjs: keep-alive agent, ?query=…, body, 300 s timeout).
// Every wait is bounded; every process is stopped by its own pid (TERM, then KILL).
// stopChildrenOnSignal() makes a SIGINT/SIGTERM to the bench stop every child it started (by pid)
// before it exits; the 'exit' hook below covers the other ways out.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchNodeFlags, withLaunchEnv } from '../../src/server/launch-settings.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

export interface Child {
  readonly child: ChildProcess;
  log(): string;
  /** TERM, then KILL after STOP_TIMEOUT_MS; resolves with the exit code (null: killed by a signal). */
  stop(): Promise<number | null>;
}

/** Every child started through this module and not yet exited (for stopChildrenOnSignal). */
const liveChildren = new Set<Child>();

function childOf(child: ChildProcess, output: () => string): Child {
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  // If the bench dies before its `finally` (an uncaught error, EPIPE on stdout when piped to head),
  // its servers must not outlive it: TERM this child by its pid on the way out.
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', onExit);
  const handle: Child = {
    child,
    log: output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  liveChildren.add(handle);
  void exited.then(() => {
    process.off('exit', onExit);
    liveChildren.delete(handle);
  });
  return handle;
}

let signalHandlersInstalled = false;
/**
 * On SIGINT or SIGTERM: runs `extra` (e.g. stopping a process group the bench started), stops every
 * live child started through this module (TERM, then KILL), then exits 130 (SIGINT) or 143.
 */
export function stopChildrenOnSignal(extra: () => Promise<void> | void = () => undefined): void {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping ${liveChildren.size} child process(es)\n`);
    void Promise.allSettled([Promise.resolve().then(extra), ...[...liveChildren].map((c) => c.stop())]).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** User+system CPU seconds a process has used so far (Linux /proc), or NaN. */
export function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return Number.NaN;
  }
}

/** The 1/5/15-minute load average, as printed by the peer scripts. */
export function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

/**
 * sync(1), after a peer that does not fsync (NATS JetStream, ClickHouse 18.16) and outside any
 * timing: otherwise the kernel writes its pages back ~30 s later, during some later timed run of
 * ours, whose fsyncs then queue behind that write-back.
 */
export function flushPeerWrites(): void {
  execFileSync('sync');
}

export interface TributaryServer extends Child {
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly url: string;
}

/** `tributary server --data-dir D --tcp-port 0 --http-port 0 --listen 127.0.0.1`; nodeArgs e.g. --cpu-prof. */
export async function startTributary(dataDir: string, nodeArgs: readonly string[] = []): Promise<TributaryServer> {
  const args = [...launchNodeFlags(), ...nodeArgs, '--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), 'server', '--data-dir', dataDir, '--listen', '127.0.0.1', '--tcp-port', '0', '--http-port', '0'];
  // stdout is kept with stderr: the server writes nothing there, but node flags such as --trace-gc do.
  // The environment bin/tributary gives the server (malloc settings: src/server/launch-settings.ts).
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: withLaunchEnv(process.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const handle = childOf(child, () => stderr);
  const ports = await new Promise<{ http: number; tcp: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tributary server did not start in ${START_TIMEOUT_MS} ms:\n${stderr}`)), START_TIMEOUT_MS);
    const check = () => {
      const line = stderr.split('\n').find((l) => l.includes('"msg":"tributary server started"'));
      if (line === undefined) return;
      clearTimeout(timer);
      const started = JSON.parse(line) as { http_port: number; tcp_port: number };
      resolve({ http: started.http_port, tcp: started.tcp_port });
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tributary server exited with ${code} before starting:\n${stderr}`));
    });
  });
  return { ...handle, httpPort: ports.http, tcpPort: ports.tcp, url: `http://127.0.0.1:${ports.http}/` };
}

export interface ClickHouseServer extends Child {
  readonly httpPort: number;
  /** Native protocol port (what remote('127.0.0.1:<port>', …) dials). */
  readonly tcpPort: number;
  readonly url: string;
  readonly dataDir: string;
}

/**
 * Debian's ClickHouse via bench/peers/clickhouse-up.sh (installs it when missing, binds 127.0.0.1 on
 * a port in 14601-14632). Rejects with the reason when it cannot be installed or started.
 */
export async function startClickHouse(scratch: string): Promise<ClickHouseServer> {
  const script = join(REPO_ROOT, 'bench/peers/clickhouse-up.sh');
  // The script exec's clickhouse-server, so child.pid is the server's pid and stop() stops it.
  const child = spawn('bash', [script], { cwd: REPO_ROOT, env: { ...process.env, BENCH_DIR: scratch }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const handle = childOf(child, () => out);
  const started = await new Promise<{ port: number; tcpPort: number; dir: string }>((resolve, reject) => {
    // apt-get may run first: allow it 10 minutes.
    const timer = setTimeout(() => reject(new Error(`clickhouse-up.sh printed no port in 600 s:\n${out}`)), 600_000);
    const check = () => {
      const match = /http_port=(\d+) data_dir=(\S+)(?: tcp_port=(\d+))?/.exec(out);
      if (match === null || !out.slice(match.index).includes('\n')) return;
      clearTimeout(timer);
      // The peers' port plan puts the native port right after the HTTP one (common.sh).
      resolve({ port: Number(match[1]), dir: match[2], tcpPort: match[3] === undefined ? Number(match[1]) + 1 : Number(match[3]) });
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`clickhouse-up.sh exited with ${code}:\n${out.trim()}`));
    });
  });
  const url = `http://127.0.0.1:${started.port}/`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`clickhouse-server exited with ${child.exitCode} (see ${started.dir}/server.err.log)`);
    try {
      if ((await post(url, 'SELECT 1', '')).trim() === '1') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`clickhouse-server did not answer on ${url} in ${START_TIMEOUT_MS} ms (see ${started.dir}/server.err.log)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { ...handle, httpPort: started.port, tcpPort: started.tcpPort, url, dataDir: started.dir };
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** POST `body` to url?query=…; resolves with the body text on 200, rejects otherwise. */
export function post(url: string, query: string, body: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    u.searchParams.set('query', query);
    const req = http.request(u, { method: 'POST', agent, timeout: 300_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 500)}`));
        else resolve(text);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}
