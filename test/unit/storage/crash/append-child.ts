// Child process of crash.test.ts: opens the log in `dir` and runs WRITERS concurrent writers that
// append numbered batches (crash-rows.ts) forever, printing `ack <writer> <batch> <firstSn> <endSn>`
// for each append only after it resolved (fsync 'always': the batch is durable). The parent
// SIGKILLs this process at a random instant. Usage: append-child.ts <dir> <seed> <round>
//
// The parent starts the next round's child while it still checks the previous round (loading tsx
// and the modules takes ~0.5 s), so the child waits for a line on stdin before it opens the log.
import { Prng } from '../../../../src/core/prng.ts';
import { StreamLog } from '../../../../src/storage/log/stream-log.ts';
import { WRITERS_MAX, crashBatch } from './crash-rows.ts';

const WRITERS = 4;
const [dir, seedText, roundText] = process.argv.slice(2);
const seed = Number(seedText);
const round = Number(roundText);
if (dir === undefined || !Number.isInteger(seed) || !Number.isInteger(round)) {
  process.stderr.write(`usage: append-child.ts <dir> <seed> <round>, got ${process.argv.slice(2).join(' ')}\n`);
  process.exit(2);
}

// Never outlive a parent that forgot us.
setTimeout(() => {
  process.stderr.write('append-child: not killed within 60 s, exiting\n');
  process.exit(4);
}, 60_000).unref();
process.stdout.on('error', () => process.exit(5)); // EPIPE: the parent is gone

const go = await new Promise<boolean>((resolve) => {
  process.stdin.once('data', () => resolve(true));
  process.stdin.once('end', () => resolve(false));
});
if (!go) process.exit(0);
process.stdin.pause();

const log = await StreamLog.open({ dir, settings: { segmentBytes: 64 * 1024, fsync: 'always' } });
process.stdout.write(`open ${log.nextSn} ${log.recovery.cuts.length}\n`);

async function writer(w: number, prng: Prng): Promise<void> {
  const id = round * WRITERS_MAX + w;
  for (let b = 0; ; b++) {
    const batch = crashBatch(id, b);
    const { firstSn, endSn } = await log.append(batch);
    process.stdout.write(`ack ${id} ${b} ${firstSn} ${endSn}\n`);
    // Vary how appends group: sometimes go straight on, sometimes let others queue first.
    const pause = prng.int(0, 3);
    if (pause === 1) await new Promise((resolve) => setImmediate(resolve));
    else if (pause === 2) await new Promise((resolve) => setTimeout(resolve, prng.int(0, 2)));
  }
}

const master = new Prng(seed);
await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w, new Prng(master.int(0, 0xffffffff))))).catch((error: unknown) => {
  process.stderr.write(`append-child: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
