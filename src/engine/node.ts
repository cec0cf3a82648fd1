// The embedded node: one data directory, SQL in, results out. This is the library entry point
// (`openNode({ dataDir })`) that the server, the CLI and the tests use.
//
// execute(sql) runs exactly one statement and returns:
//   - { kind: 'rows' }   for bounded queries and SHOW/DESCRIBE: all result batches;
//   - { kind: 'stream' } for streaming queries: an async iterator of batches that runs until the
//     query ends (LIMIT), is cancelled (cancel() or the caller's AbortSignal), or the node closes;
//   - { kind: 'ok' }     for everything else, with the number of rows written by an INSERT.
// A session keeps the current database across statements (USE db) and belongs to a user: every
// statement is checked against the user's privileges before it runs (auth/statement-access.ts for
// statements, PlanEnv.authorize for each stream a query reads). `node.session()` and the node's own
// execute() act as `default`, who has every privilege; servers open sessions for the user they
// authenticated (`node.session({ user })`).
import { type Clock, systemClock } from '../core/clock.ts';
import { DbError } from '../core/errors.ts';
import { type Statement, parseStatement, parseStatements } from '../sql/index.ts';
import { Storage } from '../storage/storage.ts';
import { loadNodeId } from './node-identity.ts';
import { T } from '../types/data-type.ts';
import { type Batch, type Column, rowArraysOf } from '../types/batch.ts';
import type { Value } from '../types/vector.ts';
import { colFromValues } from './column.ts';
import { QUERY_RESULT_ROWS_MAX } from './engine-limits.ts';
import { type ExecBatch, batchFromExec } from './exec-batch.ts';
import type { EvalContext } from './functions/function.ts';
import { type PlanEnv, type QueryStats, planQuery } from './plan/select-planner.ts';
import { type RowSet, createStream, describeStream, executeDdl, showCreateStream, showDatabases, showStreams } from './statements/ddl.ts';
import { executeInsert } from './statements/insert.ts';
import { Access, DEFAULT_USER } from './auth/access.ts';
import { checkStatementAccess } from './auth/statement-access.ts';
import type { RemoteStreams } from './external/remote-streams.ts';
import { createExternalStream, describeExternalStream, externalInsertTarget, findExternalStream, showCreateExternalStream } from './statements/external-streams.ts';
import { type UserContext, alterUser, createUser, dropUser, grant, revoke, showCreateUser } from './statements/users.ts';
import { PipeReceiver } from './iotdb/pipe-receiver.ts';
import { type StatementSource, createIotdbDatabase, executeIotdbPathStatement, flushAll, isIotdbDatabaseName, isIotdbPathStatement } from './statements/iotdb.ts';

export interface NodeOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
  /** Settings new streams get unless CREATE STREAM says otherwise, e.g. `{ fsync: 'interval' }`. */
  readonly streamDefaults?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Users defined outside SQL (the server's users_file). Like `default` they have every
   * privilege, and SQL cannot create, change or drop them.
   */
  readonly configuredUsers?: readonly string[];
  /** Reaches remote nodes (external streams); without it, external streams are NOT_SUPPORTED. */
  readonly remotes?: RemoteStreams;
  /** This node's id (exactly-once origins); default: the data directory's, created on first open. */
  readonly nodeId?: string;
  /** The sync layer: materialized views and pipes (src/sync), installed by the composed node. */
  readonly extension?: (node: TributaryNode) => NodeExtension;
  /**
   * IoTDB's enable_auto_create_schema (default true): an IoTDB INSERT creates the database, device
   * stream and measurement columns it needs (statements/iotdb.ts). Off, they must exist already.
   */
  readonly autoCreateSchema?: boolean;
  /**
   * Addresses (CIDR blocks) pipe senders may connect from: IoTDB's ip_white_list (default
   * ['127.0.0.1/32']; empty refuses every sender). See iotdb/pipe-receiver.ts.
   */
  readonly ipWhiteList?: readonly string[];
}

/**
 * What a higher layer (src/sync) adds to the engine: statements it runs (materialized views,
 * pipes), `system.<name>` tables, and a life cycle bound to the node's.
 */
export interface NodeExtension {
  /** Runs `statement`, or returns undefined when it is not one this extension handles. */
  execute(statement: Statement, session: Session, database: string, signal: AbortSignal): Promise<ExecuteResult> | undefined;
  /** The rows of `system.<name>`, or undefined when there is no such table. */
  systemTable(name: string): RowSet | undefined;
  /** Called once the node is open (starts tasks). */
  start(): Promise<void>;
  /** Called first when the node closes (stops tasks). */
  close(): Promise<void>;
}

export interface SessionOptions {
  /** The authenticated user; default `default`. */
  readonly user?: string;
}

