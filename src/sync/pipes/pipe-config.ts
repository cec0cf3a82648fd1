// A pipe's configuration: CREATE PIPE's WITH SOURCE / PROCESSOR / SINK attribute lists, validated
// into a PipeConfig (pipe-types.ts). Re-run on every start from the stored statement, so it depends
// on nothing but the statement and the node's compressors (no clock: `now` is not a time here).
//
// Keys (IoTDB 1.3.1+): `source.pattern` and `pattern` are the same key inside WITH SOURCE, as are
// `sink.ip` and `ip` inside WITH SINK; the 1.2 names `extractor.…`/`connector.…` and the plugin keys
// 'extractor'/'connector' are read as source/sink. Keys and plugin names are case-insensitive.
// Stricter than IoTDB, which ignores unknown keys silently: an unknown key, a key of another section
// (`sink.ip` in WITH SOURCE) and a key given twice under two spellings (`ip` and `sink.ip`, `ip` and
// `host`) are errors (pipe-config-sections.ts), so a typo never falls back to a default. Every
// error names the pipe, the section, the key as written and the value.
//
// Source (iotdb-source; aliases tributary-source, iotdb-extractor): `pattern` (default root, see
// pattern.ts), `history.start-time`/`history.end-time` (also spelled `historical.…`, as in the 1.3
// docs' example), `start-time`/`end-time` (1.3.1+: when either is given the history pair is ignored,
// as in IoTDB, and both history and realtime rows are bounded by them; otherwise realtime rows are
// unbounded), `history.enable`, `realtime.enable` (not both false). Times are epoch milliseconds or
// ISO 8601 text (`2011-12-03T10:15:30`, `…+01:00`, `…Z`, `….123`, also `2011.12.03T10:15:30+01:00`
// as in the docs' example); text without an offset is UTC (IoTDB uses the server's zone).
// Processor: do-nothing-processor (default), filter-processor (`filter`, alias `predicate`),
// down-sampling-processor (`down-sampling.interval-seconds` alias `interval-seconds`, default 60;
// `down-sampling.function`, default avg).
// Sink: iotdb-thrift-sink = iotdb-thrift-async-sink, iotdb-thrift-sync-sink, iotdb-legacy-pipe-sink,
// do-nothing-sink (each also as `*-connector`). The three IoTDB sinks need `ip`+`port` (alias
// `host`) or `node-urls`, exactly one form (the legacy sink: ip+port only). `user`/`username`
// defaults to Tributary's `default` user and `password` to '' (IoTDB's defaults are root/root).
//
// sharingKey: the sink section's pairs, prefixes dropped, keys lower-cased and aliases normalized,
// the plugin canonical, values as written except the password (a SHA-256 digest, so the key can be
// logged), sorted by key: sinks equal in any order and prefix style share one instance.
import { createHash } from 'node:crypto';
import { DbError } from '../../core/errors.ts';
import type { CreatePipeStatement } from '../../sql/index.ts';
import { TIME_MS_ABS_MAX, parseTimeMs } from '../../engine/functions/calendar.ts';
import { patternProblem, normalizePattern, PATTERN_DEFAULT } from './pattern.ts';
import type { DownSamplingFunction, PipeConfig, PipeEndpoint, PipeProcessorConfig, PipeSinkConfig, PipeSinkPlugin, PipeSourceConfig } from './pipe-types.ts';
import { parseFilterPredicate } from './processors/filter.ts';
import { type Entry, Given, type KeyTable, flag, integer, number, readSection, sectionText } from './pipe-config-sections.ts';

export { formatParameters } from './pipe-config-sections.ts';

export interface PipeConfigContext {
  /** When the statement is parsed (reserved: no setting reads the clock, see the header). */
  readonly nowMs: number;
  /** Wire compressors this node supports (lower case), e.g. ['gzip'] or ['gzip', 'zstd']. */
  readonly availableCompressors: readonly string[];
}

