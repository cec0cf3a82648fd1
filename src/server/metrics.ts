// The node's metrics in Prometheus text exposition format (version 0.0.4), written by hand: a
// few counters kept here plus values read from storage at scrape time, so nothing is sampled
// in the background and a scrape costs one pass over the streams.
//
// Families:
//   tributary_queries_total{protocol}            counter  statements received
//   tributary_errors_total{protocol,code,name}   counter  statements that failed, by wire code (HTTP so far)
//   tributary_running_queries{protocol}          gauge    queries running now (live ones included)
//   tributary_connections{protocol}              gauge    open client connections
//   tributary_connections_total{protocol}        counter  connections accepted (HTTP so far)
//   tributary_ingest_rows_total{database,stream} counter  rows appended since the node opened
//   tributary_ingest_bytes_total{database,stream} counter encoded bytes appended since open
//   tributary_stream_bytes{database,stream}      gauge    bytes on disk
//   tributary_stream_next_sn{database,stream}    gauge    next _tp_sn
//   tributary_task_lag_rows{database,task,kind}       gauge    rows a task (materialized view) is behind its source
//   tributary_task_lag_seconds{database,task,kind}    gauge    estimated seconds to catch up (-1: not moving)
//   tributary_task_rows_per_second{database,task,kind} gauge   delivery rate
//   tributary_task_delivered_rows_total{…}            counter  rows delivered since the node opened
//   tributary_task_retries_total{…}                   counter  retries after transient errors
//   tributary_task_running{…}                         gauge    1 running, 0 paused or stopped
import type { TributaryNode } from '../engine/node.ts';

export type Protocol = 'http' | 'native';

/** The counters of a native server this module reads (NativeServer.stats() has them). */
export interface NativeCounters {
  readonly connections: number;
  readonly queriesStarted: number;
  readonly queriesRunning: number;
}

export class ServerMetrics {
  private readonly node: TributaryNode;
  private readonly queries = new Map<Protocol, number>();
  private readonly errors = new Map<string, { protocol: Protocol; code: number; name: string; count: number }>();
  private readonly connections = new Map<Protocol, number>();
  private readonly connectionsTotal = new Map<Protocol, number>();
  private nativeSource: () => readonly NativeCounters[] = () => [];
  private httpRunning: () => number = () => 0;

  constructor(node: TributaryNode) {
    this.node = node;
  }

  /** The native servers keep their own counters; they are read at scrape time. */
  addNativeSource(source: () => readonly NativeCounters[]): void {
    this.nativeSource = source;
  }

  /** Queries running on the HTTP server now (read at scrape time). */
  addHttpRunningSource(source: () => number): void {
    this.httpRunning = source;
  }

  connectionOpened(protocol: Protocol): void {
    bump(this.connections, protocol, 1);
    bump(this.connectionsTotal, protocol, 1);
  }

  connectionClosed(protocol: Protocol): void {
    bump(this.connections, protocol, -1);
  }

  queryStarted(protocol: Protocol): void {
    bump(this.queries, protocol, 1);
  }

  queryFailed(protocol: Protocol, code: number, name: string): void {
    const key = `${protocol}\u0000${code}`;
    const entry = this.errors.get(key) ?? { protocol, code, name, count: 0 };
    entry.count++;
    this.errors.set(key, entry);
  }