export interface ExecuteOptions {
  /** Current database (default: the session's, initially 'default'). */
  readonly database?: string;
  /** Query parameters for `{name:Type}` placeholders. */
  readonly params?: Readonly<Record<string, Value>>;
  readonly signal?: AbortSignal;
}

export type ExecuteResult =
  | { readonly kind: 'rows'; readonly schema: readonly Column[]; readonly batches: readonly Batch[]; readonly rowCount: number }
  | {
      readonly kind: 'stream';
      readonly schema: readonly Column[];
      readonly batches: AsyncIterable<Batch>;
      readonly stats: QueryStats;
      cancel(): void;
    }
  | { readonly kind: 'ok'; readonly writtenRows: number };

export class Session {
  database = 'default';
  readonly user: string;
  readonly access: Access;
  private readonly node: TributaryNode;

  constructor(node: TributaryNode, options: SessionOptions = {}) {
    this.node = node;
    this.user = options.user ?? DEFAULT_USER;
    const superuser = this.user === DEFAULT_USER || node.configuredUsers.has(this.user);
    this.access = new Access(this.user, node.storage.catalog, superuser);
  }

  /** Throws ACCESS_DENIED unless the session's user holds `privilege` on the target (null: every). */
  authorize(privilege: Parameters<Access['check']>[0], database: string | null, stream: string | null): void {
    this.access.check(privilege, database, stream);
  }

  execute(sql: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    return this.executeStatement(parseStatement(sql), options, { text: sql, index: 0 });
  }

  /** Runs several `;`-separated statements in order; returns each result (streams are not allowed here). */
  async executeAll(sql: string, options: ExecuteOptions = {}): Promise<ExecuteResult[]> {
    const results: ExecuteResult[] = [];
    const statements = parseStatements(sql);
    for (let i = 0; i < statements.length; i++) results.push(await this.executeStatement(statements[i], options, { text: sql, index: i }));
    return results;
  }

  /** Runs a bounded query and returns its rows (slow path: tests, small results). */
  async query(sql: string, options: ExecuteOptions = {}): Promise<{ schema: readonly Column[]; rows: Value[][] }> {
    const result = await this.execute(sql, options);
    if (result.kind === 'stream') {
      result.cancel();
      throw new DbError('INVALID_ARGUMENT', 'query() needs a bounded query; this one streams (use table(stream) or LIMIT)');
    }
    if (result.kind === 'ok') return { schema: [], rows: [] };
    const rows: Value[][] = [];
    for (const batch of result.batches) rows.push(...rowArraysOf(batch));
    return { schema: result.schema, rows };
  }

