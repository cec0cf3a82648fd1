// Crash test: a child process (append-child.ts) appends numbered batches from several concurrent
// writers and reports each acknowledged (durable) append; we SIGKILL it at a random instant, reopen
// the log here and check that
//   - every acknowledged batch is present exactly once, with exactly the sn range the child was told;
//   - `_tp_sn` is dense from 0 to nextSn, every row carries the content its (writer, batch, row)
//     determines, and no (writer, batch) appears twice;
//   - each writer's batches form a prefix 0..m-1 in sn order (batch b+1 was only appended after b
//     was durable, so a present b+1 without b would be a lost write);
//   - what an earlier round found is still there, unchanged (recovery never takes back durable data);
//   - reading raises no error (nothing corrupt is served).
// Rounds reuse one directory, so each recovery runs on the previous crash's result and the log grows
// over many small (64 KiB) segments, rolling inside the crash window.
//
// CRASH_ROUNDS=<n> runs more rounds (default 30); SEED=<n> replays a run (the seed is in every message).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Prng } from '../../../../src/core/prng.ts';
import { StreamLog } from '../../../../src/storage/log/stream-log.ts';
import { rowsOf } from '../../../../src/types/batch.ts';
import { CRASH_COLUMNS, WRITERS_MAX, crashBatch, rowCountOf, textOf } from './crash-rows.ts';

const childPath = fileURLToPath(new URL('./append-child.ts', import.meta.url));
const rounds = positiveInt('CRASH_ROUNDS', 30);
const seed = process.env.SEED !== undefined && process.env.SEED !== '' ? Number(process.env.SEED) >>> 0 : (Math.random() * 0x100000000) >>> 0;
const LOG_SETTINGS = { segmentBytes: 64 * 1024 } as const;

