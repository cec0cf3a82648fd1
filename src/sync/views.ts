// Views: the statements (CREATE [MATERIALIZED] VIEW, DROP VIEW, SYSTEM PAUSE|UNPAUSE|RESUME
// MATERIALIZED VIEW, SHOW [MATERIALIZED] VIEWS, SHOW CREATE VIEW), the `system.tasks` table, and
// the materialized views' tasks for the node's lifetime. Installed into the engine as its
// NodeExtension by the composed node (src/tributary-node.ts).
//
// A plain view is a named query. A materialized view is a task (view-task.ts) from its source to
// its target: `INTO t` (a local stream or an external stream), or without INTO an implicit target
// stream `__mv_<view>` the view owns (created with the query's columns, dropped with the view);
// querying the view reads its target.
//
// Creation order (crash safety): the catalog object, then the source's retention hold, then the
// task file; a view found in the catalog without a task file starts as RUNNING from the source's
// tail (or its seek), holding nothing it has not registered yet.
import { DbError } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';
import { lookupAggregateFunction } from '../engine/aggregates/index.ts';
import type { NodeExtension, Session, TributaryNode, ExecuteResult } from '../engine/node.ts';
import { rowSet } from '../engine/node.ts';
import { findAggregates } from '../engine/plan/ast-walk.ts';
import { type ExternalStreamDefinition, externalColumns } from '../engine/plan/external-source.ts';
import { type PlanEnv, planQuery } from '../engine/plan/select-planner.ts';
import { checkConformable } from '../engine/statements/conform.ts';
import { type RowSet, splitName } from '../engine/statements/ddl.ts';
import {
  type CreateViewStatement,
  type QueryStatement,
  type Statement,
  formatStatement,
  parseStatement,
} from '../sql/index.ts';
import type { CatalogObject, ColumnDef } from '../storage/catalog/catalog-types.ts';
import { T } from '../types/data-type.ts';
import { PushPipeline } from './push-pipeline.ts';
import { type SinkTarget, localTarget, remoteTarget } from './sinks.ts';
import { TaskStore } from './task-store.ts';
import { ViewTask } from './view-task.ts';

export type TaskLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** The catalog definition of a view (CatalogObject.definition). */
export interface ViewDefinition {
  readonly materialized: boolean;
  /** The CREATE statement, for SHOW CREATE. */
  readonly sql: string;
  /** The SELECT, formatted. */
  readonly query: string;
  /** Materialized views: where rows go (and what querying the view reads). Null for plain views. */
  readonly target: { readonly database: string; readonly name: string } | null;
  readonly implicitTarget: boolean;
  /** The local source stream (for its retention hold), or null for an external source. */
  readonly source: { readonly database: string; readonly name: string } | null;
  /** The query aggregates: restarts replay from the view's start (see view-task.ts). */
  readonly stateful: boolean;
}

const IMPLICIT_TARGET_PREFIX = '__mv_';

export interface ViewsOptions {
  readonly log?: TaskLog;
}

export class Views implements NodeExtension {
  private readonly node: TributaryNode;
  private readonly store: TaskStore;
  private readonly tasks = new Map<number, ViewTask>();
  private readonly log: TaskLog;

  constructor(node: TributaryNode, options: ViewsOptions = {}) {
    this.node = node;
    this.store = new TaskStore(node.storage.dataDir);
    this.log = options.log ?? (() => undefined);
  }

  async start(): Promise<void> {
    for (const object of this.node.storage.catalog.listObjects('view')) {
      const definition = object.definition as ViewDefinition;
      if (!definition.materialized) continue;
      const checkpoint = this.store.load(object.id) ?? { state: 'RUNNING', error: null, lanes: {}, start: {} };
      const task = this.makeTask(object, checkpoint);
      this.tasks.set(object.id, task);
      task.resumeIfRunning();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((task) => task.close().catch(() => undefined)));
    this.tasks.clear();
  }

