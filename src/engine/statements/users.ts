// CREATE/ALTER/DROP USER, GRANT, REVOKE and SHOW CREATE USER (the caller has checked ALL on *.*).
// Storage is in grants.ts; hashing in password-hash.ts. Whatever the method written after
// IDENTIFIED WITH, the password is stored as an scrypt hash, and no statement, result or error
// ever contains a password or a hash.
//
// `default` and the users configured outside SQL (users_file) cannot be created, changed, dropped,
// granted to or revoked from with SQL: they have every privilege, and their passwords live in the
// server's configuration.
//
// REVOKE removes the named privileges at the target and at every narrower target (REVOKE ON db.*
// also removes grants on db.s). When a broader grant would still give the privilege (REVOKE ON db.s
// after GRANT ON db.*), it fails and changes nothing: this build has no partial revokes.
import { DbError } from '../../core/errors.ts';
import {
  type AlterUserStatement,
  type CreateUserStatement,
  type DropUserStatement,
  type GrantStatement,
  type GrantTarget,
  type Privilege,
  type RevokeStatement,
  formatIdentifier,
} from '../../sql/index.ts';
import type { Catalog } from '../../storage/catalog/catalog.ts';
import type { CatalogObject } from '../../storage/catalog/catalog-types.ts';
import { type AccessPrivilege, DEFAULT_USER, type GrantEntry, PRIVILEGES, covers, formatTarget } from '../auth/access.ts';
import { findUser, grantEntriesOf, writeGrantEntries } from '../auth/grants.ts';
import { checkNewPassword, hashPassword } from '../auth/password-hash.ts';
import { splitObjectName } from '../auth/statement-access.ts';
import { T } from '../../types/data-type.ts';
import type { RowSet } from './ddl.ts';

export interface UserContext {
  readonly catalog: Catalog;
  /** Users defined outside SQL (users_file), besides `default`. */
  readonly configuredUsers: ReadonlySet<string>;
  /** The session's database, for `ON s`. */
  readonly database: string;
}

/** Methods accepted after IDENTIFIED WITH (ClickHouse's names); the hash is scrypt for all of them. */
const AUTH_METHODS = new Set(['plaintext_password', 'sha256_password', 'double_sha1_password', 'bcrypt_password', 'scrypt_password']);

export async function createUser(statement: CreateUserStatement, context: UserContext): Promise<void> {
  refuseBuiltIn(statement.name, context);
  const catalog = context.catalog;
  if (catalog.findObject('user', null, statement.name) !== undefined) {
    if (statement.ifNotExists) return;
    throw new DbError('OBJECT_EXISTS', `user ${statement.name}`, { kind: 'user', name: statement.name });
  }
  if (statement.password === null) throw new DbError('INVALID_ARGUMENT', `CREATE USER ${statement.name} needs IDENTIFIED BY 'password'`);
  checkAuthMethod(statement.authMethod);
  const passwordHash = await hashPassword(statement.password);
  // Grants left behind by an earlier user of this name (a crash during DROP USER) are never
  // applied (their user id differs); remove them so the catalog does not carry them forever.
  await catalog.dropObject('grant', null, statement.name, { ifExists: true });
  await catalog.createObject({ kind: 'user', database: null, name: statement.name, definition: { passwordHash } });
}

export async function alterUser(statement: AlterUserStatement, context: UserContext): Promise<void> {
  refuseBuiltIn(statement.name, context);
  checkAuthMethod(statement.authMethod);
  checkNewPassword(statement.password);
  requireUser(context.catalog, statement.name);
  const passwordHash = await hashPassword(statement.password);
  await context.catalog.updateObject('user', null, statement.name, { passwordHash });
}

export async function dropUser(statement: DropUserStatement, context: UserContext): Promise<void> {
  refuseBuiltIn(statement.name, context);
  const catalog = context.catalog;
  if (statement.ifExists && catalog.findObject('user', null, statement.name) === undefined) return;
  requireUser(catalog, statement.name);
  // Grants first: a crash between the two leaves a user without grants, never grants without a user.
  await catalog.dropObject('grant', null, statement.name, { ifExists: true });
  await catalog.dropObject('user', null, statement.name);
}

export async function grant(statement: GrantStatement, context: UserContext): Promise<void> {
  const target = resolveTarget(statement.on, context.database);
  const added = expand(statement.privileges).map((privilege) => ({ privilege, ...target }));
  const users = statement.users.map((name) => grantee(name, context));
  for (const user of users) {
    const entries = [...grantEntriesOf(context.catalog, user.name)];
    for (const entry of added) if (!entries.some((e) => sameEntry(e, entry))) entries.push(entry);
    await writeGrantEntries(context.catalog, user, entries);
  }
}

