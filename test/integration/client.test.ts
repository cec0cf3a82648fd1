// `tributary client` as a process against a real `tributary server` process on loopback.
// Scripting mode: several statements in --query, TSV and --format output, SQL and INSERT data on
// stdin, error text and exit codes, a streaming `SELECT … LIMIT 3` printing rows inserted while
// it runs (each as it arrives), SIGINT cancelling a live query with exit 130.
// Interactive mode, driven through a pseudo-terminal with tmux (its own socket, killed after):
// multi-line input, a table, Ctrl-C cancelling a streaming query while the shell keeps working,
// Ctrl-C at the prompt clearing the line, `exit`, and the history file.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/temp-dir.ts';
import { ok, type ServerProcess, startServerProcess } from './http-launcher.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT_ARGS = ['--import', 'tsx', 'src/cli/main.ts', 'client'];
const WAIT_MS = 15_000;

let server: ServerProcess;
let tcpPort: number;

before(async () => {
  server = await startServerProcess(tempDir('trib-client-'));
  const match = /"tcp_port":(\d+)/.exec(server.log());
  assert.ok(match !== null, 'the start log line names the tcp port');
  tcpPort = Number(match[1]);
});

after(async () => {
  await server?.stop();
});

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await tick(25);
  }
}

interface Running {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name). */
  readonly exited: Promise<number | string>;
}

function startClient(args: readonly string[], input?: string): Running {
  const child = spawn(process.execPath, [...CLIENT_ARGS, '--port', String(tcpPort), ...args], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = (once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>).then(([code, signal]) => code ?? signal ?? -1);
  if (input !== undefined) child.stdin!.end(input);
  // Not a terminal and not written to: an empty stdin, closed (the client must not wait on it).
  else child.stdin!.end();
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function runClient(args: readonly string[], input?: string): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const running = startClient(args, input);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), WAIT_MS);
  const code = await running.exited;
  clearTimeout(timer);
  return { code, stdout: running.stdout(), stderr: running.stderr() };
}

