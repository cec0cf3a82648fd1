// latency: round trip of a point query against a real `tributary server` child process on free
// loopback ports, one request at a time, REQUESTS timed requests per run and case:
//   native-point — client.query("SELECT … FROM table(s) WHERE device = '…' LIMIT 1")
//   http-point   — the same SQL as POST /?query=… (keep-alive, TabSeparated answer)
//   native-select1, http-select1 — SELECT 1 (the protocol and server overhead without a scan)
// The stream holds ROWS_IN_STREAM rows of the peers' rows (bench/support/peer-rows.ts).
// Baseline, same run: a loopback TCP echo round trip (a child process echoing each message) of a
// message the size of the point query's HTTP request, answered with one the size of its response:
// the raw limit of a request/response over loopback between two Node processes.
// Steady state: before the runs, each case is sent WARMUP requests. V8 keeps optimizing the server's
// query path for the first ~4,000 point queries (measured with --trace-opt: 125 TurboFan compiles in
// the first 1,000, 0-2 per 1,000 after 5,000), and on 2 cores those background compiles delay the
// requests themselves: p99 3-5 ms in the first 1,000, 0.5-1 ms once settled. The first COLD
// requests of the warm-up are timed too and printed as `cold` (what a freshly started server gives).
// One JSON line per run with p50/p99/max in ms, then medians over runs (p99 target ≤ 2 ms).
//
// Run: npm run bench:latency   (REQUESTS, WARMUP, RUNS, ROWS_IN_STREAM override;
// SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=D" profiles the server)
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { connect } from '../src/net/client.ts';
import { formatDataType } from '../src/types/data-type.ts';
import { peerJsonBody, peerRow } from './support/peer-rows.ts';
import { benchDir, median, SENSOR_COLUMNS } from './support/sensor-batches.ts';
import { agent, post, startTributary } from './support/server-process.ts';

const REQUESTS = Number(process.env.REQUESTS ?? 2_000);
const WARMUP = Number(process.env.WARMUP ?? 5_000);
const COLD = Math.min(1_000, WARMUP);
const RUNS = Number(process.env.RUNS ?? 3);
const ROWS_IN_STREAM = Number(process.env.ROWS_IN_STREAM ?? 1_000);
const SERVER_NODE_ARGS = (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

const STREAM = 'latency_points';
const DEVICE = peerRow(Math.floor(ROWS_IN_STREAM / 2)).device;
const POINT_SQL = `SELECT _tp_time, temp, status FROM table(${STREAM}) WHERE device = '${DEVICE}' LIMIT 1`;

interface Stats {
  p50ms: number;
  p99ms: number;
  maxms: number;
}

/** Latency stats of `count` sequential requests. */
async function measure(request: () => Promise<unknown>, count: number): Promise<Stats> {
  const lat = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const a = performance.now();
    await request();
    lat[i] = performance.now() - a;
  }
  lat.sort();
  const at = (q: number) => +lat[Math.min(count - 1, Math.floor(q * count))].toFixed(3);
  return { p50ms: at(0.5), p99ms: at(0.99), maxms: +lat[count - 1].toFixed(3) };
}

/** WARMUP requests, the first COLD of them timed. */
async function warmUp(request: () => Promise<unknown>): Promise<Stats> {
  const cold = await measure(request, COLD);
  for (let i = COLD; i < WARMUP; i++) await request();
  return cold;
}

