// `tributary server` as a process: SIGTERM shuts down in order (a live query's response ends,
// the process exits 0, the data is there after a restart); SIGKILL in the middle of HTTP inserts
// loses no acknowledged insert and duplicates none (rows counted by a unique id after restart);
// a bad configuration exits 2 naming the key and where it came from.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LAUNCH_NODE_FLAGS, MALLOC_TUNABLES, SINGLE_THREADED_GC_CPUS_MAX, SINGLE_THREADED_GC_FLAG, launchNodeFlags, withLaunchEnv } from '../../src/server/launch-settings.ts';
import { tempDir } from '../support/temp-dir.ts';
import { ok, post, startServerProcess } from './http-launcher.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function runServerExpectingExit(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'server', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

describe('tributary server process', () => {
  test('SIGTERM: the live query ends, exit 0, data persists across a restart', async () => {
    const dataDir = tempDir('trib-srv-');
    const server = await startServerProcess(dataDir);
    await ok(server.url, 'CREATE STREAM kept (id int64, name string)');
    await ok(server.url, '{"id":1,"name":"a"}\n{"id":2,"name":"b"}\n', { query: 'INSERT INTO kept (id, name) FORMAT JSONEachRow' });
    const live = await fetch(`${server.url}/?query=${encodeURIComponent('SELECT id FROM kept')}`);
    const body = live.text();
    assert.equal(await server.stop('SIGTERM'), 0);
    assert.equal(await body, '', 'the live query response ended cleanly');
    assert.match(server.log(), /"msg":"stopped"/);

    const again = await startServerProcess(dataDir);
    assert.equal(await ok(again.url, 'SELECT id, name FROM table(kept) ORDER BY id'), '1\ta\n2\tb\n');
    assert.equal(await again.stop('SIGINT'), 0);
  });

  test('SIGKILL during HTTP inserts: every acknowledged insert is there exactly once after restart', async () => {
    const dataDir = tempDir('trib-kill-');
    const server = await startServerProcess(dataDir);
    await ok(server.url, 'CREATE STREAM k (id int64, writer int32)');
    const ROWS_PER_INSERT = 20;
    const acknowledged: number[] = [];
    let killed = false;
    const writer = async (w: number) => {
      for (let n = 0; !killed && n < 10_000; n++) {
        const ids = Array.from({ length: ROWS_PER_INSERT }, (_, i) => w * 10_000_000 + n * ROWS_PER_INSERT + i);
        const body = ids.map((id) => `${id},${w}`).join('\n');
        try {
          const result = await post(server.url, body, { query: 'INSERT INTO k (id, writer) FORMAT CSV' });
          if (result.status === 200) acknowledged.push(...ids);
          else throw new Error(result.text);
        } catch (error) {
          if (killed) return;
          throw error;
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await new Promise((resolve) => setTimeout(resolve, 400));
    killed = true;
    assert.equal(await server.stop('SIGKILL'), null);
    await Promise.all(writers);
    assert.ok(acknowledged.length >= ROWS_PER_INSERT, `some inserts were acknowledged before the kill (${acknowledged.length} rows)`);

    const again = await startServerProcess(dataDir);
    const ids = (await ok(again.url, 'SELECT id FROM table(k)')).trimEnd().split('\n').map(Number);
    const present = new Set(ids);
    assert.equal(present.size, ids.length, 'no row is present twice');
    const missing = acknowledged.filter((id) => !present.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged rows are missing`);
    assert.equal(ids.length % ROWS_PER_INSERT, 0, 'inserts are atomic: whole inserts only');
    assert.equal(await again.stop(), 0);
  });

  test('a bad configuration exits 2 naming the key and its source', async () => {
    const flag = await runServerExpectingExit(['--data-dir', tempDir(), '--http-port', '99999']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /flag --http-port: http_port: a port is 0\.\.65535/);

    const dir = tempDir();
    const file = join(dir, 'tributary.yaml');
    writeFileSync(file, 'data_dir: ./data\nhttp_prot: 3218\nlog_level: loud\n');
    const fromFile = await runServerExpectingExit(['--config', file]);
    assert.equal(fromFile.code, 2);
    assert.match(fromFile.stderr, new RegExp(`config file ${file}: http_prot: unknown key`));
    assert.match(fromFile.stderr, new RegExp(`config file ${file}: log_level: `));

    const missing = await runServerExpectingExit([]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /data_dir: required \(set --data-dir/);
  });
});

describe('bin/tributary (the launcher npx runs)', () => {
  /** Starts `bin/tributary server` on free ports, returns its start log line, then SIGTERMs it. */
  async function startLine(env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
    const child = spawn(join(REPO_ROOT, 'bin/tributary'), ['server', '--data-dir', tempDir('trib-bin-'), '--tcp-port', '0', '--http-port', '0'], {
      cwd: tempDir('trib-bin-cwd-'),
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start line in 30 s:\n${stderr}`)), 30_000);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        const found = stderr.split('\n').find((l) => l.includes('"msg":"tributary server started"'));
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code} before starting:\n${stderr}`)));
    });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, stderr);
    return JSON.parse(line) as Record<string, unknown>;
  }

  test('starts the server from any directory with the launch settings, which equal launch-settings.ts\'s', async () => {
    const script = readFileSync(join(REPO_ROOT, 'bin/tributary'), 'utf8');
    assert.ok(script.includes(`GLIBC_TUNABLES="${MALLOC_TUNABLES}\${GLIBC_TUNABLES:+:$GLIBC_TUNABLES}"`), 'bin/tributary sets MALLOC_TUNABLES');
    assert.ok(script.includes(`exec node ${LAUNCH_NODE_FLAGS.join(' ')} $gc "$here/tributary.mjs" "$@"`), 'bin/tributary passes LAUNCH_NODE_FLAGS');
    assert.ok(script.includes(`single) gc=${SINGLE_THREADED_GC_FLAG} ;;`), 'bin/tributary passes SINGLE_THREADED_GC_FLAG');
    assert.ok(script.includes(`if [ "$cpus" -le ${SINGLE_THREADED_GC_CPUS_MAX} ]; then gc=${SINGLE_THREADED_GC_FLAG};`), 'bin/tributary uses SINGLE_THREADED_GC_CPUS_MAX');
    const env = { ...process.env };
    delete env.GLIBC_TUNABLES;
    assert.equal((await startLine(env)).launch_settings, true);
  });

  test('GC on the main thread only with at most 2 CPUs or TRIBUTARY_GC=single; TRIBUTARY_GC=parallel keeps V8\'s helpers', async () => {
    assert.deepEqual(launchNodeFlags({}, SINGLE_THREADED_GC_CPUS_MAX), [...LAUNCH_NODE_FLAGS, SINGLE_THREADED_GC_FLAG]);
    assert.deepEqual(launchNodeFlags({}, SINGLE_THREADED_GC_CPUS_MAX + 1), [...LAUNCH_NODE_FLAGS]);
    assert.deepEqual(launchNodeFlags({ TRIBUTARY_GC: 'parallel' }, 1), [...LAUNCH_NODE_FLAGS]);
    assert.deepEqual(launchNodeFlags({ TRIBUTARY_GC: 'single' }, 64), [...LAUNCH_NODE_FLAGS, SINGLE_THREADED_GC_FLAG]);
    assert.throws(() => launchNodeFlags({ TRIBUTARY_GC: 'fast' }, 2), /TRIBUTARY_GC must be single, parallel or unset, not 'fast'/);
    const single = await startLine({ ...process.env, TRIBUTARY_GC: 'single' });
    assert.equal(single.gc, 'single-threaded');
    assert.equal(single.launch_settings, true);
    assert.equal((await startLine({ ...process.env, TRIBUTARY_GC: 'parallel' })).gc, 'parallel');
    const bad = spawnSync(join(REPO_ROOT, 'bin/tributary'), ['server', '--data-dir', tempDir('trib-bin-')], { env: { ...process.env, TRIBUTARY_GC: 'fast' }, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /TRIBUTARY_GC must be single, parallel or unset, not 'fast'/);
  });

  test('a GLIBC_TUNABLES of the user is kept after ours', async () => {
    const env = { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' };
    assert.equal((await startLine(env)).launch_settings, true);
    assert.deepEqual(withLaunchEnv(env).GLIBC_TUNABLES, `${MALLOC_TUNABLES}:glibc.malloc.arena_max=2`);
    assert.equal(withLaunchEnv({}).GLIBC_TUNABLES, MALLOC_TUNABLES);
  });
});