function positiveInt(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got '${text}'`);
  return n;
}

interface Ack {
  readonly w: number;
  readonly b: number;
  readonly firstSn: number;
  readonly endSn: number;
}

interface ChildRun {
  readonly acks: Ack[];
  readonly killedAfterMs: number;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

interface Child {
  /** Lets the child open the log and append; SIGKILLs it `delayMs` after its first ack; resolves with every complete ack line. */
  go(delayMs: number): Promise<ChildRun>;
  /** Kills the child if it still runs (cleanup). */
  dispose(): void;
}

/**
 * Spawns a child that loads its modules and then waits on stdin: the next round's child starts
 * loading while this round is being checked, and touches the log only after go().
 */
function spawnChild(dir: string, childSeed: number, round: number, where: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', childPath, dir, String(childSeed), String(round)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const acks: Ack[] = [];
  let stdout = '';
  let stderr = '';
  let lineError: Error | null = null;
  let onFirstAck: (() => void) | null = null;
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr += text));
  child.stdin.on('error', () => undefined); // EPIPE when the child is already gone: reported by 'close'
  child.stdout.on('data', (text: string) => {
    stdout += text;
    // Only complete lines count: a line cut by the kill is not an acknowledgement we received.
    let nl: number;
    while ((nl = stdout.indexOf('\n')) >= 0) {
      const line = stdout.slice(0, nl);
      stdout = stdout.slice(nl + 1);
      const parts = line.split(' ');
      if (parts[0] === 'open') continue;
      const numbers = parts.slice(1).map(Number);
      if (parts[0] !== 'ack' || numbers.length !== 4 || !numbers.every(Number.isSafeInteger)) {
        lineError ??= new Error(`${where}: unexpected child line '${line}'`);
        continue;
      }
      const [w, b, firstSn, endSn] = numbers;
      acks.push({ w, b, firstSn, endSn });
      if (onFirstAck !== null) {
        onFirstAck();
        onFirstAck = null;
      }
    }
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    async go(delayMs) {
      let firstAckAt = 0;
      let killedAt = 0;
      let killTimer: NodeJS.Timeout | null = null;
      const noAckTimer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      onFirstAck = () => {
        firstAckAt = Date.now();
        clearTimeout(noAckTimer);
        killTimer = setTimeout(() => {
          killedAt = Date.now();
          child.kill('SIGKILL');
        }, delayMs);
      };
      child.stdin.write('go\n');
      const { code, signal } = await closed;
      clearTimeout(noAckTimer);
      if (killTimer !== null) clearTimeout(killTimer);
      if (lineError !== null) throw lineError;
      if (firstAckAt === 0) throw new Error(`${where}: no ack within 30 s (code ${code}, signal ${signal}); stderr: ${stderr}`);
      if (signal !== 'SIGKILL' || killedAt === 0) {
        throw new Error(`${where}: child exited by itself (code ${code}, signal ${signal}); stderr: ${stderr}`);
      }
      return { acks, killedAfterMs: killedAt - firstAckAt, signal, stderr };
    },
    dispose() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

interface Found {
  readonly w: number;
  readonly b: number;
  readonly firstSn: number;
  readonly endSn: number;
  /** The batch's stored CRC-32: equal CRCs of CRC-verified batches mean the same bytes. */
  readonly crc: number;
}

/**
 * Reads the whole log and checks it; returns the batches in sn order. Batches a previous round
 * already checked row by row (`known`, a prefix) are compared by sn range, writer, batch number and
 * stored CRC (read() verified the bytes against it), which keeps the rounds fast as the log grows.
 */
async function readAndCheck(log: StreamLog, where: string, known: readonly Found[]): Promise<Found[]> {
  const found: Found[] = [];
  const seen = new Set<string>();
  let expectedSn = 0;
  for await (const record of log.read()) {
    const { header, batch } = record;
    assert.ok(batch !== null, `${where}: batch missing`);
    assert.equal(header.baseSn, expectedSn, `${where}: sn not dense: batch at ${header.baseSn}, expected ${expectedSn}`);
    assert.equal(record.startRow, 0, where);
    const crc = new DataView(record.bytes.buffer, record.bytes.byteOffset).getUint32(12, true);
    if (found.length < known.length) {
      const k = known[found.length];
      const w = batch.vectors[0].kind === 'fixed' ? Number(batch.vectors[0].data[0]) : -1;
      const b = batch.vectors[1].kind === 'fixed' ? Number(batch.vectors[1].data[0]) : -1;
      const f = { w, b, firstSn: header.baseSn, endSn: header.baseSn + header.rowCount, crc };
      assert.deepStrictEqual(f, k, `${where}: batch ${found.length} differs from what an earlier round read`);
      seen.add(`${w}/${b}`);
      found.push(f);
      expectedSn = f.endSn;
      continue;
    }
    assert.deepStrictEqual(batch.columns, CRASH_COLUMNS, `${where}: columns of the batch at sn ${header.baseSn}`);
    const rows = rowsOf(batch);
    assert.ok(rows.length > 0, `${where}: empty batch at sn ${header.baseSn}`);
    const w = rows[0].w as number;
    const b = rows[0].b as number;
    const key = `${w}/${b}`;
    assert.ok(!seen.has(key), `${where}: writer ${w} batch ${b} appears twice (again at sn ${header.baseSn})`);
    seen.add(key);
    assert.equal(header.rowCount, rowCountOf(w, b), `${where}: row count of writer ${w} batch ${b} at sn ${header.baseSn}`);
    assert.equal(rows.length, header.rowCount, where);
    for (let r = 0; r < rows.length; r++) {
      // _tp_sn of row r is baseSn + r: the rows must be (w, b, 0..n-1) in order.
      const row = rows[r];
      if (row.w !== w || row.b !== b || row.r !== r || row.s !== textOf(w, b, r)) {
        assert.deepStrictEqual(row, { w, b, r, s: textOf(w, b, r) }, `${where}: row at sn ${header.baseSn + r}`);
      }
    }
    found.push({ w, b, firstSn: header.baseSn, endSn: header.baseSn + header.rowCount, crc });
    expectedSn = header.baseSn + header.rowCount;
  }
  assert.equal(log.nextSn, expectedSn, `${where}: nextSn ${log.nextSn}, rows read end at ${expectedSn}`);
  assert.equal(log.firstSn, 0, where);
  // Per writer: a prefix 0..m-1, in sn order.
  const nextOf = new Map<number, number>();
  for (const f of found) {
    const next = nextOf.get(f.w) ?? 0;
    assert.equal(f.b, next, `${where}: writer ${f.w} has batch ${f.b} at sn ${f.firstSn} but batch ${next} is missing before it`);
    nextOf.set(f.w, next + 1);
  }
  return found;
}

function checkAcks(acks: readonly Ack[], found: readonly Found[], nextSn: number, where: string): void {
  const byKey = new Map(found.map((f) => [`${f.w}/${f.b}`, f]));
  for (const ack of acks) {
    const f = byKey.get(`${ack.w}/${ack.b}`);
    assert.ok(f !== undefined, `${where}: acknowledged writer ${ack.w} batch ${ack.b} [${ack.firstSn}, ${ack.endSn}) is missing`);
    assert.deepStrictEqual(
      [f.firstSn, f.endSn],
      [ack.firstSn, ack.endSn],
      `${where}: acknowledged writer ${ack.w} batch ${ack.b} found at another sn range`,
    );
    assert.ok(nextSn >= ack.endSn, `${where}: nextSn ${nextSn} below acknowledged end ${ack.endSn}`);
  }
}

test(`crash: SIGKILL during concurrent appends loses no acknowledged batch (${rounds} rounds, SEED=${seed})`, { timeout: 60_000 + rounds * 5_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trib-'));
  const prng = new Prng(seed);
  let previous: Found[] = [];
  let totalAcks = 0;
  let totalCuts = 0;
  let totalRemoved = 0;
  let maxRound = -1;
  const started = Date.now();
  let next: Child | null = null;
  try {
    next = spawnChild(dir, prng.int(0, 0xffffffff), 0, `SEED=${seed} round 0`);
    for (let round = 0; round < rounds; round++) {
      const where = `SEED=${seed} round ${round}`;
      const delayMs = prng.int(20, 300);
      const current = next;
      next = null;
      assert.ok(current !== null);
      let run: ChildRun;
      try {
        run = await current.go(delayMs);
      } finally {
        current.dispose();
      }
      // Start the next child loading now; it waits for go() before it opens the log.
      if (round + 1 < rounds) next = spawnChild(dir, prng.int(0, 0xffffffff), round + 1, `SEED=${seed} round ${round + 1}`);
      assert.ok(run.acks.length > 0, `${where}: no acks`);
      totalAcks += run.acks.length;
      maxRound = round;
      // Acks the child reported are self-consistent: their writer belongs to this round and sn ranges match row counts.
      for (const ack of run.acks) {
        assert.equal(Math.floor(ack.w / WRITERS_MAX), round, where);
        assert.equal(ack.endSn - ack.firstSn, rowCountOf(ack.w, ack.b), `${where}: ack ${JSON.stringify(ack)}`);
      }

      const log = await StreamLog.open({ dir, settings: LOG_SETTINGS });
      try {
        totalCuts += log.recovery.cuts.length;
        totalRemoved += log.recovery.removedFiles.length;
        for (const cut of log.recovery.cuts) assert.ok(cut.truncated, `${where}: a sealed segment was cut: ${JSON.stringify(cut)}`);
        const found = await readAndCheck(log, where, previous);
        assert.equal(log.recovery.batches, found.length, where);
        assert.equal(log.recovery.rows, log.nextSn, where);
        checkAcks(run.acks, found, log.nextSn, where);
        // What the previous round found is still there, at the same sns.
        assert.ok(found.length >= previous.length, `${where}: ${found.length} batches, previous round had ${previous.length}`);
        assert.deepStrictEqual(found.slice(0, previous.length), previous, `${where}: earlier batches changed`);
        // Batches of this round come after every earlier one.
        for (const f of found.slice(previous.length)) assert.equal(Math.floor(f.w / WRITERS_MAX), round, `${where}: batch ${JSON.stringify(f)}`);
        previous = found;
      } finally {
        await log.close();
      }
    }

    // The log keeps working after the last crash: appends continue densely from the recovered end.
    const log = await StreamLog.open({ dir, settings: LOG_SETTINGS });
    try {
      const where = `SEED=${seed} after the last round`;
      const endSn = log.nextSn;
      const w = (maxRound + 1) * WRITERS_MAX;
      let sn = endSn;
      for (let b = 0; b < 40; b++) {
        const result = await log.append(crashBatch(w, b));
        assert.deepStrictEqual(result, { firstSn: sn, endSn: sn + rowCountOf(w, b) }, `${where}: append ${b}`);
        sn = result.endSn;
      }
      const found = await readAndCheck(log, where, previous);
      assert.equal(found.length, previous.length + 40, where);
      assert.equal(log.nextSn, sn, where);
    } finally {
      await log.close();
    }
    const segments = readdirSync(dir).filter((name) => name.endsWith('.seg')).length;
    console.log(
      `# crash test: SEED=${seed}, ${rounds} rounds, ${totalAcks} acks, ${previous.length} batches, ` +
        `${segments} segments, ${totalCuts} recovery cuts, ${totalRemoved} files removed at open, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    next?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