const KiB = 1024;
const MiB = 1024 * KiB;
export const PIPE_BATCH_SIZE_BYTES_DEFAULT = 16 * MiB;
/** Smallest `batch.size-bytes`: below it a batch is mostly framing. */
export const PIPE_BATCH_SIZE_BYTES_MIN = 1 * KiB;
/** Largest `batch.size-bytes`: a batch is held in memory whole and sent as one frame. */
export const PIPE_BATCH_SIZE_BYTES_MAX = 256 * MiB;
export const PIPE_BATCH_MAX_DELAY_MS_DEFAULT = 1_000;
/** Longest `batch.max-delay-…`: rows waiting longer than this for a batch to fill is a misconfiguration. */
export const PIPE_BATCH_MAX_DELAY_MS_MAX = 3_600_000;
/** Receivers one `node-urls` may list. */
export const PIPE_SINK_NODE_URLS_MAX = 64;
export const DOWN_SAMPLING_INTERVAL_SECONDS_DEFAULT = 60;
export const DOWN_SAMPLING_FUNCTIONS: readonly DownSamplingFunction[] = ['avg', 'min', 'max', 'first', 'last', 'count', 'sum'];
/** Tributary's default user: a sink without `user` logs in as it (IoTDB's default is root/root). */
export const PIPE_SINK_USER_DEFAULT = 'default';
export const LEGACY_SINK_VERSION_DEFAULT = '1.1';

const SOURCE_KEYS: KeyTable = {
  pattern: [],
  'history.start-time': ['historical.start-time'],
  'history.end-time': ['historical.end-time'],
  'start-time': [],
  'end-time': [],
  'history.enable': [],
  'realtime.enable': [],
};

const PROCESSOR_KEYS: Readonly<Record<PipeProcessorConfig['plugin'], KeyTable>> = {
  'do-nothing-processor': {},
  'filter-processor': { filter: ['predicate'] },
  'down-sampling-processor': { 'down-sampling.interval-seconds': ['interval-seconds'], 'down-sampling.function': [] },
};

const ENDPOINT_KEYS: KeyTable = { ip: ['host'], port: [], user: ['username'], password: [] };
const THRIFT_SINK_KEYS: KeyTable = {
  ...ENDPOINT_KEYS,
  'node-urls': [],
  'batch.enable': [],
  'batch.max-delay-seconds': [],
  'batch.max-delay-ms': [],
  'batch.size-bytes': [],
  compressor: [],
  'rate-limit-bytes-per-second': [],
};
const SINK_KEYS: Readonly<Record<PipeSinkPlugin, KeyTable>> = {
  'iotdb-thrift-async-sink': THRIFT_SINK_KEYS,
  'iotdb-thrift-sync-sink': THRIFT_SINK_KEYS,
  'iotdb-legacy-pipe-sink': { ...ENDPOINT_KEYS, version: [] },
  'do-nothing-sink': {},
};

/** Plugin names as written (lower case) → canonical. */
const SOURCE_PLUGINS: Readonly<Record<string, 'iotdb-source'>> = {
  'iotdb-source': 'iotdb-source',
  'tributary-source': 'iotdb-source',
  'iotdb-extractor': 'iotdb-source',
};
const PROCESSOR_PLUGINS: Readonly<Record<string, PipeProcessorConfig['plugin']>> = {
  'do-nothing-processor': 'do-nothing-processor',
  'filter-processor': 'filter-processor',
  'down-sampling-processor': 'down-sampling-processor',
};
const SINK_PLUGINS: Readonly<Record<string, PipeSinkPlugin>> = {
  'iotdb-thrift-sink': 'iotdb-thrift-async-sink',
  'iotdb-thrift-async-sink': 'iotdb-thrift-async-sink',
  'iotdb-thrift-sync-sink': 'iotdb-thrift-sync-sink',
  'iotdb-legacy-pipe-sink': 'iotdb-legacy-pipe-sink',
  'do-nothing-sink': 'do-nothing-sink',
  'iotdb-thrift-connector': 'iotdb-thrift-async-sink',
  'iotdb-thrift-async-connector': 'iotdb-thrift-async-sink',
  'iotdb-thrift-sync-connector': 'iotdb-thrift-sync-sink',
  'iotdb-legacy-pipe-connector': 'iotdb-legacy-pipe-sink',
  'do-nothing-connector': 'do-nothing-sink',
  // The seed's key-prefix example names the air-gap sink. Tributary has no data-diode transport: it
  // delivers like the sync sink (one batch at a time, in order) over the native protocol.
  'iotdb-air-gap-sink': 'iotdb-thrift-sync-sink',
  'iotdb-air-gap-connector': 'iotdb-thrift-sync-sink',
};
/** IoTDB's other built-in plugins: named so the error says "not supported" rather than "unknown". */
const UNSUPPORTED_PLUGINS: readonly string[] = [
  'tumbling-time-sampling-processor',
  'sdt-sampling-processor',
  'changing-value-sampling-processor',
  'aggregate-processor',
  'count-point-processor',
  'throwing-exception-processor',
  'rename-database-processor',
  'iotdb-thrift-ssl-sink',
  'websocket-sink',
  'opc-ua-sink',
  'opc-da-sink',
  'write-back-sink',
  'subscription-sink',
  'iotdb-thrift-ssl-connector',
  'websocket-connector',
  'opc-ua-connector',
  'write-back-connector',
];
/** Compressors IoTDB names (`compressor`); this node supports those in PipeConfigContext. */
const IOTDB_COMPRESSORS = ['snappy', 'gzip', 'lz4', 'zstd', 'lzma2'];