  /** `source`, when given, is the SQL the statement was parsed from: errors found later can then point into it. */
  async executeStatement(statement: Statement, options: ExecuteOptions, source?: StatementSource): Promise<ExecuteResult> {
    const storage = this.node.storage;
    const database = options.database ?? this.database;
    const env: PlanEnv = {
      storage,
      database,
      context: { nowMs: this.node.clock.nowMs() } satisfies EvalContext,
      params: new Map(Object.entries(options.params ?? {})),
      clock: this.node.clock,
      authorize: (privilege, db, stream) => this.access.check(privilege, db, stream),
      remotes: this.node.remotes,
      systemTable: (name) => (name === 'origins' ? originsTable(storage, this.access) : this.node.extension?.systemTable(name)),
    };
    const signal = options.signal ?? new AbortController().signal;
    if (isIotdbPathStatement(statement)) {
      // IoTDB paths map to a database and stream only against the catalog: these check their own privileges.
      const iotdb = { storage, context: env.context, params: env.params, authorize: env.authorize, autoCreateSchema: this.node.autoCreateSchema, signal, source };
      return executeIotdbPathStatement(statement, iotdb);
    }
    checkStatementAccess(statement, this.access, database);
    const extended = this.node.extension?.execute(statement, this, database, signal);
    if (extended !== undefined) return extended;
    const users: UserContext = { catalog: storage.catalog, configuredUsers: this.node.configuredUsers, database };
    switch (statement.kind) {
      case 'Select':
      case 'Union':
        return this.node.runQuery(statement, env, signal);
      case 'Insert': {
        const external = findExternalStream(storage, statement.target.parts, database);
        const target = external === undefined ? undefined : externalInsertTarget(external, this.node.remotes);
        return { kind: 'ok', writtenRows: (await executeInsert(statement, env, signal, target)).rows };
      }
      case 'CreateStream':
        await createStream(statement, storage, database, env.context);
        return ok();
      case 'CreateExternalStream':
        await createExternalStream(statement, storage, database, this.node.remotes, signal);
        return ok();
      case 'DropStream': {
        const external = findExternalStream(storage, statement.name.parts, database);
        if (external !== undefined) {
          await storage.catalog.dropObject('external_stream', external.database, external.name, { ifExists: statement.ifExists });
          return ok();
        }
        await executeDdl(statement, storage, database);
        return ok();
      }
      case 'CreateDatabase':
        if (isIotdbDatabaseName(statement.name)) await createIotdbDatabase(statement, storage, source);
        else await executeDdl(statement, storage, database);
        return ok();
      case 'DropDatabase':
        await executeDdl(statement, storage, database);
        return ok();
      case 'Flush':
        await flushAll(storage);
        return ok();
      case 'Use':
        if (storage.catalog.findDatabase(statement.database) === undefined) throw new DbError('DATABASE_NOT_FOUND', statement.database);
        this.database = statement.database;
        return ok();
      case 'ShowDatabases':
        return rowSet(visibleRows(showDatabases(storage), (name) => this.access.canSee(name, null)));
      case 'ShowStreams': {
        const db = statement.database ?? database;
        return rowSet(visibleRows(showStreams(storage, db), (name) => this.access.canSee(db, name)));
      }
      case 'CreateUser':
        await createUser(statement, users);
        return ok();
      case 'AlterUser':
        await alterUser(statement, users);
        return ok();
      case 'DropUser':
        await dropUser(statement, users);
        return ok();
      case 'Grant':
        await grant(statement, users);
        return ok();
      case 'Revoke':
        await revoke(statement, users);
        return ok();
      case 'ShowCreate': {
        if (statement.objectType === 'USER') return rowSet(showCreateUser(statement.name.parts.join('.'), users));
        const external = findExternalStream(storage, statement.name.parts, database);
        if (external !== undefined && (statement.objectType === null || statement.objectType === 'STREAM' || statement.objectType === 'EXTERNAL STREAM')) {
          return rowSet(showCreateExternalStream(external));
        }
        if (statement.objectType !== null && statement.objectType !== 'STREAM') {
          throw new DbError('NOT_SUPPORTED', `SHOW CREATE ${statement.objectType}`);
        }
        return rowSet(showCreateStream(storage, statement.name.parts, database));
      }
      case 'Describe': {
        const external = findExternalStream(storage, statement.name.parts, database);
        if (external !== undefined) return rowSet(describeExternalStream(external));
        return rowSet(describeStream(storage, statement.name.parts, database));
      }
      default:
        throw new DbError('NOT_SUPPORTED', `${statement.kind} statements (they arrive with the server, external stream and pipe stages)`);
    }
  }
}

/**
 * `system.origins`: per stream and origin (node id, task id, lane), the highest source sn the stream
 * holds durably (exactly-once dedupe). A sender asks it where to resume; rows are limited to the
 * streams the user holds some privilege on.
 */
function originsTable(storage: Storage, access: Access): RowSet {
  const rows: (string | number)[][] = [];
  for (const stream of storage.catalog.listStreams()) {
    if (!access.canSee(stream.database, stream.name)) continue;
    const log = storage.findLog(stream.database, stream.name);
    if (log === undefined) continue; // its log is still opening
    for (const mark of log.originHighWaterMarks().values()) {
      rows.push([stream.database, stream.name, mark.nodeId, mark.taskId, mark.lane, mark.lastSn]);
    }
  }
  return {
    schema: [
      { name: 'database', type: T.string },
      { name: 'stream', type: T.string },
      { name: 'node_id', type: T.string },
      { name: 'task_id', type: T.string },
      { name: 'lane', type: T.uint32 },
      { name: 'last_sn', type: T.int64 },
    ],
    rows,
  };
}

/** Keeps the rows whose first column (a name) the user may see. */
function visibleRows(set: RowSet, visible: (name: string) => boolean): RowSet {
  return { schema: set.schema, rows: set.rows.filter((row) => visible(String(row[0]))) };
}

function ok(writtenRows = 0): ExecuteResult {
  return { kind: 'ok', writtenRows };
}

export function rowSet(set: RowSet): ExecuteResult {
  const exec: ExecBatch = {
    schema: set.schema,
    cols: set.schema.map((c, i) => colFromValues(c.type, set.rows.map((r) => r[i]))),
    rowCount: set.rows.length,
  };
  return { kind: 'rows', schema: set.schema, batches: [batchFromExec(exec)], rowCount: set.rows.length };
}

/**
 * The abort reason when a query ends normally and its resources are released. Shared and built once:
 * abort() without a reason builds a DOMException each time, which showed in point-query profiles.
 */
const QUERY_FINISHED = new DbError('QUERY_CANCELLED', 'query finished');

export class TributaryNode {
  readonly storage: Storage;
  readonly clock: Clock;
  readonly configuredUsers: ReadonlySet<string>;
  readonly nodeId: string;
  readonly remotes: RemoteStreams | undefined;
  readonly extension: NodeExtension | undefined;
  readonly autoCreateSchema: boolean;
  /** The receiving end of pipe transfers: sender white list, target streams, registry of incoming pipes. */
  readonly pipeReceiver: PipeReceiver;
  private readonly running = new Set<AbortController>();
  private readonly defaultSession: Session;