describe('tributary client: scripting mode', () => {
  test('--query runs several statements in order and prints TabSeparated without a header', async () => {
    const result = await runClient([
      '--query',
      "CREATE STREAM readings (device string, v int32, note nullable(string));\n" +
        "INSERT INTO readings (device, v, note) VALUES ('a', 1, 'tab\there'), ('b', 2, NULL);\n" +
        'SELECT device, v, note FROM table(readings) ORDER BY v; SELECT count() FROM table(readings);',
    ]);
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'a\t1\ttab\\there\nb\t2\t\\N\n2\n');
  });

  test('--format JSONEachRow, and a query naming its own FORMAT', async () => {
    await ok(server.url, 'CREATE STREAM fmt (device string, v int32)');
    await ok(server.url, "INSERT INTO fmt (device, v) VALUES ('a', 1), ('b', 2)");
    const json = await runClient(['--format', 'JSONEachRow', '--query', 'SELECT device, v FROM table(fmt) ORDER BY v']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stdout, '{"device":"a","v":1}\n{"device":"b","v":2}\n');
    const csv = await runClient(['--query', 'SELECT device, v FROM table(fmt) ORDER BY v FORMAT CSVWithNames']);
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stdout, '"device","v"\n"a",1\n"b",2\n');
  });

  test('SQL piped on stdin; INSERT … FORMAT data from stdin', async () => {
    const piped = await runClient([], "CREATE STREAM piped (device string, v int32);\nINSERT INTO piped (device, v) VALUES ('x', 7);\nSELECT device, v FROM table(piped)\n");
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, 'x\t7\n');
    const data = await runClient(['--query', 'INSERT INTO piped (device, v) FORMAT CSV'], 'y,8\nz,9\n');
    assert.equal(data.code, 0, data.stderr);
    const inline = await runClient([], 'INSERT INTO piped (device, v) FORMAT JSONEachRow\n{"device":"w","v":10}\n');
    assert.equal(inline.code, 0, inline.stderr);
    assert.equal(await ok(server.url, 'SELECT device, v FROM table(piped) ORDER BY v'), 'x\t7\ny\t8\nz\t9\nw\t10\n');
  });

  test('a failing statement: Code: <n>. <message> on stderr, exit 1, later statements not run', async () => {
    const result = await runClient(['--query', "SELECT 1; SELECT * FROM table(no_such_stream); CREATE STREAM never (v int32)"]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '1\n');
    assert.match(result.stderr, /^Code: 204\. stream not found: .*no_such_stream\n$/);
    const syntax = await runClient(['--query', 'SELEC 1']);
    assert.equal(syntax.code, 1);
    assert.match(syntax.stderr, /^Code: \d+\. syntax error: /);
    assert.doesNotMatch(await ok(server.url, 'SHOW STREAMS'), /\bnever\b/);
  });

  test('usage errors exit 2; a server that is not there exits 1', async () => {
    const flag = await runClient(['--no-such-flag']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown option '--no-such-flag'/);
    const format = await runClient(['--format', 'Nope', '--query', 'SELECT 1']);
    assert.equal(format.code, 2);
    assert.match(format.stderr, /unknown --format 'Nope'/);
    const port = await runClient(['--port', 'x', '--query', 'SELECT 1']);
    assert.equal(port.code, 2);
    const caFile = await runClient(['--ca-file', join(tempDir('trib-client-ca-'), 'missing.pem'), '--query', 'SELECT 1']);
    assert.equal(caFile.code, 2);
    assert.match(caFile.stderr, /cannot read --ca-file/);
    const refused = await runClient(['--port', '1', '--query', 'SELECT 1']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^Code: 604\. connection closed: cannot connect to 127\.0\.0\.1:1/);
  });

  test('TLS: --ca-file verifies the server, --secure without it refuses a self-signed one, --insecure warns', async () => {
    const dir = tempDir('trib-client-tls-');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const secure = await startServerProcess(join(dir, 'data'), ['--tls-port', '0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
    try {
      const tlsPort = /"tls_port":(\d+)/.exec(secure.log())?.[1];
      assert.ok(tlsPort !== undefined, 'the start log line names the TLS port');
      const verified = await runClient(['--port', tlsPort, '--ca-file', join(dir, 'cert.pem'), '--query', 'SELECT 1']);
      assert.deepEqual(verified, { code: 0, stdout: '1\n', stderr: '' });
      const refused = await runClient(['--port', tlsPort, '--secure', '--query', 'SELECT 1']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^Code: 604\. .*certificate/i);
      const unverified = await runClient(['--port', tlsPort, '--insecure', '--query', 'SELECT 1']);
      assert.equal(unverified.code, 0, unverified.stderr);
      assert.equal(unverified.stdout, '1\n');
      assert.match(unverified.stderr, /warning: --insecure: the server's certificate is not verified/);
    } finally {
      await secure.stop();
    }
  });

  test('a streaming SELECT … LIMIT 3 prints rows inserted while it runs, each as it arrives, then exits', async () => {
    await ok(server.url, 'CREATE STREAM ticks (v int32)');
    const running = startClient(['--query', 'SELECT v FROM ticks LIMIT 3']);
    let exited = false;
    void running.exited.then(() => (exited = true));
    // The query sees rows appended after it started; insert one at a time until it has three.
    let v = 0;
    let firstSeenWhileRunning = false;
    const deadline = Date.now() + WAIT_MS;
    while (!exited) {
      if (Date.now() > deadline) {
        running.child.kill('SIGKILL');
        assert.fail(`the streaming query did not finish; stdout: ${running.stdout()}`);
      }
      await ok(server.url, `INSERT INTO ticks (v) VALUES (${++v})`);
      await tick(100);
      const lines = running.stdout().split('\n').filter((l) => l !== '');
      if (!exited && lines.length >= 1 && lines.length < 3) firstSeenWhileRunning = true;
    }
    assert.equal(await running.exited, 0, running.stderr());
    const printed = running.stdout().trimEnd().split('\n').map(Number);
    assert.equal(printed.length, 3, running.stdout());
    assert.deepEqual(printed, [printed[0], printed[0] + 1, printed[0] + 2], 'three consecutive inserted rows');
    assert.ok(firstSeenWhileRunning, 'rows were printed before the query ended (flushed per batch)');
  });

  test('SIGINT cancels a live query and exits 130', async () => {
    await ok(server.url, 'CREATE STREAM endless (v int32)');
    const running = startClient(['--query', 'SELECT v FROM endless']);
    let v = 0;
    const deadline = Date.now() + WAIT_MS;
    while (running.stdout() === '') {
      if (Date.now() > deadline) {
        running.child.kill('SIGKILL');
        assert.fail('no row arrived');
      }
      await ok(server.url, `INSERT INTO endless (v) VALUES (${++v})`);
      await tick(100);
    }
    running.child.kill('SIGINT');
    assert.equal(await running.exited, 130);
  });
});

// ---------------------------------------------------------------------------------------------
// Interactive mode through tmux.

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// Our own tmux server on a socket in a temporary directory: nothing shared with other tmux users.
let tmuxSocket: string | null = null;

function tmux(...args: string[]): string {
  tmuxSocket ??= join(tempDir('trib-client-tmux-'), 'socket');
  return execFileSync('tmux', ['-S', tmuxSocket, ...args], { encoding: 'utf8' });
}

/** Types text literally (tmux reads a trailing ';' as its command separator unless escaped). */
function typeText(session: string, text: string): void {
  tmux('send-keys', '-t', session, '-l', '--', text.endsWith(';') ? `${text.slice(0, -1)}\\;` : text);
}

function pressKey(session: string, key: string): void {
  tmux('send-keys', '-t', session, key);
}

function pane(session: string): string {
  return tmux('capture-pane', '-p', '-J', '-S', '-500', '-t', session);
}

async function untilPane(session: string, condition: (text: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const text = pane(session);
    if (condition(text)) return text;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; the screen:\n${text}`);
    await tick(50);
  }
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('tributary client: interactive shell', { skip: hasTmux ? false : 'tmux is not installed (scripts/ensure-system-packages.sh installs it)' }, () => {
  after(() => {
    try {
      if (tmuxSocket !== null) tmux('kill-server');
    } catch {
      // no server left
    }
  });

  test('multi-line input, tables, Ctrl-C cancels a streaming query and the shell goes on, exit, history', async () => {
    await ok(server.url, 'CREATE STREAM shell_s (device string, v int32)');
    await ok(server.url, "INSERT INTO shell_s (device, v) VALUES ('alpha', 1), ('beta', 22)");
    const historyFile = join(tempDir('trib-client-hist-'), 'history');
    const session = 'shell';
    const command = [
      `cd '${REPO_ROOT}'`,
      `TRIBUTARY_HISTORY_FILE='${historyFile}' '${process.execPath}' ${CLIENT_ARGS.join(' ')} --port ${tcpPort}`,
      'echo "client exited with $?"',
      'sleep 600',
    ].join('; ');
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', command);
    await untilPane(session, (t) => t.includes('tributary :) '), 'the prompt');

    // A statement over three lines: continuation prompts, then one table.
    typeText(session, 'SELECT device,');
    pressKey(session, 'Enter');
    await untilPane(session, (t) => t.includes(':-] '), 'the continuation prompt');
    typeText(session, 'v FROM table(shell_s)');
    pressKey(session, 'Enter');
    typeText(session, 'ORDER BY v;');
    pressKey(session, 'Enter');
    let screen = await untilPane(session, (t) => t.includes('2 rows in set. Elapsed: '), 'the first result');
    assert.match(screen, /┌─+┬─+┐\n│ device │ v  │\n├─+┼─+┤\n│ alpha  │  1 │\n│ beta   │ 22 │\n└─+┴─+┘/);

    // A streaming query prints rows as they arrive; Ctrl-C cancels it, not the shell.
    typeText(session, 'SELECT device, v FROM shell_s;');
    pressKey(session, 'Enter');
    let v = 100;
    const deadline = Date.now() + WAIT_MS;
    while (!pane(session).includes('live')) {
      if (Date.now() > deadline) assert.fail(`no live row on the screen:\n${pane(session)}`);
      await ok(server.url, `INSERT INTO shell_s (device, v) VALUES ('live', ${++v})`);
      await tick(150);
    }
    pressKey(session, 'C-c');
    screen = await untilPane(session, (t) => t.includes('Query was cancelled.') && t.trimEnd().endsWith('tributary :)'), 'the cancel and a new prompt');
    assert.match(screen, /│ live   │ 1\d\d │/);

    typeText(session, 'SELECT 40 + 2 AS answer;');
    pressKey(session, 'Enter');
    screen = await untilPane(session, (t) => /│\s+42 │/.test(t), 'the next answer');
    assert.match(screen, /1 row in set\. Elapsed: \d+\.\d{3} sec\./);

    // Ctrl-C at the prompt drops the typed text; the shell stays.
    typeText(session, 'SELECT this is never run');
    await untilPane(session, (t) => t.includes('never run'), 'the typed text');
    pressKey(session, 'C-c');
    await untilPane(session, (t) => t.includes('^C'), 'the cleared line');
    typeText(session, 'SELECT 7 AS seven;');
    pressKey(session, 'Enter');
    await untilPane(session, (t) => /│\s+7 │/.test(t), 'the answer after Ctrl-C at the prompt');
    assert.equal(count(pane(session), 'Code: '), 0, 'no errors');

    typeText(session, 'exit');
    pressKey(session, 'Enter');
    await untilPane(session, (t) => t.includes('client exited with 0'), 'the shell to exit');

    const history = readFileSync(historyFile, 'utf8').split('\n');
    assert.ok(history.includes('SELECT device, v FROM table(shell_s) ORDER BY v;'), history.join('\n'));
    assert.ok(history.includes('SELECT 40 + 2 AS answer;'));
    assert.ok(!history.some((line) => line.includes('never run')));
  });

  test('Ctrl-D at the prompt leaves the shell; a half-typed statement is not run', async () => {
    const session = 'eof';
    const historyFile = join(tempDir('trib-client-hist-'), 'history');
    const command = `cd '${REPO_ROOT}'; TRIBUTARY_HISTORY_FILE='${historyFile}' '${process.execPath}' ${CLIENT_ARGS.join(' ')} --port ${tcpPort}; echo "client exited with $?"; sleep 600`;
    tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '20', command);
    await untilPane(session, (t) => t.includes('tributary :) '), 'the prompt');
    typeText(session, 'SELECT 1');
    pressKey(session, 'Enter');
    await untilPane(session, (t) => t.includes(':-] '), 'the continuation prompt');
    pressKey(session, 'C-d');
    const screen = await untilPane(session, (t) => t.includes('client exited with 0'), 'the shell to exit');
    assert.doesNotMatch(screen, /row in set/);
  });
});
