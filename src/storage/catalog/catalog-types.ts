// The records the catalog holds, as the rest of the node sees them. Every record handed out by the
// Catalog is deeply frozen: state changes only through Catalog mutations, never by editing a record.
//
// Object kinds and their scope:
// - 'external_stream', 'view': belong to a database and share the stream namespace there (a view
//   cannot be named like a stream or an external stream of the same database, and vice versa);
// - 'pipe', 'pipesink', 'user', 'grant': node-global (database null), one namespace per kind.
// Ids (streams and objects alike) come from one persistent counter and are never reused, so a
// stream directory or a task checkpoint named by id can never be confused with a later object's.
import type { DataType } from '../../types/data-type.ts';
import type { StreamSettings } from './stream-settings.ts';

export interface DatabaseDef {
  readonly name: string;
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
}

export interface ColumnDef {
  readonly name: string;
  readonly type: DataType;
  /** SQL expression text evaluated when an insert omits the column; absent means NULL/zero. */
  readonly default?: string;
}

export interface StreamDef {
  /** Names the stream's storage directory; never reused. */
  readonly id: number;
  readonly database: string;
  readonly name: string;
  /** Includes `_tp_time` (first, unless the user declared it elsewhere). */
  readonly columns: readonly ColumnDef[];
  readonly settings: StreamSettings;
  readonly createdAt: number;
}

export const OBJECT_KINDS = ['external_stream', 'view', 'pipe', 'pipesink', 'user', 'grant'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

/** 'database': lives in a database, in the stream namespace. 'global': node-wide, namespace per kind. */
export const OBJECT_SCOPE: { readonly [K in ObjectKind]: 'database' | 'global' } = {
  external_stream: 'database',
  view: 'database',
  pipe: 'global',
  pipesink: 'global',
  user: 'global',
  grant: 'global',
};

export interface CatalogObject {
  readonly kind: ObjectKind;
  /** The database for database-scoped kinds; null for node-global ones. */
  readonly database: string | null;
  readonly name: string;
  readonly id: number;
  readonly createdAt: number;
  /** Kind-specific, JSON-serializable (a deep copy of what was given, frozen). */
  readonly definition: unknown;
}

/** What a name in a database's stream namespace refers to (for the binder). */
export type Relation =
  | { readonly kind: 'stream'; readonly stream: StreamDef }
  | { readonly kind: 'external_stream' | 'view'; readonly object: CatalogObject };

/** The whole catalog. Immutable: a mutation builds a new one. Lists are in creation (id) order. */
export interface CatalogState {
  /** The next id to hand out; greater than every id ever handed out. */
  readonly nextId: number;
  readonly databases: readonly DatabaseDef[];
  readonly streams: readonly StreamDef[];
  readonly objects: readonly CatalogObject[];
}