/** Validates CREATE PIPE's sections into a PipeConfig; throws INVALID_SETTING / NOT_SUPPORTED. */
export function parsePipeConfig(statement: CreatePipeStatement, context: PipeConfigContext): PipeConfig {
  const pipe = `pipe ${statement.name}`;
  const source = readSection(pipe, 'source', statement.source ?? [], SOURCE_PLUGINS, 'iotdb-source', () => SOURCE_KEYS, UNSUPPORTED_PLUGINS);
  const processor = readSection(pipe, 'processor', statement.processor ?? [], PROCESSOR_PLUGINS, 'do-nothing-processor', (p) => PROCESSOR_KEYS[p], UNSUPPORTED_PLUGINS);
  const sink = readSection(pipe, 'sink', statement.sink, SINK_PLUGINS, null, (p) => SINK_KEYS[p], UNSUPPORTED_PLUGINS);
  return {
    source: parseSource(source.given),
    processor: parseProcessor(processor.plugin, processor.given),
    sink: parseSink(sink.plugin, sink.given, sinkSharingKey(sink.plugin, sink.entries), context),
    sourceText: sectionText('source', statement.source, 'iotdb-source'),
    processorText: sectionText('processor', statement.processor, 'do-nothing-processor'),
    sinkText: sectionText('sink', statement.sink, null),
  };
}

/**
 * The sink of a pipe that names only an endpoint (the 1.1 sync tool's pipes): the same config and
 * sharing key as `WITH SINK ('sink'=plugin, 'ip'=…, 'port'=…)`.
 */
export function endpointSinkConfig(plugin: PipeSinkPlugin, endpoint: PipeEndpoint): PipeSinkConfig {
  const entries: Entry[] = [
    { written: 'sink', key: 'sink', value: plugin },
    { written: 'ip', key: 'ip', value: endpoint.host },
    { written: 'port', key: 'port', value: String(endpoint.port) },
  ];
  const given = new Given(`pipe sink ${plugin}`, new Map(entries.slice(1).map((e) => [e.key, e])));
  return parseSink(plugin, given, sinkSharingKey(plugin, entries), { nowMs: 0, availableCompressors: [] });
}

function sinkSharingKey(plugin: PipeSinkPlugin, entries: readonly Entry[]): string {
  const pairs = entries.map((e) => [e.key, e.key === 'sink' ? plugin : e.key === 'password' ? passwordDigest(e.value) : e.value] as const);
  if (!pairs.some(([key]) => key === 'sink')) pairs.push(['sink', plugin]);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(',');
}

