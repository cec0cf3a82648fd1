// Crash test: a child process mutates the catalog and is SIGKILLed at a random moment, round after
// round on the same data directory. After each kill the catalog must open (never corrupt), hold
// every acknowledged create that was not followed by an acknowledged drop, hold no acknowledged
// drop, and have unique ids below every new one. Kill delays come from a seeded PRNG; a failure
// prints SEED=<n> to replay it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Prng } from '../../../src/core/prng.ts';
import { Catalog } from '../../../src/storage/catalog/catalog.ts';
import { tempDir } from './helpers.ts';

const CHILD = fileURLToPath(new URL('./catalog-crash-child.ts', import.meta.url));
const ROUNDS = 10;
/** Kill delay after the child is ready: up to this many ms, so kills land during writes. */
const KILL_DELAY_MS_MAX = 80;

interface RoundLog {
  created: Map<string, number>;
  /** Created, then a drop was issued: absent is fine even without an acknowledged drop. */
  dropIssued: Set<string>;
  dropped: Set<string>;
}

function runChild(dataDir: string, round: number, killDelayMs: number): Promise<RoundLog> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, String(round)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: RoundLog = { created: new Map(), dropIssued: new Set(), dropped: new Set() };
    let buffered = '';
    let stderr = '';
    let ready = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [verb, name, id, thenDrop] = line.split(' ');
        if (verb === 'ready' && !ready) {
          ready = true;
          setTimeout(() => child.kill('SIGKILL'), killDelayMs);
        } else if (verb === 'create') {
          log.created.set(name, Number(id));
          if (thenDrop === '1') log.dropIssued.add(name);
        } else if (verb === 'drop') {
          log.dropped.add(name);
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}/${signal} before the kill: ${stderr}`));
      else resolve(log);
    });
  });
}

test('SIGKILL at random moments never loses an acknowledged change nor corrupts the catalog', async (t) => {
  const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
  const prng = new Prng(seed);
  const dataDir = tempDir(t);
  const created = new Map<string, number>();
  const dropIssued = new Set<string>();
  const dropped = new Set<string>();
  let acknowledged = 0;
  let tempFilesLeft = 0; // kills that landed between writing the temporary file and renaming it
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const log = await runChild(dataDir, round, prng.int(0, KILL_DELAY_MS_MAX));
      for (const [name, id] of log.created) created.set(name, id);
      for (const name of log.dropIssued) dropIssued.add(name);
      for (const name of log.dropped) dropped.add(name);
      acknowledged += log.created.size + log.dropped.size;

      if (fs.existsSync(path.join(dataDir, 'catalog.json.tmp'))) tempFilesLeft++;
      const catalog = await Catalog.open(dataDir); // throws CATALOG_CORRUPT if a write was torn
      for (const [name, id] of created) {
        const stream = catalog.findStream('default', name);
        if (dropped.has(name)) assert.equal(stream, undefined, `acknowledged drop of ${name} was lost`);
        else if (stream === undefined && dropIssued.has(name)) dropped.add(name); // must stay gone
        else assert.equal(stream?.id, id, `acknowledged create of ${name} (id ${id}) was lost`);
      }
      const ids = catalog.listStreams().map((s) => s.id);
      assert.equal(new Set(ids).size, ids.length, 'ids are unique');
      const probe = await catalog.createStream('default', `probe_${round}`, []);
      assert.ok(ids.every((id) => id < probe.id) && [...created.values()].every((id) => id < probe.id), 'ids are never reused');
      await catalog.dropStream('default', probe.name);
      await catalog.close();
    }
  } catch (error) {
    console.error(`catalog crash test failed: SEED=${seed}`);
    throw error;
  }
  assert.ok(acknowledged > 0, 'the children acknowledged some mutations before being killed');
  t.diagnostic(`seed ${seed}: ${ROUNDS} rounds, ${acknowledged} acknowledged mutations, ${tempFilesLeft} kills left a temporary file`);
});
