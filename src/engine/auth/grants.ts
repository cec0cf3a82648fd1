// Users and grants in the catalog (node-global objects):
//   user  `alice`: { passwordHash: 'scrypt$…' }                     (password-hash.ts)
//   grant `alice`: { userId: 42, entries: [{ privilege, database, stream }, …] }
// One grant object per user, named like the user. It records the id of the user object it was
// made for, and is ignored unless that id is the user's current id: a user dropped and created
// again never inherits the old user's grants, even if a crash left the old grant object behind
// (DROP USER removes the grants first and the user second, and CREATE USER removes any leftover).
import { DbError } from '../../core/errors.ts';
import type { Catalog } from '../../storage/catalog/catalog.ts';
import type { CatalogObject } from '../../storage/catalog/catalog-types.ts';
import { type AccessPrivilege, type GrantEntry, PRIVILEGES } from './access.ts';

export interface UserDefinition {
  readonly passwordHash: string;
}

interface GrantDefinition {
  readonly userId: number;
  readonly entries: readonly GrantEntry[];
}

/** A user created with SQL, or undefined. */
export function findUser(catalog: Catalog, name: string): { readonly object: CatalogObject; readonly definition: UserDefinition } | undefined {
  const object = catalog.findObject('user', null, name);
  if (object === undefined) return undefined;
  const definition = object.definition as Partial<UserDefinition> | null;
  if (definition === null || typeof definition !== 'object' || typeof definition.passwordHash !== 'string') {
    throw new DbError('CATALOG_CORRUPT', `user ${name} has no password hash in the catalog`);
  }
  return { object, definition: { passwordHash: definition.passwordHash } };
}

/** The grants of a SQL user (empty for an unknown user, or grants left from a dropped one). */
export function grantEntriesOf(catalog: Catalog, user: string): readonly GrantEntry[] {
  const userObject = catalog.findObject('user', null, user);
  if (userObject === undefined) return [];
  const grant = catalog.findObject('grant', null, user);
  if (grant === undefined) return [];
  const definition = readGrantDefinition(grant);
  return definition.userId === userObject.id ? definition.entries : [];
}

/** Stores the user's grants (replacing them); an empty list removes the grant object. */
export async function writeGrantEntries(catalog: Catalog, user: CatalogObject, entries: readonly GrantEntry[]): Promise<void> {
  const existing = catalog.findObject('grant', null, user.name);
  if (entries.length === 0) {
    if (existing !== undefined) await catalog.dropObject('grant', null, user.name, { ifExists: true });
    return;
  }
  const definition: GrantDefinition = { userId: user.id, entries: entries.map((e) => ({ ...e })) };
  if (existing === undefined) await catalog.createObject({ kind: 'grant', database: null, name: user.name, definition });
  else await catalog.updateObject('grant', null, user.name, definition);
}

function readGrantDefinition(grant: CatalogObject): GrantDefinition {
  const definition = grant.definition as Partial<GrantDefinition> | null;
  const corrupt = () => new DbError('CATALOG_CORRUPT', `the grants of user ${grant.name} are malformed in the catalog`);
  if (definition === null || typeof definition !== 'object' || typeof definition.userId !== 'number' || !Array.isArray(definition.entries)) throw corrupt();
  for (const entry of definition.entries as readonly Partial<GrantEntry>[]) {
    const validTarget = (entry.database === null || typeof entry.database === 'string') && (entry.stream === null || typeof entry.stream === 'string');
    if (!PRIVILEGES.includes(entry.privilege as AccessPrivilege) || !validTarget || (entry.database === null && entry.stream !== null)) throw corrupt();
  }
  return { userId: definition.userId, entries: definition.entries };
}
