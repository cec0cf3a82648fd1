// Pipes: the IoTDB pipe statements of both generations and the pipes' tasks for the node's
// lifetime. Installed into the engine beside the materialized views (src/tributary-node.ts).
//
//   IoTDB 1.3: CREATE PIPE [IF NOT EXISTS] p [WITH SOURCE (…)] [WITH PROCESSOR (…)] WITH SINK (…),
//              START PIPE p, STOP PIPE p, DROP PIPE [IF EXISTS] p, SHOW PIPES, SHOW PIPE p,
//              SHOW PIPES WHERE SINK USED BY p, SHOW PIPEPLUGINS
//   IoTDB 1.1: CREATE PIPESINK s AS IoTDB (ip=…, port=…), DROP PIPESINK s, SHOW PIPESINKS,
//              SHOW PIPESINK s, SHOW PIPESINKTYPE, CREATE PIPE p TO s [FROM (select ** from root
//              where time >= …)], and the same START/STOP/DROP/SHOW PIPE(S)
//
// Every statement needs USE_PIPE (engine/auth/statement-access.ts). A 1.3 pipe starts RUNNING
// (pipe_initial_state=STOPPED gives IoTDB 1.3.0's behaviour); a 1.1 pipe starts stopped, as the
// sync tool's did, until START PIPE.
//
// SHOW PIPES has two layouts: IoTDB 1.3's (ID, CreationTime, State, PipeSource, PipeProcessor,
// PipeSink, ExceptionMessage, RemainingEventCount, EstimatedRemainingSeconds, RowsPerSecond), and
// the 1.1 sync tool's (create time, name, role, remote, status, attributes, message), which also
// lists the pipes this node receives (role receiver). The 1.1 layout is used when the node has a
// 1.1 pipe, or receives pipes and has no 1.3 pipe; SHOW PIPE p uses p's own generation.
//
// Crash safety at CREATE: the catalog object first, then each source stream's retention hold and
// the checkpoint file. A pipe found in the catalog without a checkpoint starts from its streams'
// current ends (history is whatever they still hold).
import { DbError } from '../../core/errors.ts';
import type { ExecuteResult, NodeExtension, Session, TributaryNode } from '../../engine/node.ts';
import { rowSet } from '../../engine/node.ts';
import type { RowSet } from '../../engine/statements/ddl.ts';
import { availableCompressors } from '../../net/index.ts';
import {
  type CreateLegacyPipeStatement,
  type CreatePipeSinkStatement,
  type CreatePipeStatement,
  type Statement,
  formatStatement,
  formatString,
  parseStatement,
} from '../../sql/index.ts';
import type { CatalogObject } from '../../storage/catalog/catalog-types.ts';
import { T } from '../../types/data-type.ts';
import { TaskStore } from '../task-store.ts';
import { STATUS_SCHEMA, type TaskLog } from '../views.ts';
import { legacyAttributes, legacyPipeConfig, parsePipeSinkAttributes } from './legacy-pipe.ts';
import { parsePipeConfig } from './pipe-config.ts';
import { PIPE_SETTINGS_DEFAULT, type PipeSettings } from './pipe-settings.ts';
import { PipeSinkRegistry, SharedPipeSink } from './pipe-sinks.ts';
import { type PipeCheckpoint, PipeTask } from './pipe-task.ts';
import type { PipeConfig } from './pipe-types.ts';
import { RateLimiter } from './rate-limiter.ts';

/** The catalog definition of a pipe (CatalogObject.definition). */
export interface PipeDefinition {
  /** The CREATE PIPE statement (its configuration is parsed again from it at every start). */
  readonly sql: string;
  /** 1.1 pipes: the pipe sink and its address when the pipe was created. */
  readonly legacy: { readonly sink: string; readonly ip: string; readonly port: number } | null;
}

/** The catalog definition of a 1.1 pipe sink. */
export interface PipeSinkDefinition {
  readonly type: 'IoTDB';
  readonly ip: string;
  readonly port: number;
}

export interface PipesOptions {
  readonly log?: TaskLog;
  readonly settings?: Partial<PipeSettings>;
}

