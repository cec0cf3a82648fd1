// Row content for the crash test, shared by the child (which appends it) and the parent (which checks
// it): every batch is a pure function of (writer, batch number), so the parent can check each row it
// reads back byte for byte without being told what was written. Not a test file (no `.test.ts`).
import { Prng } from '../../../../src/core/prng.ts';
import { type Batch, type Column, batchFromRows } from '../../../../src/types/batch.ts';
import { T } from '../../../../src/types/data-type.ts';

export const CRASH_COLUMNS: readonly Column[] = [
  { name: 'w', type: T.uint32 },
  { name: 'b', type: T.uint32 },
  { name: 'r', type: T.uint32 },
  { name: 's', type: T.string },
];

/** Writer ids are unique across rounds (the log grows across rounds): round * WRITERS_MAX + writer. */
export const WRITERS_MAX = 16;

function prngFor(w: number, b: number, r: number): Prng {
  let h = Math.imul(w + 1, 0x9e3779b1) ^ Math.imul(b + 7, 0x85ebca77) ^ Math.imul(r + 13, 0xc2b2ae3d);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return new Prng((h ^ (h >>> 15)) >>> 0);
}

/** 1..24 rows. */
export function rowCountOf(w: number, b: number): number {
  return prngFor(w, b, -1).int(1, 24);
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_é€😀';

/** A string of 0..400 characters (some multi-byte) determined by (w, b, r). */
export function textOf(w: number, b: number, r: number): string {
  const prng = prngFor(w, b, r);
  const length = prng.int(0, 400);
  const chars = [...ALPHABET];
  let out = `${w}.${b}.${r}:`;
  for (let i = 0; i < length; i++) out += chars[prng.int(0, chars.length - 1)];
  return out;
}

export function crashBatch(w: number, b: number): Batch {
  const rows = [];
  for (let r = 0; r < rowCountOf(w, b); r++) rows.push({ w, b, r, s: textOf(w, b, r) });
  return batchFromRows(CRASH_COLUMNS, rows);
}
