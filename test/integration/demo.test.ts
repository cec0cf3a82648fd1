// `tributary demo --fast` as a real process: two nodes, the edge-to-cloud view through a TCP relay,
// a link outage and its recovery, PAUSE/UNPAUSE, and the final comparison. Nothing is mocked: the
// test reads what a user would see (plain lines, since stdout is a pipe) and the exit code.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/temp-dir.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function runDemo(args: readonly string[], timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

function count(line: string | undefined): number {
  const match = /->\s+([\d,]+) rows, sum ([\d.]+)/.exec(line ?? '');
  assert.ok(match, `a totals line: ${line}`);
  return Number(match[1].replace(/,/g, ''));
}

describe('tributary demo', () => {
  test('--fast: live forwarding, outage, catch-up, pause, and both sides agree (exit 0)', { timeout: 150_000 }, async () => {
    const { code, stdout, stderr } = await runDemo(['--fast']);
    const context = `stdout:\n${stdout}\nstderr:\n${stderr}`;
    assert.equal(code, 0, context);
    for (const heading of ['== 1/5 live', '== 2/5 link down', '== 3/5 link restored', '== 4/5 SYSTEM PAUSE MATERIALIZED VIEW edge_to_cloud', '== 5/5 generator stopped']) {
      assert.ok(stdout.includes(heading), `heading '${heading}'\n${context}`);
    }
    // The outage is visible: the view retried and the relay refused connections.
    assert.match(stdout, /\| RETRYING \(retries \d+\)/, context);
    assert.match(stdout, /outage: [\d,]+ rows written on the edge, backlog [\d,]+ source rows, [1-9]\d* connection attempts refused/, context);
    // The catch-up: a progress bar that reaches 100%, then the summary.
    assert.match(stdout, /\] 100% {2}acked [\d,]+ \/ [\d,]+/, context);
    assert.match(stdout, /caught up in [\d.]+ s: [\d,]+ source rows acknowledged/, context);
    assert.match(stdout, /\| PAUSED/, context);
    assert.match(stdout, /resumed and caught up in/, context);
    // The verdict, and the numbers behind it.
    const lines = stdout.split('\n');
    const edge = count(lines.find((line) => line.startsWith('edge:  SELECT count(), sum(latency_ms) FROM table(local_stream) WHERE http_code>=400')));
    const cloud = count(lines.find((line) => line.startsWith('cloud: SELECT count(), sum(latency_ms) FROM table(web_errors)')));
    assert.ok(edge > 0, context);
    assert.equal(cloud, edge, context);
    assert.match(stdout, /both sides agree ✓/, context);
    assert.doesNotMatch(stdout, /MISMATCH/, context);
    // Not a terminal: plain lines, no redraws, no colour.
    assert.ok(!stdout.includes('\r') && !stdout.includes('\x1b'), 'no control characters when stdout is a pipe');
    // The temporary data directory is gone.
    const dataDir = /^data: (\S+)/m.exec(stdout)?.[1];
    assert.ok(dataDir !== undefined, context);
    assert.equal(existsSync(dataDir), false, `${dataDir} was removed`);
  });

  test('--data-dir that is not empty: a usage error (exit 2), nothing started', async () => {
    const dir = tempDir('trib-demo-');
    writeFileSync(join(dir, 'something'), 'x');
    const { code, stdout, stderr } = await runDemo(['--data-dir', dir]);
    assert.equal(code, 2, `stdout:\n${stdout}\nstderr:\n${stderr}`);
    assert.match(stderr, /--data-dir .* is not empty/);
    assert.equal(stdout, '');
  });
});
