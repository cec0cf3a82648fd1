// The server's configuration: a YAML file (`--config F`) whose keys are listed in
// SERVER_CONFIG_SCHEMA below — the schema is the only description of them — with command-line
// flags overriding the file's values. Unknown keys, wrong types and bad values are errors that
// name the key and where it came from (the file or the flag); the CLI exits 2 on them.
//
// Relative paths in the file (data_dir, tls_cert, tls_key, users_file) are relative to the file's
// directory; relative paths in flags are relative to the working directory.
//
// IoTDB's own names are accepted for the settings Tributary shares with it (ip_white_list,
// enable_auto_create_schema, the pipe_* keys and max_number_of_sync_file_retry), so lines pasted from
// iotdb-common.properties work once written as YAML (`key: value`); a comma-separated
// ip_white_list string is read as IoTDB reads it. Any other IoTDB key is an unknown key, as any key is.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PIPE_SETTINGS_DEFAULT, type PipeSettings } from '../sync/pipes/pipe-settings.ts';

const port = z.preprocess(
  (value) => (typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value),
  z.number({ error: 'expected a port number 0..65535' }).int('expected a port number 0..65535').min(0, 'a port is 0..65535 (0 picks a free one)').max(65535, 'a port is 0..65535 (0 picks a free one)'),
);

/** An integer in [min, max]; a string of digits (a flag, a quoted YAML value) is read as one. */
function integer(min: number, max: number) {
  const message = `expected an integer ${min}..${max}`;
  return z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value),
    z.number({ error: message }).int(message).min(min, message).max(max, message),
  );
}

