// The shapes a pipe is made of, shared by its configuration (pipe-config.ts), its processors
// (processors/), its sinks (pipe-sinks.ts) and its task (pipe-task.ts).
//
// A pipe (IoTDB 1.3 `CREATE PIPE p [WITH SOURCE (…)] [WITH PROCESSOR (…)] WITH SINK (…)`, or the 1.1
// sync tool's `CREATE PIPE p TO sink`) reads every series whose full path starts with its pattern
// from the local streams of IoTDB databases (`root.…`), runs each stream's batches through its
// processor, and delivers them to the same database and stream on the receiver. Time bounds are in
// epoch milliseconds, inclusive; ±Infinity means unbounded.
import type { Column } from '../../types/batch.ts';
import type { ExecBatch } from '../../engine/exec-batch.ts';

export interface PipeSourceConfig {
  /** 'iotdb-source' (alias 'tributary-source'). */
  readonly plugin: 'iotdb-source';
  /** String prefix over full series paths as IoTDB prints them (`root.sg.d.s`, backquoted nodes). */
  readonly pattern: string;
  /**
   * Bounds on event time for historical rows (appended before the pipe was created): from
   * `history.start-time`/`history.end-time`, or from `start-time`/`end-time` when those are given.
   */
  readonly historyStartMs: number;
  readonly historyEndMs: number;
  /** Bounds on event time for realtime rows (appended after creation): `start-time`/`end-time`. */
  readonly realtimeStartMs: number;
  readonly realtimeEndMs: number;
  /** `history.enable` / `realtime.enable` (default true). */
  readonly historyEnabled: boolean;
  readonly realtimeEnabled: boolean;
}

export type DownSamplingFunction = 'avg' | 'min' | 'max' | 'first' | 'last' | 'count' | 'sum';

export type PipeProcessorConfig =
  | { readonly plugin: 'do-nothing-processor' }
  /** Keeps the rows for which `predicate` (SQL over measurement names and `time`) is true. */
  | { readonly plugin: 'filter-processor'; readonly predicate: string }
  /** Tumble windows of `intervalMs` on event time, one aggregate per series per window. */
  | { readonly plugin: 'down-sampling-processor'; readonly intervalMs: number; readonly fn: DownSamplingFunction };

export type PipeSinkPlugin = 'iotdb-thrift-async-sink' | 'iotdb-thrift-sync-sink' | 'iotdb-legacy-pipe-sink' | 'do-nothing-sink';

export interface PipeEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface PipeSinkConfig {
  readonly plugin: PipeSinkPlugin;
  /** Receivers (`ip`+`port`, or `node-urls`): load-balanced round-robin, failing over in order. */
  readonly endpoints: readonly PipeEndpoint[];
  readonly user: string;
  readonly password: string;
  /** `batch.enable` (default true): merge a lane's consecutive batches up to the limits below. */
  readonly batchEnabled: boolean;
  /** `batch.max-delay-seconds` (default 1) in ms: how long rows may wait for a batch to fill. */
  readonly batchMaxDelayMs: number;
  /** `batch.size-bytes` (default 16 MiB): a batch is sent once it holds this many bytes. */
  readonly batchSizeBytes: number;
  /** `compressor`: applied on the wire (names as given, validated against what this node supports). */
  readonly compressor: 'gzip' | 'zstd' | null;
  /** `rate-limit-bytes-per-second` (default -1: none). */
  readonly rateLimitBytesPerSecond: number;
  /** Legacy sink: `sink.version` (default '1.1'). */
  readonly version: string;
  /**
   * The sink's key/value set, normalized (prefix dropped, keys sorted, `iotdb-thrift-sink` written
   * as `iotdb-thrift-async-sink`): equal keys mean one shared sink instance.
   */
  readonly sharingKey: string;
}

export interface PipeConfig {
  readonly source: PipeSourceConfig;
  readonly processor: PipeProcessorConfig;
  readonly sink: PipeSinkConfig;
  /** The sections' key/value pairs as written (for SHOW PIPES: PipeSource, PipeProcessor, PipeSink). */
  readonly sourceText: string;
  readonly processorText: string;
  readonly sinkText: string;
}

/**
 * A processor instance runs for one lane (one source stream) over batches whose schema is
 * `_tp_time` then the lane's selected measurement columns. It must be deterministic: the same
 * inputs after the same restored state give the same outputs, so a replay after a crash emits the
 * same rows at the same source positions (the receiver drops what it already holds).
 */
export interface PipeProcessor {
  /** The output schema (fixed for the instance). */
  readonly schema: readonly Column[];
  /** Processes one input batch; returns the rows to deliver for it (null: none). */
  process(batch: ExecBatch): ExecBatch | null;
  /**
   * JSON-serialisable state after the last process() (null for stateless processors): persisted
   * with the checkpoint once the outputs up to here are acknowledged, passed back on restart.
   */
  snapshot(): unknown;
  /** Rows dropped as too late for a window already emitted (down-sampling), for status. */
  readonly lateRows: number;
}
