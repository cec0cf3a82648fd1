// Users from `users_file`: a YAML mapping in ClickHouse's users.xml vocabulary, so an existing
// setup translates line for line:
//   users:
//     default: { password: '', networks: ['127.0.0.1/32', '10.0.0.0/8'] }
//     alice:   { password_sha256_hex: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 }
// Passwords are compared as SHA-256 digests in constant time; the file is read once at start.
// `networks` (CIDR blocks or addresses) limits where a user may connect from. Without it, `default`
// may connect from loopback only (127.0.0.0/8, ::1) and other users from anywhere.
// Users of this file have every privilege (like `default`); SQL cannot change them. Users created
// with CREATE USER live in the catalog instead (authenticator.ts checks both).
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DbError } from '../core/errors.ts';
import type { Authenticate } from '../net/index.ts';
import { ConfigError } from './config.ts';
import { type Networks, LOOPBACK_NETWORKS, parseNetworks } from '../core/networks.ts';

const NETWORKS_SCHEMA = z.array(z.string().min(1)).min(1, 'list at least one address or CIDR block').optional();

const USER_SCHEMA = z.union([
  z.object({ password: z.string(), networks: NETWORKS_SCHEMA }).strict(),
  z.object({ password_sha256_hex: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits'), networks: NETWORKS_SCHEMA }).strict(),
]);

const USERS_FILE_SCHEMA = z.object({ users: z.record(z.string().min(1), USER_SCHEMA) }).strict();

export interface FileUser {
  readonly name: string;
  /** Null: from any address. */
  readonly networks: Networks | null;
  /** Constant-time comparison of the password's SHA-256 digest. */
  matches(password: string): boolean;
}

export interface UsersFile {
  readonly file: string;
  readonly users: ReadonlyMap<string, FileUser>;
}

export function readUsersFile(file: string): UsersFile {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`users_file ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const result = USERS_FILE_SCHEMA.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(`users_file ${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  const users = new Map<string, FileUser>();
  for (const [name, user] of Object.entries(result.data.users)) {
    const digest = 'password' in user ? sha256(user.password) : Buffer.from(user.password_sha256_hex, 'hex');
    let networks: Networks | null = name === 'default' ? LOOPBACK_NETWORKS : null;
    if (user.networks !== undefined) {
      try {
        networks = parseNetworks(user.networks);
      } catch (error) {
        throw new ConfigError(`users_file ${file}: users.${name}.networks: ${(error as Error).message}`);
      }
    }
    users.set(name, { name, networks, matches: (password) => timingSafeEqual(digest, sha256(password)) });
  }
  return { file, users };
}

/** An Authenticate over the file's users alone (no SQL users). */
export function loadUsersFile(file: string): Authenticate {
  const users = readUsersFile(file).users;
  return async (user, password, remoteAddress) => {
    const found = users.get(user);
    if (found !== undefined && (found.networks === null || found.networks.allows(remoteAddress)) && found.matches(password)) return { user };
    throw new DbError('AUTH_FAILED', 'wrong user name or password');
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