const PLUGINS: readonly (readonly [string, string])[] = [
  ['IOTDB-SOURCE', 'source: a node’s IoTDB series matching a path pattern, history then realtime'],
  ['DO-NOTHING-PROCESSOR', 'processor: passes every row'],
  ['FILTER-PROCESSOR', 'processor: keeps the rows a SQL predicate accepts'],
  ['DOWN-SAMPLING-PROCESSOR', 'processor: one aggregate per series per tumble window'],
  ['IOTDB-THRIFT-SINK', 'sink: = iotdb-thrift-async-sink'],
  ['IOTDB-THRIFT-ASYNC-SINK', 'sink: native protocol, many batches in flight'],
  ['IOTDB-THRIFT-SYNC-SINK', 'sink: native protocol, one batch at a time'],
  ['IOTDB-LEGACY-PIPE-SINK', 'sink: protocol 1 receivers'],
  ['DO-NOTHING-SINK', 'sink: discards every row'],
];

export class Pipes implements NodeExtension {
  private readonly node: TributaryNode;
  private readonly store: TaskStore<PipeCheckpoint>;
  private readonly tasks = new Map<number, PipeTask>();
  private readonly log: TaskLog;
  readonly settings: PipeSettings;
  private readonly sinks: PipeSinkRegistry;

  constructor(node: TributaryNode, options: PipesOptions = {}) {
    this.node = node;
    this.store = new TaskStore<PipeCheckpoint>(node.storage.dataDir, 'pipes');
    this.log = options.log ?? (() => undefined);
    this.settings = { ...PIPE_SETTINGS_DEFAULT, ...options.settings };
    const globalRate = this.settings.allSinksRateLimitBytesPerSecond;
    this.sinks = new PipeSinkRegistry({ nodeId: node.nodeId, settings: this.settings, globalLimiter: globalRate > 0 ? new RateLimiter(globalRate) : null });
  }