  execute(statement: Statement, session: Session, database: string, signal: AbortSignal): Promise<ExecuteResult> | undefined {
    switch (statement.kind) {
      case 'CreateView':
        return this.createView(statement, session, database, signal);
      case 'DropView':
        return this.dropView(statement.name.parts, database, statement.ifExists);
      case 'SystemView':
        return this.systemView(statement.action, statement.name.parts, database);
      case 'DropDatabase': {
        // Views of the database go first (their tasks stop, their holds are released); the engine
        // then drops the rest.
        const views = this.node.storage.catalog.findDatabase(statement.name) === undefined ? [] : this.node.storage.catalog.listObjects('view', statement.name);
        if (views.length === 0) return undefined;
        return (async () => {
          for (const view of views) await this.dropView([statement.name, view.name], database, true);
          return this.node.session({ user: session.user }).executeStatement(statement, { database });
        })();
      }
      case 'ShowViews':
        return Promise.resolve(rowSet(this.showViews(statement.database ?? database, statement.materialized, session)));
      case 'ShowCreate': {
        if (statement.objectType !== null && statement.objectType !== 'VIEW' && statement.objectType !== 'MATERIALIZED VIEW') return undefined;
        const object = this.findView(statement.name.parts, database);
        if (object === undefined) {
          if (statement.objectType === null) return undefined;
          throw new DbError('OBJECT_NOT_FOUND', `view ${statement.name.parts.join('.')}`);
        }
        const sql = formatStatement(parseStatement((object.definition as ViewDefinition).sql), { redactSecrets: true });
        return Promise.resolve(rowSet({ schema: [{ name: 'statement', type: T.string }], rows: [[sql]] }));
      }
      default:
        return undefined;
    }
  }

  systemTable(name: string): RowSet | undefined {
    if (name !== 'tasks') return undefined;
    const rows = this.node.storage.catalog.listObjects('view').flatMap((object) => {
      const task = this.tasks.get(object.id);
      return task === undefined ? [] : [statusRow(object, task, 'materialized_view')];
    });
    return { schema: STATUS_SCHEMA, rows };
  }

  /** Status rows of every materialized view (for /metrics). */
  statuses(): { database: string; name: string; status: ReturnType<ViewTask['status']> }[] {
    return this.node.storage.catalog.listObjects('view').flatMap((object) => {
      const task = this.tasks.get(object.id);
      return task === undefined ? [] : [{ database: object.database ?? '', name: object.name, status: task.status() }];
    });
  }

  private findView(parts: readonly string[], database: string): CatalogObject | undefined {
    const [db, name] = splitName(parts, database);
    const relation = this.node.storage.catalog.findRelation(db, name);
    return relation?.kind === 'view' ? relation.object : undefined;
  }

