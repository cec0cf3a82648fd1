// The NATS JetStream peer of the sync bench: runs ../shared/bench-peers/02-nats.sh (two Debian
// nats-server 2.9 processes, "edge" dialling "cloud" as a leaf node, the cloud stream a mirror of
// the edge stream) and parses what it prints:
//   phase1          publish N rows (rows.mjs's ~95 B JSON, one message per row) with acks and time
//                   until the cloud mirror holds them all → replicated msgs/s end to end
//   phase2-offline  the cloud server killed, M more rows published to the edge (store and forward)
//   phase2-catchup  the cloud restarted; time until the mirror holds N+M (and the rate after the
//                   first new message arrived: the resume delay is reported apart)
// The script installs nats-server (and, with CLIENT=go, golang-go and nats.go) with apt-get when
// missing, its npm helpers under $BENCH_DIR/js, binds 127.0.0.1 on PORT_BASE+11..15 only, and stops
// its servers by pid on exit. It runs in its own process group here, so a bench interrupted half-way
// stops the whole group (script, publisher, both servers) by that group's id.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { PEERS_DIR } from './peer-rows.ts';

export interface NatsPhase1 {
  /** Messages acknowledged by the edge. */
  readonly published: number;
  readonly publishMsgsPerSec: number;
  /** From the first publish until the cloud mirror held every message. */
  readonly mirrorCompleteSeconds: number;
  readonly e2eMsgsPerSec: number;
}

export interface NatsCatchup {
  readonly rows: number;
  /** From the cloud's restart until the mirror held everything. */
  readonly seconds: number;
  /** rows / seconds. */
  readonly msgsPerSec: number;
  /** Seconds until the first new message reached the mirror (leaf reconnect, mirror consumer resume). */
  readonly resumeDelaySeconds: number | null;
  /** Rate after the first new message arrived (the figure the peers' README quotes). */
  readonly msgsPerSecAfterFirst: number | null;
}

export type NatsResult =
  | { readonly ok: true; readonly version: string; readonly client: string; readonly phase1: NatsPhase1; readonly catchup: NatsCatchup; readonly lines: readonly string[] }
  | { readonly ok: false; readonly reason: string };

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the group the script leads (detached: its own group)
  } catch {
    // already gone
  }
}

process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGTERM');
});

/** Stops every peer script still running (TERM to its process group, KILL after 10 s). */
export async function stopNatsPeers(): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      const exited = once(child, 'exit');
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A PORT_BASE (14000-14960, step 40) whose NATS ports (+11..+15) are all free on 127.0.0.1. */
async function freePortBase(): Promise<number | null> {
  for (let base = 14600; base <= 14960; base += 40) {
    let free = true;
    for (let p = base + 11; p <= base + 15 && free; p++) free = await portFree(p);
    if (free) return base;
  }
  for (let base = 14000; base < 14600; base += 40) {
    let free = true;
    for (let p = base + 11; p <= base + 15 && free; p++) free = await portFree(p);
    if (free) return base;
  }
  return null;
}

export interface NatsOptions {
  /** Rows published with the mirror running (phase 1). */
  readonly rows: number;
  /** Rows published while the cloud is down (phase 2). */
  readonly outageRows: number;
  /** 'go' (nats.go PublishAsync: loads the server, the README's 85-98k) or 'node' (nats.js). */
  readonly client: 'go' | 'node';
  /** Scratch (npm install, Go build, stores); kept between runs so only the first one installs. */
  readonly scratch: string;
  readonly timeoutMs: number;
  /** Each output line as it comes (progress). */
  readonly onLine?: (line: string) => void;
}

export async function runNatsPeer(options: NatsOptions): Promise<NatsResult> {
  const script = join(PEERS_DIR, '02-nats.sh');
  if (!existsSync(script)) return { ok: false, reason: `${script} not found (the peer scripts are not on this machine)` };
  const base = await freePortBase();
  if (base === null) return { ok: false, reason: 'no free block of NATS ports (PORT_BASE+11..15) in 14000-14999 on 127.0.0.1' };
  mkdirSync(options.scratch, { recursive: true });
  const child = spawn('bash', [script], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CLIENT: options.client, N: String(options.rows), M: String(options.outageRows), BENCH_DIR: options.scratch, PORT_BASE: String(base) },
  });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const before = out.split('\n').length - 1;
    out += chunk;
    const lines = out.split('\n');
    for (let i = before; i < lines.length - 1; i++) options.onLine?.(lines[i]);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child, 'SIGTERM');
    setTimeout(() => killGroup(child, 'SIGKILL'), 10_000).unref();
  }, options.timeoutMs);
  const [code, signal] = await exited;
  clearTimeout(timer);
  running.delete(child);
  const lines = out.split('\n').filter((l) => l !== '');
  const tail = `${err.trim().split('\n').slice(-8).join('\n')}`;
  if (timedOut) return { ok: false, reason: `02-nats.sh did not finish in ${options.timeoutMs / 1000} s; last lines:\n${lines.slice(-3).join('\n')}\n${tail}` };
  if (code !== 0) return { ok: false, reason: `02-nats.sh exited with ${code ?? signal}:\n${lines.slice(-3).join('\n')}\n${tail}` };
  const json = (prefix: string): Record<string, unknown> | null => {
    const line = lines.find((l) => l.startsWith(`${prefix} {`));
    return line === undefined ? null : (JSON.parse(line.slice(prefix.length + 1)) as Record<string, unknown>);
  };
  const p1 = json('phase1');
  const cu = json('phase2-catchup');
  if (p1 === null || cu === null) return { ok: false, reason: `02-nats.sh printed no phase1/phase2-catchup line:\n${lines.join('\n')}\n${tail}` };
  const published = Number(p1.published);
  const header = lines.find((l) => l.startsWith('# ')) ?? '';
  const catchupSeconds = Number(cu.seconds);
  return {
    ok: true,
    version: /nats-server: (v\S+)/.exec(header)?.[1] ?? '?',
    client: typeof p1.client === 'string' ? p1.client : options.client === 'node' ? 'nats.js' : 'nats.go',
    phase1: {
      published,
      publishMsgsPerSec: Number(p1.msgsPerSec ?? p1.publishMsgsPerSec),
      mirrorCompleteSeconds: Number(p1.mirrorCompleteSeconds),
      e2eMsgsPerSec: Number(p1.e2eMsgsPerSec),
    },
    catchup: {
      rows: options.outageRows,
      seconds: catchupSeconds,
      msgsPerSec: Math.round(options.outageRows / catchupSeconds),
      resumeDelaySeconds: cu.firstNewMsgAfterS === null ? null : Number(cu.firstNewMsgAfterS),
      msgsPerSecAfterFirst: cu.catchupMsgsPerSecAfterFirst === undefined ? null : Number(cu.catchupMsgsPerSecAfterFirst),
    },
    lines,
  };
}