  render(): string {
    const native = this.nativeSource();
    const queries = new Map(this.queries);
    const connections = new Map(this.connections);
    const running = new Map<Protocol, number>([['http', this.httpRunning()]]);
    if (native.length > 0) {
      running.set('native', native.reduce((sum, n) => sum + n.queriesRunning, 0));
      queries.set('native', native.reduce((sum, n) => sum + n.queriesStarted, 0));
      connections.set('native', native.reduce((sum, n) => sum + n.connections, 0));
    }
    const out: string[] = [];
    family(out, 'tributary_queries_total', 'counter', 'Statements received.');
    for (const [protocol, count] of queries) sample(out, 'tributary_queries_total', { protocol }, count);
    family(out, 'tributary_errors_total', 'counter', 'Statements that failed, by wire error code.');
    for (const e of this.errors.values()) sample(out, 'tributary_errors_total', { protocol: e.protocol, code: String(e.code), name: e.name }, e.count);
    family(out, 'tributary_running_queries', 'gauge', 'Queries running now, live queries included.');
    for (const [protocol, count] of running) sample(out, 'tributary_running_queries', { protocol }, count);
    family(out, 'tributary_connections', 'gauge', 'Open client connections.');
    for (const [protocol, count] of connections) sample(out, 'tributary_connections', { protocol }, count);
    family(out, 'tributary_connections_total', 'counter', 'Client connections accepted.');
    for (const [protocol, count] of this.connectionsTotal) sample(out, 'tributary_connections_total', { protocol }, count);
    this.renderStreams(out);
    this.renderTasks(out);
    return `${out.join('\n')}\n`;
  }

  private renderTasks(out: string[]): void {
    const tasks = this.node.extension?.systemTable('tasks');
    const rows = tasks?.rows ?? [];
    const column = (name: string) => tasks?.schema.findIndex((c) => c.name === name) ?? -1;
    const [db, name, kind, state] = [column('database'), column('name'), column('kind'), column('state')];
    const families = [
      ['tributary_task_lag_rows', 'gauge', 'Rows a view or pipe task is behind its source stream.', 'lag_rows'],
      ['tributary_task_lag_seconds', 'gauge', 'Estimated seconds for a task to catch up (-1: not moving).', 'lag_seconds'],
      ['tributary_task_rows_per_second', 'gauge', 'Rows per second a task delivers.', 'rows_per_second'],
      ['tributary_task_delivered_rows_total', 'counter', 'Rows a task delivered since the node opened.', 'delivered_rows'],
      ['tributary_task_retries_total', 'counter', 'Retries of a task after transient errors since the node opened.', 'retries'],
    ] as const;
    for (const [metric, type, help, field] of families) {
      family(out, metric, type, help);
      const index = column(field);
      for (const row of rows) sample(out, metric, { database: String(row[db]), task: String(row[name]), kind: String(row[kind]) }, Number(row[index]));
    }
    family(out, 'tributary_task_running', 'gauge', 'Whether a task is running (1) or paused or stopped (0).');
    for (const row of rows) sample(out, 'tributary_task_running', { database: String(row[db]), task: String(row[name]), kind: String(row[kind]) }, row[state] === 'RUNNING' || row[state] === 'RETRYING' ? 1 : 0);
  }

  private renderStreams(out: string[]): void {
    const storage = this.node.storage;
    const stats = storage.catalog.listStreams().flatMap((s) => {
      const log = storage.findLog(s.database, s.name); // undefined while a new stream's log opens
      return log === undefined ? [] : [{ labels: { database: s.database, stream: s.name }, stats: log.getStats() }];
    });
    const families = [
      ['tributary_ingest_rows_total', 'counter', 'Rows appended to the stream since the node opened.', (s: (typeof stats)[number]) => s.stats.appendedRows],
      ['tributary_ingest_bytes_total', 'counter', 'Encoded bytes appended to the stream since the node opened.', (s: (typeof stats)[number]) => s.stats.appendedBytes],
      ['tributary_stream_bytes', 'gauge', 'Bytes of the stream log on disk.', (s: (typeof stats)[number]) => s.stats.bytes],
      ['tributary_stream_next_sn', 'gauge', 'The next _tp_sn the stream will assign.', (s: (typeof stats)[number]) => s.stats.nextSn],
    ] as const;
    for (const [name, type, help, value] of families) {
      family(out, name, type, help);
      for (const s of stats) sample(out, name, s.labels, value(s));
    }
  }
}

function bump<K>(map: Map<K, number>, key: K, delta: number): void {
  map.set(key, (map.get(key) ?? 0) + delta);
}

function family(out: string[], name: string, type: 'counter' | 'gauge', help: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

function sample(out: string[], name: string, labels: Readonly<Record<string, string>>, value: number): void {
  const text = Object.entries(labels)
    .map(([key, v]) => `${key}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`)
    .join(',');
  out.push(`${name}{${text}} ${value}`);
}