  private async createView(statement: CreateViewStatement, session: Session, database: string, signal: AbortSignal): Promise<ExecuteResult> {
    const storage = this.node.storage;
    const [db, name] = splitName(statement.name.parts, database);
    storage.catalog.getDatabase(db);
    const existing = storage.catalog.findRelation(db, name);
    if (existing !== undefined) {
      if (statement.ifNotExists) return ok();
      if (statement.orReplace && existing.kind === 'view') await this.dropView([db, name], db, false);
    }
    const query = statement.query;
    const queryText = formatStatement(query);
    const sql = formatStatement(statement);
    if (!statement.materialized) {
      planQuery(query, this.env(session, db)); // a broken view fails at CREATE, not when read
      const definition: ViewDefinition = { materialized: false, sql, query: queryText, target: null, implicitTarget: false, source: null, stateful: false };
      await storage.catalog.createObject({ kind: 'view', database: db, name, definition });
      return ok();
    }
    if (query.kind === 'Select' && query.limit !== null) {
      throw new DbError('INVALID_ARGUMENT', `materialized view ${db}.${name}: LIMIT would end the view after a few rows; remove it`);
    }
    // Plan once to validate the query and learn its source and columns.
    const probe = new AbortController();
    const onAbort = () => probe.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let pipeline: PushPipeline;
    try {
      pipeline = await PushPipeline.start(query, this.env(session, db), probe.signal);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    const schema = pipeline.plan.schema;
    const request = pipeline.request;
    await pipeline.close();
    probe.abort();

    let target: { database: string; name: string };
    let targetColumns: readonly ColumnDef[];
    let implicitTarget = false;
    if (statement.into !== null) {
      const [tdb, tname] = splitName(statement.into.parts, database);
      session.authorize('INSERT', tdb, tname);
      const relation = storage.catalog.findRelation(tdb, tname);
      if (relation === undefined) throw new DbError('STREAM_NOT_FOUND', `${tdb}.${tname} (the INTO target of view ${db}.${name}); create it first`);
      if (relation.kind === 'stream') targetColumns = relation.stream.columns;
      else if (relation.kind === 'external_stream') targetColumns = externalColumns(relation.object.definition as ExternalStreamDefinition);
      else throw new DbError('INVALID_ARGUMENT', `view ${db}.${name} cannot write INTO ${tdb}.${tname}, which is a view`);
      target = { database: tdb, name: tname };
    } else {
      implicitTarget = true;
      target = { database: db, name: `${IMPLICIT_TARGET_PREFIX}${name}` };
      if (storage.catalog.findRelation(target.database, target.name) !== undefined) {
        throw new DbError('STREAM_EXISTS', `${target.database}.${target.name}, the name of view ${name}'s implicit target; drop it or use INTO`);
      }
      targetColumns = schema.map((c) => ({ name: c.name, type: c.type }));
    }
    checkConformable(schema, targetColumns, `${target.database}.${target.name}`);
    if (implicitTarget) await storage.createStream(target.database, target.name, targetColumns);

    const stateful = isStateful(query);
    const source = request.kind === 'stream' ? { database: request.stream.database, name: request.stream.name } : null;
    const definition: ViewDefinition = { materialized: true, sql, query: queryText, target, implicitTarget, source, stateful };
    let object: CatalogObject;
    try {
      object = await storage.catalog.createObject({ kind: 'view', database: db, name, definition });
    } catch (error) {
      if (implicitTarget) await storage.dropStream(target.database, target.name, { ifExists: true }).catch(() => undefined);
      throw error;
    }
    const start: Record<string, number> = {};
    if (request.kind === 'stream') {
      const log = storage.log(request.stream.database, request.stream.name);
      const seeks = request.seek.fromSn !== undefined || request.seek.fromTimeMs !== undefined;
      if (!seeks) start['0'] = log.nextSn - 1;
      await log.registerConsumer(`view-${object.id}`, seeks ? log.firstSn : log.nextSn);
    }
    const checkpoint = { state: 'RUNNING' as const, error: null, lanes: {}, start };
    await this.store.save(object.id, checkpoint);
    const task = this.makeTask(object, checkpoint);
    this.tasks.set(object.id, task);
    task.resumeIfRunning();
    this.log('info', 'materialized view created', { view: `${db}.${name}`, target: `${target.database}.${target.name}` });
    return ok();
  }

  private async dropView(parts: readonly string[], database: string, ifExists: boolean): Promise<ExecuteResult> {
    const storage = this.node.storage;
    const [db, name] = splitName(parts, database);
    const object = this.findView(parts, database);
    if (object === undefined) {
      if (ifExists) return ok();
      if (storage.catalog.findDatabase(db) === undefined) throw new DbError('DATABASE_NOT_FOUND', db);
      throw new DbError('OBJECT_NOT_FOUND', `view ${db}.${name}`);
    }
    const definition = object.definition as ViewDefinition;
    const task = this.tasks.get(object.id);
    if (task !== undefined) {
      await task.close();
      this.tasks.delete(object.id);
    }
    await storage.catalog.dropObject('view', db, name);
    await this.store.remove(object.id);
    if (definition.source !== null) {
      try {
        await storage.log(definition.source.database, definition.source.name).unregisterConsumer(`view-${object.id}`);
      } catch {
        // The source stream is gone: nothing is held.
      }
    }
    if (definition.implicitTarget && definition.target !== null) await storage.dropStream(definition.target.database, definition.target.name, { ifExists: true });
    this.log('info', 'view dropped', { view: `${db}.${name}` });
    return ok();
  }

  private async systemView(action: 'PAUSE' | 'UNPAUSE' | 'RESUME', parts: readonly string[], database: string): Promise<ExecuteResult> {
    const object = this.findView(parts, database);
    const [db, name] = splitName(parts, database);
    if (object === undefined) throw new DbError('OBJECT_NOT_FOUND', `materialized view ${db}.${name}`);
    const task = this.tasks.get(object.id);
    if (task === undefined) throw new DbError('INVALID_ARGUMENT', `${db}.${name} is not a materialized view`);
    if (action === 'PAUSE') await task.pause();
    else await task.unpause();
    return ok();
  }

  private showViews(database: string, materializedOnly: boolean, session: Session): RowSet {
    if (this.node.storage.catalog.findDatabase(database) === undefined) throw new DbError('DATABASE_NOT_FOUND', database);
    const rows = this.node.storage.catalog
      .listObjects('view', database)
      .filter((object) => (!materializedOnly || (object.definition as ViewDefinition).materialized) && session.access.canSee(database, object.name))
      .map((object) => {
        const task = this.tasks.get(object.id);
        return task === undefined ? plainRow(object) : statusRow(object, task, 'materialized_view');
      });
    return { schema: STATUS_SCHEMA, rows };
  }

  private env(session: Session, database: string): PlanEnv {
    return {
      storage: this.node.storage,
      database,
      context: { nowMs: this.node.clock.nowMs() },
      params: new Map(),
      clock: this.node.clock,
      authorize: (privilege, db, stream) => session.authorize(privilege, db, stream),
      remotes: this.node.remotes,
    };
  }

  private makeTask(object: CatalogObject, checkpoint: ConstructorParameters<typeof ViewTask>[1]): ViewTask {
    const definition = object.definition as ViewDefinition;
    const query = parseStatement(definition.query) as QueryStatement;
    const node = this.node;
    const target = definition.target!;
    const targetFactory = (): SinkTarget => {
      const relation = node.storage.catalog.findRelation(target.database, target.name);
      if (relation === undefined) throw new DbError('STREAM_NOT_FOUND', `${target.database}.${target.name}, the target of view ${object.database}.${object.name}`);
      if (relation.kind === 'stream') return localTarget(node.storage, target.database, target.name);
      if (relation.kind === 'external_stream') {
        if (node.remotes === undefined) throw new DbError('NOT_SUPPORTED', 'this node has no remote connector');
        const external = relation.object.definition as ExternalStreamDefinition;
        const columns = externalColumns(external).map((c) => ({ name: c.name, type: c.type }));
        return remoteTarget(node.remotes, external.config, columns, `external stream ${target.database}.${target.name}`);
      }
      throw new DbError('INVALID_ARGUMENT', `the target ${target.database}.${target.name} is a view`);
    };
    return new ViewTask(
      {
        id: object.id,
        name: object.name,
        database: object.database ?? 'default',
        query,
        stateful: definition.stateful,
        localSource: definition.source,
        nodeId: node.nodeId,
        storage: node.storage,
        remotes: node.remotes,
        clock: node.clock as Clock,
        store: this.store,
        target: targetFactory,
        log: this.log,
      },
      checkpoint,
    );
  }
}

/** The columns of system.tasks (views here, pipes in pipes/pipes.ts). */
export const STATUS_SCHEMA = [
  { name: 'database', type: T.string },
  { name: 'name', type: T.string },
  { name: 'kind', type: T.string },
  { name: 'state', type: T.string },
  { name: 'target', type: T.string },
  { name: 'source_position', type: T.int64 },
  { name: 'acked_position', type: T.int64 },
  { name: 'lag_rows', type: T.int64 },
  { name: 'lag_seconds', type: T.float64 },
  { name: 'rows_per_second', type: T.float64 },
  { name: 'delivered_rows', type: T.int64 },
  { name: 'dropped_rows', type: T.int64 },
  { name: 'retries', type: T.int64 },
  { name: 'last_error', type: T.string },
];

function statusRow(object: CatalogObject, task: ViewTask, kind: string): (string | number)[] {
  const definition = object.definition as ViewDefinition;
  const s = task.status();
  const target = definition.target === null ? '' : `${definition.target.database}.${definition.target.name}`;
  return [
    object.database ?? '',
    object.name,
    kind,
    s.state,
    target,
    s.sourcePosition,
    s.ackedPosition,
    s.lagRows,
    Math.round(s.lagSeconds * 1000) / 1000,
    Math.round(s.rowsPerSecond),
    s.deliveredRows,
    s.droppedRows,
    s.retries,
    s.lastError ?? '',
  ];
}

function plainRow(object: CatalogObject): (string | number)[] {
  return [object.database ?? '', object.name, 'view', '', '', 0, 0, 0, 0, 0, 0, 0, 0, ''];
}

/** The query keeps state across batches (aggregates, windows, DISTINCT). */
export function isStateful(query: QueryStatement): boolean {
  if (query.kind === 'Union') return query.selects.some((s) => isStateful(s));
  if (query.groupBy.length > 0 || query.distinct) return true;
  if (query.from?.kind === 'TableFunction' && ['tumble', 'hop', 'session'].includes(query.from.name.toLowerCase())) return true;
  const isAggregate = (name: string) => lookupAggregateFunction(name) !== undefined;
  return query.items.some((item) => findAggregates(item.expr, isAggregate).length > 0);
}

function ok(): ExecuteResult {
  return { kind: 'ok', writtenRows: 0 };
}