  private constructor(storage: Storage, clock: Clock, options: NodeOptions, nodeId: string, pipeReceiver: PipeReceiver) {
    this.storage = storage;
    this.pipeReceiver = pipeReceiver;
    this.clock = clock;
    this.configuredUsers = new Set(options.configuredUsers ?? []);
    this.nodeId = nodeId;
    this.remotes = options.remotes;
    this.autoCreateSchema = options.autoCreateSchema ?? true;
    this.defaultSession = new Session(this);
    this.extension = options.extension?.(this);
  }

  static async open(options: NodeOptions): Promise<TributaryNode> {
    const clock = options.clock ?? systemClock;
    const storage = await Storage.open({ dataDir: options.dataDir, clock, streamDefaults: options.streamDefaults });
    try {
      const nodeId = options.nodeId ?? (await loadNodeId(options.dataDir));
      const pipeReceiver = await PipeReceiver.open({
        dataDir: options.dataDir,
        storage,
        clock,
        autoCreateSchema: options.autoCreateSchema ?? true,
        ipWhiteList: options.ipWhiteList,
      });
      const node = new TributaryNode(storage, clock, options, nodeId, pipeReceiver);
      await node.extension?.start();
      return node;
    } catch (error) {
      await storage.close().catch(() => undefined);
      throw error;
    }
  }

  /** A session for `options.user` (default: `default`, who has every privilege). */
  session(options: SessionOptions = {}): Session {
    return new Session(this, options);
  }

  execute(sql: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    return this.defaultSession.execute(sql, options);
  }

  executeAll(sql: string, options: ExecuteOptions = {}): Promise<ExecuteResult[]> {
    return this.defaultSession.executeAll(sql, options);
  }

  query(sql: string, options: ExecuteOptions = {}): Promise<{ schema: readonly Column[]; rows: Value[][] }> {
    return this.defaultSession.query(sql, options);
  }

  /** @internal Runs a planned SELECT: collects bounded results, or hands out a cancellable stream. */
  async runQuery(statement: Parameters<typeof planQuery>[0], env: PlanEnv, callerSignal: AbortSignal): Promise<ExecuteResult> {
    const plan = planQuery(statement, env);
    const controller = new AbortController();
    const onAbort = () => controller.abort(new DbError('QUERY_CANCELLED', 'cancelled by the caller'));
    if (callerSignal.aborted) onAbort();
    callerSignal.addEventListener('abort', onAbort, { once: true });
    this.running.add(controller);
    const release = () => {
      callerSignal.removeEventListener('abort', onAbort);
      this.running.delete(controller);
    };
    if (!plan.streaming) {
      try {
        const batches: Batch[] = [];
        let rowCount = 0;
        for await (const batch of plan.run(controller.signal)) {
          rowCount += batch.rowCount;
          if (rowCount > QUERY_RESULT_ROWS_MAX) throw new DbError('LIMIT_EXCEEDED', `result has more than QUERY_RESULT_ROWS_MAX (${QUERY_RESULT_ROWS_MAX}) rows; add a LIMIT`);
          batches.push(batchFromExec(batch, plan.schema));
        }
        return { kind: 'rows', schema: plan.schema, batches, rowCount };
      } finally {
        controller.abort(QUERY_FINISHED);
        release();
      }
    }
    const schema = plan.schema;
    async function* stream(): AsyncGenerator<Batch> {
      const batches = plan.run(controller.signal);
      try {
        for (;;) {
          const next = await batches.next();
          if (next.done === true) return;
          if (next.value.rowCount > 0) yield batchFromExec(next.value, schema);
        }
      } catch (error) {
        if (!controller.signal.aborted) throw error;
      } finally {
        // Abort first: it wakes reads blocked at the tail of a log, so unwinding cannot wait on them.
        controller.abort(QUERY_FINISHED);
        await batches.return(undefined).catch(() => undefined);
        release();
      }
    }
    return { kind: 'stream', schema, batches: stream(), stats: plan.stats, cancel: () => controller.abort(new DbError('QUERY_CANCELLED', 'cancelled by the caller')) };
  }

  /** Cancels running queries and closes the data directory. */
  async close(): Promise<void> {
    await this.extension?.close();
    await this.remotes?.close();
    for (const controller of this.running) controller.abort(new DbError('QUERY_CANCELLED', 'node closing'));
    await this.pipeReceiver.close();
    await this.storage.close();
  }
}

export function openNode(options: NodeOptions): Promise<TributaryNode> {
  return TributaryNode.open(options);
}