  async start(): Promise<void> {
    for (const object of this.node.storage.catalog.listObjects('pipe')) {
      let checkpoint = this.store.load(object.id);
      let config: PipeConfig;
      try {
        config = this.configOf(object);
      } catch (error) {
        this.log('error', 'pipe configuration no longer valid; the pipe stays stopped', { pipe: object.name, error: (error as Error).message });
        continue;
      }
      checkpoint ??= await PipeTask.initialCheckpoint(this.node.storage, { ...config, source: { ...config.source, historyEnabled: false } }, `pipe-${object.id}`, 'RUNNING');
      const task = this.makeTask(object, config, checkpoint);
      task.resumeIfRunning();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.tasks.values()].map((task) => task.close().catch(() => undefined)));
    this.tasks.clear();
    await this.sinks.close();
  }

  execute(statement: Statement, _session: Session, _database: string, signal: AbortSignal): Promise<ExecuteResult> | undefined {
    switch (statement.kind) {
      case 'CreatePipe':
        return this.createPipe(statement, signal);
      case 'CreateLegacyPipe':
        return this.createLegacyPipe(statement, signal);
      case 'PipeAction':
        return this.pipeAction(statement.action, statement.name);
      case 'DropPipe':
        return this.dropPipe(statement.name, statement.ifExists);
      case 'ShowPipes':
        return Promise.resolve(rowSet(statement.sinkUsedBy === null ? this.showPipes() : this.showSinkUsers(statement.sinkUsedBy)));
      case 'ShowPipe':
        return Promise.resolve(rowSet(this.showPipe(statement.name)));
      case 'ShowPipePlugins':
        return Promise.resolve(rowSet(showPlugins()));
      case 'CreatePipeSink':
        return this.createPipeSink(statement);
      case 'DropPipeSink':
        return this.dropPipeSink(statement.name);
      case 'ShowPipeSinks':
        return Promise.resolve(rowSet(this.showPipeSinks(null)));
      case 'ShowPipeSink':
        return Promise.resolve(rowSet(this.showPipeSinks(statement.name)));
      case 'ShowPipeSinkType':
        return Promise.resolve(rowSet({ schema: [{ name: 'type', type: T.string }], rows: [['IoTDB']] }));
      default:
        return undefined;
    }
  }

  systemTable(name: string): RowSet | undefined {
    if (name === 'tasks') return this.tasksTable();
    if (name !== 'pipes') return undefined;
    const rows = this.node.storage.catalog.listObjects('pipe').flatMap((object) => {
      const task = this.tasks.get(object.id);
      if (task === undefined) return [];
      const s = task.status();
      const definition = object.definition as PipeDefinition;
      return [
        [
          object.name,
          definition.legacy === null ? '1.3' : '1.1',
          s.state,
          task.options.config.sink.plugin,
          task.options.config.sink.endpoints.map((e) => `${e.host}:${e.port}`).join(','),
          s.receiverNodeId ?? '',
          s.remainingRows,
          round3(s.estimatedRemainingSeconds),
          Math.round(s.rowsPerSecond),
          s.deliveredRows,
          s.droppedRows,
          s.lateRows,
          s.retries,
          s.error ?? s.warning ?? '',
        ],
      ];
    });
    return {
      schema: [
        { name: 'name', type: T.string },
        { name: 'syntax', type: T.string },
        { name: 'state', type: T.string },
        { name: 'sink', type: T.string },
        { name: 'receivers', type: T.string },
        { name: 'receiver_node_id', type: T.string },
        { name: 'remaining_rows', type: T.int64 },
        { name: 'estimated_remaining_seconds', type: T.float64 },
        { name: 'rows_per_second', type: T.float64 },
        { name: 'delivered_rows', type: T.int64 },
        { name: 'dropped_rows', type: T.int64 },
        { name: 'late_rows', type: T.int64 },
        { name: 'retries', type: T.int64 },
        { name: 'last_error', type: T.string },
      ],
      rows,
    };
  }

  /** Pipes' rows of system.tasks (and so of /metrics' tributary_task_*), kind 'pipe'. */
  private tasksTable(): RowSet {
    const rows = this.pipeObjects().map(({ object, task }) => {
      const s = task.status();
      const config = task.options.config;
      return [
        '',
        object.name,
        'pipe',
        s.state === 'RUNNING' && s.warning !== null ? 'RETRYING' : s.state,
        config.sink.endpoints.map((e) => `${e.host}:${e.port}`).join(',') || config.sink.plugin,
        s.deliveredRows + s.remainingRows,
        s.deliveredRows,
        s.remainingRows,
        round3(s.estimatedRemainingSeconds),
        Math.round(s.rowsPerSecond),
        s.deliveredRows,
        s.droppedRows,
        s.retries,
        s.error ?? s.warning ?? '',
      ];
    });
    return { schema: STATUS_SCHEMA, rows };
  }

  /** Status of every pipe (for /metrics). */
  statuses(): { name: string; status: ReturnType<PipeTask['status']> }[] {
    return [...this.tasks.values()].map((task) => ({ name: task.options.name, status: task.status() }));
  }

  // ---------------------------------------------------------------------------------------------
  // CREATE / START / STOP / DROP

  private parseContext() {
    return { nowMs: this.node.clock.nowMs(), availableCompressors: availableCompressors() };
  }

  private configOf(object: CatalogObject): PipeConfig {
    const definition = object.definition as PipeDefinition;
    const statement = parseStatement(definition.sql);
    if (statement.kind === 'CreatePipe') return parsePipeConfig(statement, this.parseContext());
    if (statement.kind === 'CreateLegacyPipe' && definition.legacy !== null) {
      return legacyPipeConfig(statement, { ip: definition.legacy.ip, port: definition.legacy.port }, this.parseContext());
    }
    throw new DbError('CATALOG_CORRUPT', `pipe ${object.name}: its definition is not a CREATE PIPE statement`);
  }

  private findPipe(name: string): CatalogObject | undefined {
    return this.node.storage.catalog.findObject('pipe', null, name);
  }

  private async createPipe(statement: CreatePipeStatement, signal: AbortSignal): Promise<ExecuteResult> {
    const existing = this.findPipe(statement.name);
    if (existing !== undefined) {
      if (statement.ifNotExists) return ok();
      throw new DbError('OBJECT_EXISTS', `Failed to create pipe ${statement.name}, the pipe with the same name has been created`);
    }
    const config = parsePipeConfig(statement, this.parseContext());
    await this.checkLoop(statement.name, config, signal);
    const definition: PipeDefinition = { sql: formatStatement(statement), legacy: null };
    return this.register(statement.name, definition, config, this.settings.initialState);
  }

  private async createLegacyPipe(statement: CreateLegacyPipeStatement, signal: AbortSignal): Promise<ExecuteResult> {
    const existing = this.findPipe(statement.name);
    if (existing !== undefined) {
      const state = this.tasks.get(existing.id)?.runState === 'RUNNING' ? 'RUNNING' : 'STOP';
      throw new DbError('OBJECT_EXISTS', `PIPE [${statement.name}] is ${state}, please retry after drop it.`);
    }
    const sink = this.node.storage.catalog.findObject('pipesink', null, statement.sink);
    if (sink === undefined) throw new DbError('OBJECT_NOT_FOUND', `PIPESINK [${statement.sink}] does not exist; create it with CREATE PIPESINK ${statement.sink} AS IoTDB (ip='…', port=…)`);
    const address = sink.definition as PipeSinkDefinition;
    const config = legacyPipeConfig(statement, { ip: address.ip, port: address.port }, this.parseContext());
    await this.checkLoop(statement.name, config, signal);
    const definition: PipeDefinition = { sql: formatStatement(statement), legacy: { sink: statement.sink, ip: address.ip, port: address.port } };
    return this.register(statement.name, definition, config, 'PAUSED');
  }

  private async register(name: string, definition: PipeDefinition, config: PipeConfig, initial: 'RUNNING' | 'STOPPED' | 'PAUSED'): Promise<ExecuteResult> {
    const object = await this.node.storage.catalog.createObject({ kind: 'pipe', database: null, name, definition });
    const state = initial === 'RUNNING' ? 'RUNNING' : 'PAUSED';
    let checkpoint: PipeCheckpoint;
    try {
      checkpoint = await PipeTask.initialCheckpoint(this.node.storage, config, `pipe-${object.id}`, state);
      await this.store.save(object.id, checkpoint);
    } catch (error) {
      await this.node.storage.catalog.dropObject('pipe', null, name, { ifExists: true }).catch(() => undefined);
      throw error;
    }
    const task = this.makeTask(object, config, checkpoint);
    task.resumeIfRunning();
    if (state === 'RUNNING') void task.options.sink.report(name, 'RUNNING');
    this.log('info', 'pipe created', { pipe: name, state, sink: config.sink.plugin });
    return ok();
  }

  /**
   * Refuses a pipe into this node itself (A → A), or into a node that already pipes into this one
   * (A → B → A), when the receiver answers within PIPE_LOOP_CHECK_TIMEOUT_MS; a receiver that is
   * down now cannot be checked (the loop is still harmless: see pipe-task.ts).
   */
  private async checkLoop(name: string, config: PipeConfig, signal: AbortSignal): Promise<void> {
    if (config.sink.plugin === 'do-nothing-sink') return;
    const probe = new SharedPipeSink(config.sink, { nodeId: this.node.nodeId, settings: this.settings, globalLimiter: null });
    try {
      if (signal.aborted) return;
      const receiver = await probe.probeReceiver();
      if (receiver === null) return;
      if (receiver.nodeId === this.node.nodeId) {
        throw new DbError('INVALID_ARGUMENT', `pipe ${name}: its sink ${config.sink.endpoints.map((e) => `${e.host}:${e.port}`).join(',')} is this node itself (a loop A → A); sync into another node`);
      }
      try {
        const result = await receiver.client.query(`SELECT name FROM system.pipes WHERE receiver_node_id = ${formatString(this.node.nodeId)}`);
        if (result.rows.length > 0) {
          throw new DbError(
            'INVALID_ARGUMENT',
            `pipe ${name}: the receiver (node ${receiver.nodeId}) already syncs into this node with pipe ${String(result.rows[0]![0])}; this pipe would form a loop A → B → A`,
          );
        }
      } catch (error) {
        if (error instanceof DbError && error.code === 'INVALID_ARGUMENT') throw error;
        // Not visible from here (no USE_PIPE there, an older node): the loop stays harmless.
      }
    } finally {
      await probe.close();
    }
  }

  private makeTask(object: CatalogObject, config: PipeConfig, checkpoint: PipeCheckpoint): PipeTask {
    const task = new PipeTask(
      {
        id: object.id,
        name: object.name,
        config,
        nodeId: this.node.nodeId,
        storage: this.node.storage,
        clock: this.node.clock,
        store: this.store,
        sink: this.sinks.acquire(config.sink, object.name),
        settings: this.settings,
        log: this.log,
      },
      checkpoint,
    );
    this.tasks.set(object.id, task);
    return task;
  }

  private requirePipe(name: string): { object: CatalogObject; task: PipeTask } {
    const object = this.findPipe(name);
    const task = object === undefined ? undefined : this.tasks.get(object.id);
    if (object === undefined || task === undefined) throw new DbError('OBJECT_NOT_FOUND', `PIPE [${name}] does not exist`);
    return { object, task };
  }

  private async pipeAction(action: 'START' | 'STOP', name: string): Promise<ExecuteResult> {
    const { task } = this.requirePipe(name);
    if (action === 'START') {
      await task.start();
      void task.options.sink.report(name, 'RUNNING');
    } else {
      await task.stop();
      void task.options.sink.report(name, 'STOP');
    }
    return ok();
  }

  private async dropPipe(name: string, ifExists: boolean): Promise<ExecuteResult> {
    const object = this.findPipe(name);
    if (object === undefined) {
      if (ifExists) return ok();
      throw new DbError('OBJECT_NOT_FOUND', `PIPE [${name}] does not exist`);
    }
    const task = this.tasks.get(object.id);
    if (task !== undefined) {
      await task.drop();
      this.tasks.delete(object.id);
      void task.options.sink.report(name, 'DROP').finally(() => this.sinks.release(task.options.config.sink, name));
    }
    await this.node.storage.catalog.dropObject('pipe', null, name);
    this.log('info', 'pipe dropped', { pipe: name });
    return ok();
  }

  // ---------------------------------------------------------------------------------------------
  // PIPESINK (1.1)

  private async createPipeSink(statement: CreatePipeSinkStatement): Promise<ExecuteResult> {
    if (this.node.storage.catalog.findObject('pipesink', null, statement.name) !== undefined) {
      throw new DbError('OBJECT_EXISTS', `PIPESINK [${statement.name}] already exists in IoTDB.`);
    }
    const address = parsePipeSinkAttributes(statement);
    const definition: PipeSinkDefinition = { type: 'IoTDB', ip: address.ip, port: address.port };
    await this.node.storage.catalog.createObject({ kind: 'pipesink', database: null, name: statement.name, definition });
    return ok();
  }

  private async dropPipeSink(name: string): Promise<ExecuteResult> {
    if (this.node.storage.catalog.findObject('pipesink', null, name) === undefined) throw new DbError('OBJECT_NOT_FOUND', `PIPESINK [${name}] does not exist`);
    const user = this.node.storage.catalog.listObjects('pipe').find((object) => (object.definition as PipeDefinition).legacy?.sink === name);
    if (user !== undefined) throw new DbError('INVALID_ARGUMENT', `Can not drop PIPESINK [${name}], because PIPE [${user.name}] is using it.`);
    await this.node.storage.catalog.dropObject('pipesink', null, name);
    return ok();
  }

  private showPipeSinks(name: string | null): RowSet {
    const sinks = this.node.storage.catalog.listObjects('pipesink').filter((object) => name === null || object.name === name);
    if (name !== null && sinks.length === 0) throw new DbError('OBJECT_NOT_FOUND', `PIPESINK [${name}] does not exist`);
    return {
      schema: [
        { name: 'name', type: T.string },
        { name: 'type', type: T.string },
        { name: 'attributes', type: T.string },
      ],
      rows: sinks.map((object) => {
        const d = object.definition as PipeSinkDefinition;
        return [object.name, d.type, `ip='${d.ip}',port=${d.port}`];
      }),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // SHOW PIPES

  private pipeObjects(): { object: CatalogObject; task: PipeTask }[] {
    return this.node.storage.catalog.listObjects('pipe').flatMap((object) => {
      const task = this.tasks.get(object.id);
      return task === undefined ? [] : [{ object, task }];
    });
  }

  private showPipes(): RowSet {
    const pipes = this.pipeObjects();
    const receivers = this.receiverEntries();
    const legacy = pipes.some((p) => (p.object.definition as PipeDefinition).legacy !== null);
    const modern = pipes.some((p) => (p.object.definition as PipeDefinition).legacy === null);
    if (legacy || (!modern && receivers.length > 0)) return this.legacyRows(pipes, receivers);
    return this.modernRows(pipes);
  }

  private showPipe(name: string): RowSet {
    const object = this.findPipe(name);
    const task = object === undefined ? undefined : this.tasks.get(object.id);
    const receivers = this.receiverEntries().filter((entry) => entry.pipe === name);
    if (object === undefined || task === undefined) {
      if (receivers.length > 0) return this.legacyRows([], receivers);
      throw new DbError('OBJECT_NOT_FOUND', `PIPE [${name}] does not exist`);
    }
    if ((object.definition as PipeDefinition).legacy !== null) return this.legacyRows([{ object, task }], receivers);
    return this.modernRows([{ object, task }]);
  }

  private showSinkUsers(name: string): RowSet {
    const { task } = this.requirePipe(name);
    const users = new Set(this.sinks.usersOf(task.options.config.sink));
    return this.modernRows(this.pipeObjects().filter((p) => users.has(p.object.name)));
  }

  private modernRows(pipes: readonly { object: CatalogObject; task: PipeTask }[]): RowSet {
    return {
      schema: [
        { name: 'ID', type: T.string },
        { name: 'CreationTime', type: T.string },
        { name: 'State', type: T.string },
        { name: 'PipeSource', type: T.string },
        { name: 'PipeProcessor', type: T.string },
        { name: 'PipeSink', type: T.string },
        { name: 'ExceptionMessage', type: T.string },
        { name: 'RemainingEventCount', type: T.int64 },
        { name: 'EstimatedRemainingSeconds', type: T.float64 },
        { name: 'RowsPerSecond', type: T.float64 },
      ],
      rows: pipes.map(({ object, task }) => {
        const s = task.status();
        const config = task.options.config;
        const message = s.error ?? (s.warning === null ? '' : `WARN: ${s.warning} (retrying)`);
        return [
          object.name,
          formatTime(object.createdAt),
          s.state,
          config.sourceText,
          config.processorText,
          config.sinkText,
          message,
          s.remainingRows,
          round3(s.estimatedRemainingSeconds),
          Math.round(s.rowsPerSecond),
        ];
      }),
    };
  }

  private legacyRows(pipes: readonly { object: CatalogObject; task: PipeTask }[], receivers: readonly ReceiverEntry[]): RowSet {
    const rows: (string | number)[][] = [];
    for (const { object, task } of pipes) {
      const definition = object.definition as PipeDefinition;
      const s = task.status();
      let message = 'NORMAL';
      if (s.error !== null) message = `ERROR: ${s.error}`;
      else if (s.warning !== null) message = `${s.failuresInARow > this.settings.maxNumberOfSyncFileRetry ? 'ERROR' : 'WARN'}: ${s.warning}`;
      const remote = definition.legacy?.sink ?? task.options.config.sink.endpoints.map((e) => `${e.host}:${e.port}`).join(',');
      rows.push([formatTime(object.createdAt), object.name, 'sender', remote, s.state === 'RUNNING' ? 'RUNNING' : 'STOP', legacyAttributes(task.options.config), message]);
    }
    for (const entry of receivers) {
      const attributes = entry.databases.map((db) => `Database='${db}'`).join(',');
      rows.push([formatTime(entry.createTimeMs), entry.pipe, 'receiver', entry.senderIp, entry.state, attributes, 'NORMAL']);
    }
    return {
      schema: [
        { name: 'create time', type: T.string },
        { name: 'name', type: T.string },
        { name: 'role', type: T.string },
        { name: 'remote', type: T.string },
        { name: 'status', type: T.string },
        { name: 'attributes', type: T.string },
        { name: 'message', type: T.string },
      ],
      rows,
    };
  }

  private receiverEntries(): readonly ReceiverEntry[] {
    return this.node.pipeReceiver?.list() ?? [];
  }
}

interface ReceiverEntry {
  readonly pipe: string;
  readonly senderIp: string;
  readonly createTimeMs: number;
  readonly state: string;
  readonly databases: readonly string[];
}

function showPlugins(): RowSet {
  return {
    schema: [
      { name: 'PluginName', type: T.string },
      { name: 'PluginType', type: T.string },
      { name: 'ClassName', type: T.string },
      { name: 'PluginJar', type: T.string },
    ],
    rows: PLUGINS.map(([name, what]) => [name, 'Builtin', what, '']),
  };
}

/** IoTDB's timestamp text: `2022-03-30T20:58:30.689` (UTC here). */
function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function ok(): ExecuteResult {
  return { kind: 'ok', writtenRows: 0 };
}
