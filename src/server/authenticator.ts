// The login check shared by the HTTP and native listeners (the `Authenticate` hook of
// net/server-connection.ts). In order:
//   1. a user of the users_file: its networks, then its password (SHA-256, constant time);
//   2. without a users_file, the built-in `default`: empty password, loopback only;
//   3. a user created with SQL (catalog): its scrypt hash (engine/auth/password-hash.ts);
//   4. anyone else: the time of one scrypt verification is spent, then the login fails.
// Every failure is the same AUTH_FAILED "wrong user name or password", so a peer cannot tell an
// unknown user from a wrong password (the one exception says that the built-in `default` is
// loopback-only: that user always exists and the rule is documented).
//
// scrypt runs on libuv's thread pool, which file I/O shares, so at most LOGIN_HASHES_RUNNING_MAX
// verifications run at once and at most LOGIN_HASHES_WAITING_MAX wait (beyond: SERVER_BUSY).
// HTTP authenticates every request, so a successful SQL login is remembered (user → stored hash
// and an HMAC of the password under a per-process random key, never the password) for up to
// LOGIN_CACHE_ENTRIES_MAX users; a changed password (another stored hash) misses the cache.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DbError } from '../core/errors.ts';
import { DEFAULT_USER } from '../engine/auth/access.ts';
import { findUser } from '../engine/auth/grants.ts';
import { burnTime, verifyPassword } from '../engine/auth/password-hash.ts';
import type { Catalog } from '../storage/catalog/catalog.ts';
import type { Authenticate } from '../net/index.ts';
import { LOOPBACK_NETWORKS } from '../core/networks.ts';
import type { UsersFile } from './users.ts';

/** Concurrent scrypt verifications (each holds one of libuv's 4 default pool threads). */
export const LOGIN_HASHES_RUNNING_MAX = 2;
/** Logins waiting for a verification slot; more is a flood, refused with SERVER_BUSY. */
export const LOGIN_HASHES_WAITING_MAX = 64;
/** Remembered successful SQL logins. */
export const LOGIN_CACHE_ENTRIES_MAX = 1_024;

export interface AuthenticatorOptions {
  readonly catalog: Catalog;
  /** Null when the server has no users_file. */
  readonly usersFile: UsersFile | null;
}

export function createAuthenticator(options: AuthenticatorOptions): Authenticate {
  const { catalog, usersFile } = options;
  const slots = new HashSlots();
  const cache = new LoginCache();
  const refused = () => new DbError('AUTH_FAILED', 'wrong user name or password');
  return async (user, password, remoteAddress) => {
    const fileUser = usersFile?.users.get(user);
    if (fileUser !== undefined) {
      if (fileUser.networks !== null && !fileUser.networks.allows(remoteAddress)) throw refused();
      if (!fileUser.matches(password)) throw refused();
      return { user };
    }
    if (usersFile === null && user === DEFAULT_USER) {
      if (!LOOPBACK_NETWORKS.allows(remoteAddress)) {
        throw new DbError('AUTH_FAILED', `user ${DEFAULT_USER} may connect from loopback only (127.0.0.0/8, ::1); list it with its networks in a users_file to allow more`);
      }
      if (password !== '') throw refused();
      return { user };
    }
    const sqlUser = user === DEFAULT_USER ? undefined : findUser(catalog, user);
    if (sqlUser === undefined) {
      await slots.run(() => burnTime(password));
      throw refused();
    }
    const stored = sqlUser.definition.passwordHash;
    if (cache.has(user, stored, password)) return { user };
    const matches = await slots.run(() => verifyPassword(password, stored));
    if (!matches) throw refused();
    cache.add(user, stored, password);
    return { user };
  };
}

/** A counting semaphore with a bounded queue. */
class HashSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= LOGIN_HASHES_RUNNING_MAX) {
      if (this.waiting.length >= LOGIN_HASHES_WAITING_MAX) throw new DbError('SERVER_BUSY', 'too many logins in progress; try again');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next(); // the slot passes to the next login
      else this.running--;
    }
  }
}

class LoginCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { readonly stored: string; readonly mac: Buffer }>();

  has(user: string, stored: string, password: string): boolean {
    const entry = this.entries.get(user);
    return entry !== undefined && entry.stored === stored && timingSafeEqual(entry.mac, this.mac(password));
  }

  add(user: string, stored: string, password: string): void {
    this.entries.delete(user);
    if (this.entries.size >= LOGIN_CACHE_ENTRIES_MAX) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(user, { stored, mac: this.mac(password) });
  }

  private mac(password: string): Buffer {
    return createHmac('sha256', this.key).update(password, 'utf8').digest();
  }
}
