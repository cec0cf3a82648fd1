// CRC-32 (zlib's: reflected, polynomial 0xEDB88320, init and final xor 0xFFFFFFFF) of a message in
// which a few bytes changed, from the old CRC, without reading the rest of the message.
//
// Why it holds: for messages of equal length, crc(A) ^ crc(B) = raw(A ^ B), where raw is the same
// CRC with zero init and zero final xor (a linear map). The difference A ^ B is zero outside the
// changed window, and raw() of leading zeros is zero, so raw(A ^ B) = raw(window delta) followed by
// `after` zero bytes = raw(window delta) times x^(8 * after) mod P. The multiplication is zlib's
// crc32_combine arithmetic (multmodp, x2nmodp over a table of x^(2^k)): O(log after), not O(after).
//
// Used by the log to stamp sn and append time into a batch that already carries a valid CRC (a batch
// from the wire, or one just encoded) without checksumming the whole batch a second time.
import { crc32 } from 'node:zlib';

const POLY = 0xedb88320;

/** a(x) * b(x) mod P(x), both in the reflected representation. `a` must be non-zero. */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if ((a & m) !== 0) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = (b & 1) !== 0 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) mod P. */
const X2N = new Uint32Array(32);
{
  let p = 0x40000000; // x^1
  X2N[0] = p;
  for (let k = 1; k < 32; k++) X2N[k] = p = multModP(p, p);
}

/** x^(n * 2^k) mod P. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000; // x^0
  while (n > 0) {
    if (n % 2 === 1) p = multModP(X2N[k & 31], p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

/** raw(m) shifted by `zeroBytes` zero bytes: the raw CRC of m followed by that many zeros. */
function shiftRaw(raw: number, zeroBytes: number): number {
  if (raw === 0 || zeroBytes === 0) return raw >>> 0;
  return multModP(x2nModP(zeroBytes, 3), raw);
}

const ZEROS = new Uint8Array(64);

/**
 * The CRC of a message after its bytes [at, at + before.length) changed from `before` to `after`
 * (equal lengths, at most 64 bytes), given the CRC of the message before and the number of message
 * bytes that follow the window.
 */
export function crc32Patched(oldCrc: number, before: Uint8Array, after: Uint8Array, bytesAfterWindow: number): number {
  const n = before.length;
  if (after.length !== n || n > ZEROS.length) throw new RangeError(`crc32Patched: windows of ${before.length}/${after.length} bytes (at most ${ZEROS.length}, equal)`);
  const delta = new Uint8Array(n);
  for (let i = 0; i < n; i++) delta[i] = before[i] ^ after[i];
  const raw = (crc32(delta) ^ crc32(ZEROS.subarray(0, n))) >>> 0;
  return (oldCrc ^ shiftRaw(raw, bytesAfterWindow)) >>> 0;
}