export async function revoke(statement: RevokeStatement, context: UserContext): Promise<void> {
  const target = resolveTarget(statement.on, context.database);
  const privileges = expand(statement.privileges);
  const users = statement.users.map((name) => grantee(name, context));
  const changes = users.map((user) => {
    const kept = grantEntriesOf(context.catalog, user.name).filter((e) => !(privileges.includes(e.privilege) && contains(target, e)));
    for (const privilege of privileges) {
      const broader = kept.find((e) => covers(e, privilege, target.database, target.stream));
      if (broader !== undefined) {
        throw new DbError(
          'INVALID_ARGUMENT',
          `user ${user.name} keeps ${privilege} on ${formatTarget(target.database, target.stream)} through a grant on ${formatTarget(broader.database, broader.stream)}; revoke that one instead`,
        );
      }
    }
    return { user, kept };
  });
  for (const { user, kept } of changes) await writeGrantEntries(context.catalog, user, kept);
}

/** `SHOW CREATE USER u`: the statement without the password (the hash is never shown). */
export function showCreateUser(name: string, context: UserContext): RowSet {
  const schema = [{ name: 'statement', type: T.string }];
  if (name === DEFAULT_USER || context.configuredUsers.has(name)) {
    return { schema, rows: [[`-- user ${formatIdentifier(name)} is configured outside SQL and has every privilege`]] };
  }
  requireUser(context.catalog, name);
  const lines = [`CREATE USER ${formatIdentifier(name)} IDENTIFIED WITH scrypt_password`];
  for (const e of grantEntriesOf(context.catalog, name)) lines.push(`GRANT ${e.privilege} ON ${formatGrantTarget(e)} TO ${formatIdentifier(name)}`);
  return { schema, rows: [[lines.join(';\n')]] };
}

function formatGrantTarget(entry: GrantEntry): string {
  if (entry.database === null) return '*.*';
  return `${formatIdentifier(entry.database)}.${entry.stream === null ? '*' : formatIdentifier(entry.stream)}`;
}

function refuseBuiltIn(name: string, context: UserContext): void {
  if (name === DEFAULT_USER) throw new DbError('INVALID_ARGUMENT', `user ${DEFAULT_USER} is built in; it cannot be created, changed or dropped with SQL`);
  if (context.configuredUsers.has(name)) throw new DbError('INVALID_ARGUMENT', `user ${name} is defined in the server's users_file; change it there`);
}

function grantee(name: string, context: UserContext): CatalogObject {
  if (name === DEFAULT_USER || context.configuredUsers.has(name)) {
    throw new DbError('INVALID_ARGUMENT', `user ${name} has every privilege; GRANT and REVOKE apply to users created with CREATE USER`);
  }
  return requireUser(context.catalog, name);
}

function requireUser(catalog: Catalog, name: string): CatalogObject {
  const found = findUser(catalog, name);
  if (found === undefined) throw new DbError('OBJECT_NOT_FOUND', `user ${name}`, { kind: 'user', name });
  return found.object;
}

function checkAuthMethod(method: string | null): void {
  if (method === null || AUTH_METHODS.has(method.toLowerCase())) return;
  throw new DbError('INVALID_ARGUMENT', `unknown authentication method ${method}; use IDENTIFIED BY 'password' (stored as an scrypt hash)`);
}

function expand(privileges: readonly Privilege[]): AccessPrivilege[] {
  const out = new Set<AccessPrivilege>();
  for (const p of privileges) {
    if (p === 'ALL') for (const each of PRIVILEGES) out.add(each);
    else out.add(p);
  }
  return [...out];
}

function resolveTarget(on: GrantTarget, database: string): { database: string | null; stream: string | null } {
  switch (on.kind) {
    case 'GrantAll':
      return { database: null, stream: null };
    case 'GrantDatabase':
      return { database: on.database, stream: null };
    case 'GrantObject': {
      const [db, stream] = splitObjectName(on.name, database);
      return { database: db, stream };
    }
  }
}

/** Whether `entry`'s target lies inside `target` (equal or narrower). */
function contains(target: { database: string | null; stream: string | null }, entry: GrantEntry): boolean {
  if (target.database === null) return true;
  if (entry.database !== target.database) return false;
  return target.stream === null || entry.stream === target.stream;
}

function sameEntry(a: GrantEntry, b: GrantEntry): boolean {
  return a.privilege === b.privilege && a.database === b.database && a.stream === b.stream;
}
