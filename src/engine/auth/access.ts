// Privileges and the check every statement passes before it runs.
//
// A grant is (privilege, target). Targets: `*.*` (database null), `db.*` (stream null), `db.s`.
// A grant covers a check when the privilege matches and its target contains the checked one:
// `*.*` contains everything, `db.*` contains `db.*` and every `db.s`, `db.s` only itself. Checks on
// node-wide things (pipes, users) are made at `*.*`, so only a `*.*` grant passes them.
// ALL is shorthand: granting it stores each of PRIVILEGES; a check for ALL needs each of them.
//
// Who has what:
//   - `default` and the users configured outside SQL (users_file) have every privilege;
//   - users created with SQL have the grants stored for them in the catalog (grants.ts), read at
//     every check, so a REVOKE takes effect on open sessions at once;
//   - a user name that is neither (dropped while connected) has nothing.
// A denial names the user, the privilege and the target asked for, and nothing else: it does not
// say whether the target exists, so a user cannot probe for objects they have no rights on.
import { DbError } from '../../core/errors.ts';
import type { Catalog } from '../../storage/catalog/catalog.ts';
import { grantEntriesOf } from './grants.ts';

/** The privileges a grant can hold (ALL is all of them). */
export const PRIVILEGES = ['SELECT', 'INSERT', 'CREATE', 'DROP', 'USE_PIPE'] as const;
export type AccessPrivilege = (typeof PRIVILEGES)[number];

/** The built-in user: every privilege; with no password, reachable from loopback only (server/). */
export const DEFAULT_USER = 'default';

export interface GrantEntry {
  readonly privilege: AccessPrivilege;
  /** null: every database (`*.*`). */
  readonly database: string | null;
  /** null: every stream of the database (`db.*`). */
  readonly stream: string | null;
}

/** `authorize(privilege, database, stream)`: returns, or throws ACCESS_DENIED. */
export type Authorize = (privilege: AccessPrivilege | 'ALL', database: string | null, stream: string | null) => void;

/** `*.*`, `db.*` or `db.s`, as in GRANT. */
export function formatTarget(database: string | null, stream: string | null): string {
  if (database === null) return '*.*';
  return `${database}.${stream ?? '*'}`;
}

export function covers(entry: GrantEntry, privilege: AccessPrivilege, database: string | null, stream: string | null): boolean {
  if (entry.privilege !== privilege) return false;
  if (entry.database === null) return true;
  if (entry.database !== database) return false;
  return entry.stream === null || entry.stream === stream;
}

/** The access of one session's user: checks and visibility. */
export class Access {
  readonly user: string;
  private readonly catalog: Catalog;
  private readonly superuser: boolean;

  constructor(user: string, catalog: Catalog, superuser: boolean) {
    this.user = user;
    this.catalog = catalog;
    this.superuser = superuser;
  }

  /** True for `default` and users configured outside SQL. */
  get hasEverything(): boolean {
    return this.superuser;
  }

  /** Throws ACCESS_DENIED unless the user holds `privilege` (each privilege, for ALL) on the target. */
  check(privilege: AccessPrivilege | 'ALL', database: string | null, stream: string | null): void {
    if (this.superuser) return;
    const entries = this.entries();
    const needed = privilege === 'ALL' ? PRIVILEGES : [privilege];
    if (needed.every((p) => entries.some((e) => covers(e, p, database, stream)))) return;
    throw new DbError('ACCESS_DENIED', `user ${this.user} needs ${privilege} on ${formatTarget(database, stream)}`, {
      user: this.user,
      privilege,
    });
  }

  /** Whether the user holds any privilege on the target or below it (SHOW lists what passes). */
  canSee(database: string, stream: string | null): boolean {
    if (this.superuser) return true;
    return this.entries().some((e) => e.database === null || (e.database === database && (stream === null || e.stream === null || e.stream === stream)));
  }

  /** Throws ACCESS_DENIED unless canSee(database, null): USE and SHOW STREAMS need some privilege there. */
  checkDatabase(database: string): void {
    if (this.canSee(database, null)) return;
    throw new DbError('ACCESS_DENIED', `user ${this.user} has no privileges on ${formatTarget(database, null)} or any stream in it`, { user: this.user });
  }

  private entries(): readonly GrantEntry[] {
    return grantEntriesOf(this.catalog, this.user);
  }
}
