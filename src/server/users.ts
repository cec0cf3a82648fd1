// Users from `users_file` (until users live in the catalog with GRANTs): a YAML mapping in
// ClickHouse's users.xml vocabulary, so an existing setup translates line for line:
//   users:
//     default: { password: '' }
//     alice:   { password_sha256_hex: 5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 }
// Passwords are compared as SHA-256 digests in constant time; the file is read once at start.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DbError } from '../core/errors.ts';
import type { Authenticate } from '../net/index.ts';
import { ConfigError } from './config.ts';

const USER_SCHEMA = z.union([
  z.object({ password: z.string() }).strict(),
  z.object({ password_sha256_hex: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits') }).strict(),
]);

const USERS_FILE_SCHEMA = z.object({ users: z.record(z.string().min(1), USER_SCHEMA) }).strict();

export function loadUsersFile(file: string): Authenticate {
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
  const digests = new Map<string, Buffer>();
  for (const [name, user] of Object.entries(result.data.users)) {
    digests.set(name, 'password' in user ? sha256(user.password) : Buffer.from(user.password_sha256_hex, 'hex'));
  }
  return async (user, password) => {
    const expected = digests.get(user);
    const given = sha256(password);
    if (expected !== undefined && timingSafeEqual(expected, given)) return { user };
    throw new DbError('AUTH_FAILED', `user '${user}': unknown user or wrong password`);
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