const cidr = z.string().refine((text) => {
  const [address, bits, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}, 'expected an IP address or CIDR block like 10.0.0.0/8');

export const SERVER_CONFIG_SCHEMA = z
  .object({
    /** The data directory this node owns (created if missing). Required. */
    data_dir: z.string().min(1, 'must not be empty'),
    /** Native protocol port. */
    tcp_port: port.default(8463),
    /** ClickHouse-compatible HTTP port. */
    http_port: port.default(3218),
    /** Native protocol over TLS; listened on only when tls_cert and tls_key are set. */
    tls_port: port.default(9440),
    tls_cert: z.string().min(1).optional(),
    tls_key: z.string().min(1).optional(),
    /** Address every listener binds to. Loopback by default: exposing a node is a decision. */
    listen: z.string().refine((text) => isIP(text) !== 0 || text === 'localhost', 'expected an IP address or localhost').default('127.0.0.1'),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Default fsync policy of new streams (a stream's own SETTINGS fsync wins; see storage/log/log-settings.ts). */
    fsync: z.enum(['always', 'interval', 'never']).default('always'),
    /** YAML file of users: `users: { name: { password | password_sha256_hex } }`. Absent: only `default` with no password. */
    users_file: z.string().min(1).optional(),
    /** Remote nodes (external streams, views): how long a request may wait for its answer. */
    remote_timeout_ms: z.number().int().min(100).max(3_600_000).default(15_000),
    /** A live remote query with no data for this long gets its link pinged (a hung link is found). */
    remote_idle_ping_ms: z.number().int().min(100).max(3_600_000).default(10_000),
    /**
     * Addresses pipe senders may connect from (CIDR blocks or addresses); an empty list refuses every
     * sender. A YAML list, or IoTDB's comma-separated string (`192.168.0.1/32,10.0.0.0/8`).
     */
    ip_white_list: z
      .preprocess(
        (value) =>
          typeof value === 'string'
            ? value
                .split(',')
                .map((entry) => entry.trim())
                .filter((entry) => entry !== '')
            : value,
        z.array(cidr),
      )
      .default(['127.0.0.1/32']),
    /** IoTDB inserts create the databases, devices and measurements they need (IoTDB's setting of the same name). */
    enable_auto_create_schema: z.boolean().default(true),
    /** The state of a new pipe: RUNNING (IoTDB 1.3.1+) or STOPPED (1.3.0). */
    pipe_initial_state: z.preprocess((value) => (typeof value === 'string' ? value.trim().toUpperCase() : value), z.enum(['RUNNING', 'STOPPED'])).default(PIPE_SETTINGS_DEFAULT.initialState),
    /** Source streams one pipe delivers concurrently; the effective value is min(this, max(1, cores / 2)). */
    pipe_subtask_executor_max_thread_num: integer(1, 1_024).default(PIPE_SETTINGS_DEFAULT.subtaskExecutorMaxThreadNum),
    /** How long one transfer waits for the receiver's answer. Default 900000 (see pipeSettingsOf). */
    pipe_sink_timeout_ms: integer(1, 2_147_483_647).optional(),
    /** IoTDB 1.3.0's name of pipe_sink_timeout_ms; setting both is an error. */
    pipe_connector_timeout_ms: integer(1, 2_147_483_647).optional(),
    /** Connections one sink instance opens per receiver. */
    pipe_sink_max_client_number: integer(1, 1_024).default(PIPE_SETTINGS_DEFAULT.sinkMaxClientNumber),
    /** IoTDB 1.1 sync tool: transient failures in a row before a pipe's message turns from WARN to ERROR. */
    max_number_of_sync_file_retry: integer(0, 2_147_483_647).default(PIPE_SETTINGS_DEFAULT.maxNumberOfSyncFileRetry),
    /** A cap on the bytes per second all sinks of the node send together; -1: no cap. */
    pipe_all_sinks_rate_limit_bytes_per_second: integer(-1, Number.MAX_SAFE_INTEGER).default(PIPE_SETTINGS_DEFAULT.allSinksRateLimitBytesPerSecond),
  })
  .strict()
  .refine((c) => (c.tls_cert === undefined) === (c.tls_key === undefined), { message: 'tls_cert and tls_key go together', path: ['tls_key'] })
  .refine((c) => c.pipe_sink_timeout_ms === undefined || c.pipe_connector_timeout_ms === undefined, {
    message: 'pipe_sink_timeout_ms and its 1.3.0 name pipe_connector_timeout_ms are the same setting: set one',
    path: ['pipe_connector_timeout_ms'],
  });

export type ServerConfig = z.infer<typeof SERVER_CONFIG_SCHEMA>;

/** The node's pipe settings from the config (the composed node's `pipes` option). */
export function pipeSettingsOf(config: ServerConfig): PipeSettings {
  return {
    initialState: config.pipe_initial_state,
    subtaskExecutorMaxThreadNum: config.pipe_subtask_executor_max_thread_num,
    sinkTimeoutMs: config.pipe_sink_timeout_ms ?? config.pipe_connector_timeout_ms ?? PIPE_SETTINGS_DEFAULT.sinkTimeoutMs,
    sinkMaxClientNumber: config.pipe_sink_max_client_number,
    maxNumberOfSyncFileRetry: config.max_number_of_sync_file_retry,
    allSinksRateLimitBytesPerSecond: config.pipe_all_sinks_rate_limit_bytes_per_second,
  };
}

/** Values given on the command line, keyed like the file; undefined means not given. */
export type ConfigFlags = Partial<Record<keyof ServerConfig, string | number | undefined>>;

/** A configuration that cannot be used; the message names the key and its source. */
export class ConfigError extends Error {
  readonly exitCode = 2;

  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const PATH_KEYS = ['data_dir', 'tls_cert', 'tls_key', 'users_file'] as const;

export function loadServerConfig(options: { readonly file?: string; readonly flags?: ConfigFlags }): ServerConfig {
  const fromFile = options.file === undefined ? {} : readConfigFile(options.file);
  const flags = Object.fromEntries(Object.entries(options.flags ?? {}).filter(([, v]) => v !== undefined));
  const merged: Record<string, unknown> = { ...fromFile, ...flags };
  const parsed = SERVER_CONFIG_SCHEMA.safeParse(merged);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [String(issue.path[0] ?? '')];
    return keys.map((key) => `${sourceOf(key, flags, options.file)}: ${key}: ${issueText(issue, key, merged)}`).join('\n');
  });
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`config file ${file} must be a mapping of keys to values`);
  const record = { ...(value as Record<string, unknown>) };
  for (const key of PATH_KEYS) {
    const path = record[key];
    if (typeof path === 'string' && path !== '') record[key] = resolve(dirname(file), path);
  }
  return record;
}

function sourceOf(key: string, flags: Record<string, unknown>, file: string | undefined): string {
  if (key in flags) return `flag --${key.replaceAll('_', '-')}`;
  return file === undefined ? 'configuration' : `config file ${file}`;
}

function issueText(issue: z.core.$ZodIssue, key: string, given: Record<string, unknown>): string {
  if (issue.code === 'unrecognized_keys') return `unknown key (known: ${Object.keys(SERVER_CONFIG_SCHEMA.shape).join(', ')})`;
  if (issue.code === 'invalid_type' && given[key] === undefined) {
    return key === 'data_dir' ? 'required (set --data-dir or data_dir in the config file)' : 'required';
  }
  return issue.message;
}
