// Password hashes for users created with SQL: scrypt (node:crypto, async, on libuv's thread pool)
// with a random salt per hash. The stored text carries its own parameters, so they can be raised
// later without invalidating existing hashes:
//
//   scrypt$<N>$<r>$<p>$<salt, base64>$<hash, base64>      e.g. scrypt$16384$8$1$…$…
//
// N=16384, r=8, p=1 costs ~16 MiB and some tens of milliseconds per hash: slow for guessing,
// fast enough for a login. Hashes are compared with timingSafeEqual. A hash read back from the
// catalog is checked against bounds before use, so a damaged catalog cannot make a login allocate
// gigabytes. Passwords never appear in an error message, a log line or a result.
import assert from 'node:assert/strict';
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { DbError } from '../../core/errors.ts';

export const SCRYPT_COST_N = 16_384;
export const SCRYPT_BLOCK_SIZE_R = 8;
export const SCRYPT_PARALLELISM_P = 1;
export const SCRYPT_SALT_BYTES = 16;
export const SCRYPT_HASH_BYTES = 32;
/** Bounds the parameters a stored hash may ask for (memory is 128·N·r bytes: 128 MiB at most). */
const SCRYPT_COST_N_MAX = 1 << 20;
const SCRYPT_BLOCK_SIZE_R_MAX = 16;
const SCRYPT_PARALLELISM_P_MAX = 4;
/** Passwords longer than this are refused: hashing cost grows with length and no one types more. */
export const PASSWORD_BYTES_MAX = 1_024;

assert(128 * SCRYPT_COST_N * SCRYPT_BLOCK_SIZE_R <= 32 * 1024 * 1024); // node's default maxmem

interface ParsedHash {
  readonly n: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly hash: Buffer;
}

/** Hashes a new password (checked first: not empty, at most PASSWORD_BYTES_MAX bytes). */
export async function hashPassword(password: string): Promise<string> {
  checkNewPassword(password);
  const salt = randomBytes(SCRYPT_SALT_BYTES);
  const hash = await derive(password, salt, SCRYPT_COST_N, SCRYPT_BLOCK_SIZE_R, SCRYPT_PARALLELISM_P, SCRYPT_HASH_BYTES);
  return ['scrypt', SCRYPT_COST_N, SCRYPT_BLOCK_SIZE_R, SCRYPT_PARALLELISM_P, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** True when `password` matches `stored`. A stored hash that does not parse never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === null || Buffer.byteLength(password, 'utf8') > PASSWORD_BYTES_MAX) {
    await burnTime(password);
    return false;
  }
  const given = await derive(password, parsed.salt, parsed.n, parsed.r, parsed.p, parsed.hash.length);
  return timingSafeEqual(given, parsed.hash);
}

/**
 * Spends about the time of one verification and fails: for unknown users, so that the time a
 * login takes does not tell whether the user exists.
 */
export async function burnTime(password: string): Promise<void> {
  await derive(password.slice(0, PASSWORD_BYTES_MAX), DUMMY_SALT, SCRYPT_COST_N, SCRYPT_BLOCK_SIZE_R, SCRYPT_PARALLELISM_P, SCRYPT_HASH_BYTES);
}

const DUMMY_SALT = randomBytes(SCRYPT_SALT_BYTES);

export function checkNewPassword(password: string): void {
  if (password === '') throw new DbError('INVALID_ARGUMENT', 'the password is empty; give a user a password');
  const bytes = Buffer.byteLength(password, 'utf8');
  if (bytes > PASSWORD_BYTES_MAX) throw new DbError('LIMIT_EXCEEDED', `the password has ${bytes} bytes, more than PASSWORD_BYTES_MAX (${PASSWORD_BYTES_MAX})`);
}

function parseHash(stored: string): ParsedHash | null {
  const fields = stored.split('$');
  if (fields.length !== 6 || fields[0] !== 'scrypt') return null;
  const [n, r, p] = fields.slice(1, 4).map((f) => (/^\d{1,8}$/.test(f) ? Number(f) : 0));
  const salt = Buffer.from(fields[4], 'base64');
  const hash = Buffer.from(fields[5], 'base64');
  if (n < 2 || n > SCRYPT_COST_N_MAX || (n & (n - 1)) !== 0) return null;
  if (r < 1 || r > SCRYPT_BLOCK_SIZE_R_MAX || p < 1 || p > SCRYPT_PARALLELISM_P_MAX) return null;
  if (salt.length < 8 || hash.length < 16 || hash.length > 64) return null;
  return { n, r, p, salt, hash };
}

function derive(password: string, salt: Buffer, n: number, r: number, p: number, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, bytes, { N: n, r, p, maxmem: 256 * n * r }, (error, key) => (error === null ? resolve(key) : reject(error)));
  });
}