function passwordDigest(password: string): string {
  return 'sha256:' + createHash('sha256').update(password, 'utf8').digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Source

function parseSource(given: Given): PipeSourceConfig {
  const pattern = given.text('pattern', PATTERN_DEFAULT);
  const problem = patternProblem(pattern);
  if (problem !== null) throw given.error('pattern', problem.replace(/^pattern '.*?' /, ''));
  const start = optionalTime(given, 'start-time');
  const end = optionalTime(given, 'end-time');
  const historyStart = optionalTime(given, 'history.start-time');
  const historyEnd = optionalTime(given, 'history.end-time');
  checkOrder(given, 'start-time', start, 'end-time', end);
  checkOrder(given, 'history.start-time', historyStart, 'history.end-time', historyEnd);
  const overall = start !== null || end !== null;
  const historyEnabled = flag(given, 'history.enable', true);
  const realtimeEnabled = flag(given, 'realtime.enable', true);
  if (!historyEnabled && !realtimeEnabled) {
    throw new DbError('INVALID_SETTING', `${given.where}: 'history.enable' and 'realtime.enable' are both false, so the pipe would read nothing`);
  }
  return {
    plugin: 'iotdb-source',
    pattern: normalizePattern(pattern),
    historyStartMs: (overall ? start : historyStart) ?? -Infinity,
    historyEndMs: (overall ? end : historyEnd) ?? Infinity,
    realtimeStartMs: start ?? -Infinity,
    realtimeEndMs: end ?? Infinity,
    historyEnabled,
    realtimeEnabled,
  };
}

const TIME_FORMS =
  'epoch milliseconds (1706704494000) or an ISO 8601 time (2011-12-03T10:15:30, 2011-12-03T10:15:30+01:00, 2011-12-03T10:15:30.123Z, 2011.12.03T10:15:30+01:00; without an offset it is UTC)';

function optionalTime(given: Given, key: string): number | null {
  const entry = given.entry(key);
  if (entry === undefined) return null;
  const ms = parsePipeTimeMs(entry.value);
  if (ms === null) throw given.error(key, `is not a time: expected ${TIME_FORMS}`);
  return ms;
}

/** ms since the epoch of a pipe time (see TIME_FORMS), or null. Exported for the 1.1 sync tool. */
export function parsePipeTimeMs(text: string): number | null {
  const trimmed = text.trim();
  let ms: number;
  if (/^[+-]?\d+$/.test(trimmed)) ms = Number(trimmed);
  else ms = parseTimeMs(trimmed.replace(/^(\d{4})\.(\d{1,2})\.(\d{1,2})(?=$|[T ])/i, '$1-$2-$3'));
  return Number.isSafeInteger(ms) && Math.abs(ms) <= TIME_MS_ABS_MAX ? ms : null;
}

function checkOrder(given: Given, startKey: string, start: number | null, endKey: string, end: number | null): void {
  if (start === null || end === null || start <= end) return;
  const startEntry = given.entry(startKey)!;
  const endEntry = given.entry(endKey)!;
  throw new DbError(
    'INVALID_SETTING',
    `${given.where}: '${startEntry.written}' = '${startEntry.value}' is after '${endEntry.written}' = '${endEntry.value}'; the range would be empty`,
    { key: startEntry.written },
  );
}

// ---------------------------------------------------------------------------------------------
// Processor

function parseProcessor(plugin: PipeProcessorConfig['plugin'], given: Given): PipeProcessorConfig {
  switch (plugin) {
    case 'do-nothing-processor':
      return { plugin };
    case 'filter-processor': {
      const predicate = given.entry('filter');
      if (predicate === undefined) throw new DbError('INVALID_SETTING', `${given.where} needs 'filter' = '<SQL condition over measurements and time>'`);
      try {
        parseFilterPredicate(predicate.value);
      } catch (error) {
        if (!(error instanceof DbError)) throw error;
        throw new DbError('INVALID_SETTING', `${given.where}: '${predicate.written}': ${error.message.replace(/^invalid setting: /, '')}`, { key: predicate.written }, { cause: error });
      }
      return { plugin, predicate: predicate.value };
    }
    case 'down-sampling-processor': {
      const seconds = number(given, 'down-sampling.interval-seconds', DOWN_SAMPLING_INTERVAL_SECONDS_DEFAULT);
      const intervalMs = Math.round(seconds * 1000);
      if (!(seconds > 0) || intervalMs < 1 || intervalMs > TIME_MS_ABS_MAX) {
        throw given.error('down-sampling.interval-seconds', 'must be a positive number of seconds (at least 0.001)');
      }
      const fn = given.text('down-sampling.function', 'avg').trim().toLowerCase();
      if (!(DOWN_SAMPLING_FUNCTIONS as readonly string[]).includes(fn)) {
        throw given.error('down-sampling.function', `is not one of ${DOWN_SAMPLING_FUNCTIONS.join(', ')}`);
      }
      return { plugin, intervalMs, fn: fn as DownSamplingFunction };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sink

function parseSink(plugin: PipeSinkPlugin, given: Given, sharingKey: string, context: PipeConfigContext): PipeSinkConfig {
  const delaySeconds = given.has('batch.max-delay-seconds');
  const delayMs = given.has('batch.max-delay-ms');
  if (delaySeconds && delayMs) {
    throw new DbError('INVALID_SETTING', `${given.where}: give 'batch.max-delay-seconds' or 'batch.max-delay-ms', not both`);
  }
  const batchMaxDelayMs = delayMs ? integer(given, 'batch.max-delay-ms', 0) : Math.round(number(given, 'batch.max-delay-seconds', PIPE_BATCH_MAX_DELAY_MS_DEFAULT / 1000) * 1000);
  const delayKey = delayMs ? 'batch.max-delay-ms' : 'batch.max-delay-seconds';
  if (!(batchMaxDelayMs >= 0 && batchMaxDelayMs <= PIPE_BATCH_MAX_DELAY_MS_MAX)) {
    throw given.error(delayKey, `must be between 0 and ${PIPE_BATCH_MAX_DELAY_MS_MAX / 1000} seconds (PIPE_BATCH_MAX_DELAY_MS_MAX)`);
  }
  const batchSizeBytes = integer(given, 'batch.size-bytes', PIPE_BATCH_SIZE_BYTES_DEFAULT);
  if (batchSizeBytes < PIPE_BATCH_SIZE_BYTES_MIN || batchSizeBytes > PIPE_BATCH_SIZE_BYTES_MAX) {
    throw given.error('batch.size-bytes', `must be between ${PIPE_BATCH_SIZE_BYTES_MIN} (1 KiB) and ${PIPE_BATCH_SIZE_BYTES_MAX} (256 MiB) bytes`);
  }
  const rate = number(given, 'rate-limit-bytes-per-second', -1);
  if (rate !== -1 && !(rate > 0)) throw given.error('rate-limit-bytes-per-second', 'must be -1 (no limit) or a positive number of bytes per second');
  const user = given.text('user', PIPE_SINK_USER_DEFAULT);
  if (user.trim() === '') throw given.error('user', 'is empty; leave it out for the default user');
  const version = given.text('version', LEGACY_SINK_VERSION_DEFAULT);
  if (version.trim() === '') throw given.error('version', "is empty; leave it out for '1.1'");
  return {
    plugin,
    endpoints: plugin === 'do-nothing-sink' ? [] : endpoints(plugin, given),
    user,
    password: given.text('password', ''),
    batchEnabled: flag(given, 'batch.enable', true),
    batchMaxDelayMs,
    batchSizeBytes,
    compressor: compressor(given, context),
    rateLimitBytesPerSecond: rate,
    version,
    sharingKey,
  };
}

function endpoints(plugin: PipeSinkPlugin, given: Given): PipeEndpoint[] {
  const hasIp = given.has('ip');
  const hasPort = given.has('port');
  const hasUrls = given.has('node-urls');
  if (hasUrls && (hasIp || hasPort)) {
    throw new DbError('INVALID_SETTING', `${given.where}: give 'node-urls' or 'ip' and 'port', not both`);
  }
  if (hasUrls) return nodeUrls(given);
  if (!hasIp || !hasPort) {
    const missing = !hasIp && !hasPort ? (plugin === 'iotdb-legacy-pipe-sink' ? "'ip' and 'port'" : "'ip' and 'port', or 'node-urls'") : hasIp ? "'port'" : "'ip'";
    throw new DbError('INVALID_SETTING', `${given.where} needs ${missing} (the receiver's data service, e.g. 'ip'='127.0.0.1', 'port'='6667')`);
  }
  let host = given.text('ip', '').trim();
  if (/^\[[^\]]+\]$/.test(host)) host = host.slice(1, -1);
  if (host === '' || /[\s,[\]]/.test(host)) throw given.error('ip', 'is not a host name or address');
  return [{ host, port: port(given.text('port', ''), () => given.error('port', 'is not a port (an integer in 1..65535)')) }];
}

function nodeUrls(given: Given): PipeEndpoint[] {
  const text = given.text('node-urls', '');
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length > PIPE_SINK_NODE_URLS_MAX) throw given.error('node-urls', `lists ${parts.length} receivers, more than PIPE_SINK_NODE_URLS_MAX (${PIPE_SINK_NODE_URLS_MAX})`);
  return parts.map((part) => {
    const match = /^\[([^\]\s]+)\]:([^:]*)$/.exec(part) ?? /^([^:\s[\]]+):([^:]*)$/.exec(part);
    if (match === null) throw given.error('node-urls', `has '${part}', not host:port (IPv6 as [::1]:6667)`);
    return { host: match[1]!, port: port(match[2]!, () => given.error('node-urls', `has port '${match[2]}' in '${part}', not an integer in 1..65535`)) };
  });
}

function port(text: string, fail: () => DbError): number {
  const value = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!(value >= 1 && value <= 65535)) throw fail();
  return value;
}

function compressor(given: Given, context: PipeConfigContext): PipeSinkConfig['compressor'] {
  const text = given.text('compressor', '').trim().toLowerCase();
  if (text === '') return null;
  const available: string[] = context.availableCompressors.map((c) => c.toLowerCase()).filter((c) => c === 'gzip' || c === 'zstd');
  const list = available.length === 0 ? 'none' : available.join(', ');
  if (text.includes(',')) throw given.error('compressor', `chains compressors; this node applies one (available: ${list})`, 'NOT_SUPPORTED');
  if (available.includes(text)) return text as 'gzip' | 'zstd';
  if (IOTDB_COMPRESSORS.includes(text)) {
    throw new DbError('NOT_SUPPORTED', `${given.where}: compressor '${text}' is not available on this node; available: ${list}`, { key: given.entry('compressor')!.written });
  }
  throw given.error('compressor', `is not a compressor; available: ${list}`);
}