/** A child Node process that answers every `requestBytes` it reads with `responseBytes` bytes. */
async function startEcho(requestBytes: number, responseBytes: number): Promise<{ port: number; child: ChildProcess }> {
  const code = `
    const net = require('node:net');
    const reply = Buffer.alloc(${responseBytes}, 120);
    const server = net.createServer((s) => {
      s.setNoDelay(true);
      s.on('error', () => s.destroy());
      let pending = 0;
      s.on('data', (chunk) => {
        pending += chunk.length;
        while (pending >= ${requestBytes}) { pending -= ${requestBytes}; s.write(reply); }
      });
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
    process.on('SIGTERM', () => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => child.exitCode === null && child.kill('SIGTERM'));
  const [chunk] = (await Promise.race([
    once(child.stdout!, 'data'),
    new Promise((_, reject) => setTimeout(() => reject(new Error('echo server did not start in 10 s')), 10_000)),
  ])) as [Buffer];
  return { port: Number(chunk.toString().trim()), child };
}

/** One round trip at a time over one TCP connection: send `requestBytes`, wait for `responseBytes`. */
async function echoClient(port: number, requestBytes: number, responseBytes: number): Promise<{ roundTrip: () => Promise<void>; close: () => void }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const message = Buffer.alloc(requestBytes, 121);
  let received = 0;
  let waiting: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received >= responseBytes && waiting !== null) {
      received -= responseBytes;
      const done = waiting;
      waiting = null;
      done();
    }
  });
  return {
    roundTrip: () =>
      new Promise<void>((resolve) => {
        waiting = resolve;
        socket.write(message);
      }),
    close: () => socket.destroy(),
  };
}

/** Bytes read and written so far by the HTTP agent's idle keep-alive sockets. */
function socketBytes(): { read: number; written: number } {
  let read = 0;
  let written = 0;
  for (const sockets of Object.values(agent.freeSockets)) {
    for (const socket of sockets ?? []) {
      read += socket.bytesRead;
      written += socket.bytesWritten;
    }
  }
  return { read, written };
}

const dataDir = benchDir('latency-server');
const server = await startTributary(dataDir, SERVER_NODE_ARGS);
const client = await connect({ host: '127.0.0.1', port: server.tcpPort, clientName: 'bench-latency' });
let echo: { port: number; child: ChildProcess } | null = null;
try {
  await post(server.url, `CREATE STREAM ${STREAM} (${SENSOR_COLUMNS.map((c) => `${c.name} ${formatDataType(c.type)}`).join(', ')})`, '');
  await post(server.url, `INSERT INTO ${STREAM} FORMAT JSONEachRow`, peerJsonBody(0, ROWS_IN_STREAM, 'tributary'));

  // The echo baseline's sizes: the point query's HTTP request (line, headers, no body) and response.
  const pointAnswer = await post(server.url, POINT_SQL, '');
  if (pointAnswer.trim() === '') throw new Error(`the point query found nothing: ${POINT_SQL}`);
  const nativeAnswer = await client.query(POINT_SQL);
  if (nativeAnswer.rows.length !== 1) throw new Error(`native point query returned ${nativeAnswer.rows.length} rows`);
  // Exact bytes of one point-query exchange on the keep-alive socket (request line and headers;
  // status line, X-ClickHouse-* headers and body), from the socket's counters.
  const before = socketBytes();
  await post(server.url, POINT_SQL, '');
  const after = socketBytes();
  const requestBytes = after.written - before.written;
  const responseBytes = after.read - before.read;
  if (!(requestBytes > 0 && responseBytes > 0)) throw new Error(`could not size the HTTP exchange: ${requestBytes}/${responseBytes} bytes`);
  echo = await startEcho(requestBytes, responseBytes);
  const echoConn = await echoClient(echo.port, requestBytes, responseBytes);

  console.log(
    JSON.stringify({
      bench: 'latency',
      requests: REQUESTS,
      warmup: WARMUP,
      rowsInStream: ROWS_IN_STREAM,
      pointSql: POINT_SQL,
      pointAnswer: pointAnswer.trim(),
      echoBytes: { request: requestBytes, response: responseBytes },
      node: process.version,
    }),
  );
  const cases: Record<string, () => Promise<unknown>> = {
    echo: () => echoConn.roundTrip(),
    nativePoint: () => client.query(POINT_SQL),
    httpPoint: () => post(server.url, POINT_SQL, ''),
    nativeSelect1: () => client.query('SELECT 1'),
    httpSelect1: () => post(server.url, 'SELECT 1', ''),
  };
  const cold: Record<string, unknown> = { bench: 'latency', cold: `first ${COLD} requests after start` };
  for (const [name, request] of Object.entries(cases)) cold[name] = await warmUp(request);
  console.log(JSON.stringify(cold));
  const all: Record<string, Stats[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let run = 1; run <= RUNS; run++) {
    const line: Record<string, unknown> = { bench: 'latency', run };
    for (const [name, request] of Object.entries(cases)) {
      const stats = await measure(request, REQUESTS);
      all[name].push(stats);
      line[name] = stats;
    }
    line.load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(JSON.stringify(line));
  }
  echoConn.close();
  const summary: Record<string, unknown> = { bench: 'latency', summary: 'median', runs: RUNS };
  const echoP50 = median(all.echo.map((s) => s.p50ms));
  const echoP99 = median(all.echo.map((s) => s.p99ms));
  for (const [name, stats] of Object.entries(all)) {
    const p50 = median(stats.map((s) => s.p50ms));
    const p99 = median(stats.map((s) => s.p99ms));
    summary[name] = name === 'echo' ? { p50ms: p50, p99ms: p99 } : { p50ms: p50, p99ms: p99, p50ToEcho: +(p50 / echoP50).toFixed(1), p99ToEcho: +(p99 / echoP99).toFixed(1) };
  }
  summary.targetP99ms = 2;
  console.log(JSON.stringify(summary));
} finally {
  client.close();
  agent.destroy();
  if (echo !== null) {
    echo.child.kill('SIGTERM');
    if (echo.child.exitCode === null) await once(echo.child, 'exit');
  }
  const code = await server.stop();
  if (code !== 0) console.error(`tributary server exited with ${code}:\n${server.log().slice(-2000)}`);
  rmSync(dataDir, { recursive: true, force: true });
}
