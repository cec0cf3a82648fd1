// The settings of a Timeplus/Tributary external stream: parsing and validation of
// `CREATE EXTERNAL STREAM … SETTINGS type='timeplus', hosts=…, …` and of its `config_file`.
//
// Rules (the seed's, plus what a production node needs):
// - `type` is 'timeplus' or 'tributary'; `hosts` and `stream` are required; `db` defaults to
//   'default', `user` to 'default', `password` to '', `secure` to false.
// - `hosts` is one or more `host[:port]`, comma-separated, each a shard. Without a port: 8463, or
//   9440 when `secure`. IPv6 hosts are written in brackets: `[::1]:8463`.
// - `config_file` names a file with the same keys (`key=value` or `key: value` lines, `#`
//   comments) so secrets stay out of SQL; it is read when the stream is created and again whenever
//   a connection is opened, so a rotated password is picked up without recreating the stream. A key
//   given both in SQL and in the file is an error (which one wins would be a guess).
// - `sharding_expr` (writes: which shard a row goes to) is an expression over the stream's columns;
//   without it writes go to shards round-robin per batch.
// - `ca_file` (PEM) verifies a TLS server's certificate; `skip_ssl_cert_check=true` is the explicit
//   opt-out. Unknown keys are errors, so a typo never silently falls back to a default.
import { readFileSync } from 'node:fs';
import { DbError } from '../../core/errors.ts';
import type { PlainSetting } from '../settings-values.ts';

export const EXTERNAL_STREAM_TYPES = ['timeplus', 'tributary'] as const;
export const REMOTE_PORT_DEFAULT = 8463;
export const REMOTE_TLS_PORT_DEFAULT = 9440;
/** Most shards one external stream may name. */
export const EXTERNAL_STREAM_SHARDS_MAX = 64;
/** Largest config_file read. */
export const CONFIG_FILE_BYTES_MAX = 64 * 1024;

export interface RemoteShard {
  readonly host: string;
  readonly port: number;
}

export interface ExternalStreamConfig {
  readonly type: (typeof EXTERNAL_STREAM_TYPES)[number];
  readonly hosts: readonly RemoteShard[];
  readonly db: string;
  readonly user: string;
  readonly password: string;
  readonly secure: boolean;
  readonly stream: string;
  readonly shardingExpr: string | null;
  readonly caFile: string | null;
  readonly skipSslCertCheck: boolean;
  readonly configFile: string | null;
}

const KNOWN_KEYS = ['type', 'hosts', 'db', 'user', 'password', 'secure', 'stream', 'config_file', 'sharding_expr', 'ca_file', 'skip_ssl_cert_check'] as const;
type Key = (typeof KNOWN_KEYS)[number];

/** Validates the SETTINGS of CREATE EXTERNAL STREAM (and the config file they name). */
export function parseExternalStreamSettings(settings: ReadonlyMap<string, PlainSetting>, streamName: string): ExternalStreamConfig {
  const given = new Map<Key, PlainSetting>();
  for (const [key, value] of settings) {
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      throw new DbError('INVALID_SETTING', `external stream ${streamName}: unknown setting '${key}'; known: ${KNOWN_KEYS.join(', ')}`);
    }
    given.set(key as Key, value);
  }
  const configFile = given.get('config_file');
  if (configFile !== undefined) {
    if (typeof configFile !== 'string' || configFile === '') throw new DbError('INVALID_SETTING', `external stream ${streamName}: config_file must be a file path`);
    for (const [key, value] of readConfigFile(configFile, streamName)) {
      if (given.has(key)) throw new DbError('INVALID_SETTING', `external stream ${streamName}: '${key}' is set both in SQL and in config_file ${configFile}; set it in one place`);
      given.set(key, value);
    }
  }
  const where = `external stream ${streamName}`;
  const type = text(given, 'type', where, null);
  if (type === null) throw new DbError('INVALID_SETTING', `${where}: type is required (type='timeplus')`);
  if (!(EXTERNAL_STREAM_TYPES as readonly string[]).includes(type.toLowerCase())) {
    throw new DbError('NOT_SUPPORTED', `${where}: external stream type '${type}'; this node supports ${EXTERNAL_STREAM_TYPES.map((t) => `'${t}'`).join(' and ')}`);
  }
  const secure = flag(given, 'secure', where, false);
  const hostsText = text(given, 'hosts', where, null);
  if (hostsText === null || hostsText.trim() === '') throw new DbError('INVALID_SETTING', `${where}: hosts is required, e.g. hosts='cloud1' or hosts='h1:8463,h2:8463'`);
  const stream = text(given, 'stream', where, null);
  if (stream === null || stream === '') throw new DbError('INVALID_SETTING', `${where}: stream is required (the stream's name on the remote)`);
  return {
    type: type.toLowerCase() as ExternalStreamConfig['type'],
    hosts: parseHosts(hostsText, secure, where),
    db: text(given, 'db', where, 'default') as string,
    user: text(given, 'user', where, 'default') as string,
    password: text(given, 'password', where, '') as string,
    secure,
    stream,
    shardingExpr: text(given, 'sharding_expr', where, null),
    caFile: text(given, 'ca_file', where, null),
    skipSslCertCheck: flag(given, 'skip_ssl_cert_check', where, false),
    configFile: typeof configFile === 'string' ? configFile : null,
  };
}

/** Re-reads the config file of a stored config (a rotated password applies to the next connection). */
export function refreshExternalStreamConfig(config: ExternalStreamConfig, streamName: string): ExternalStreamConfig {
  if (config.configFile === null) return config;
  const fromFile = readConfigFile(config.configFile, streamName);
  const password = fromFile.get('password');
  const user = fromFile.get('user');
  return {
    ...config,
    password: typeof password === 'string' ? password : config.password,
    user: typeof user === 'string' ? user : config.user,
  };
}

export function parseHosts(hosts: string, secure: boolean, where: string): RemoteShard[] {
  const parts = hosts.split(',').map((h) => h.trim());
  if (parts.length > EXTERNAL_STREAM_SHARDS_MAX) {
    throw new DbError('LIMIT_EXCEEDED', `${where}: ${parts.length} hosts, more than EXTERNAL_STREAM_SHARDS_MAX (${EXTERNAL_STREAM_SHARDS_MAX})`);
  }
  return parts.map((part, i) => {
    if (part === '') throw new DbError('INVALID_SETTING', `${where}: hosts entry ${i + 1} is empty in '${hosts}'`);
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(part);
    const plain = /^([^:\s]+)(?::(\d+))?$/.exec(part);
    const match = bracket ?? plain;
    if (match === null) throw new DbError('INVALID_SETTING', `${where}: hosts entry '${part}' is not host[:port]`);
    const port = match[2] === undefined ? (secure ? REMOTE_TLS_PORT_DEFAULT : REMOTE_PORT_DEFAULT) : Number(match[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DbError('INVALID_SETTING', `${where}: port ${match[2]} in '${part}' is not in 1..65535`);
    return { host: match[1], port };
  });
}

export function formatShard(shard: RemoteShard): string {
  return shard.host.includes(':') ? `[${shard.host}]:${shard.port}` : `${shard.host}:${shard.port}`;
}

function readConfigFile(path: string, streamName: string): Map<Key, PlainSetting> {
  let body: string;
  try {
    body = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DbError('INVALID_SETTING', `external stream ${streamName}: cannot read config_file ${path}: ${(error as Error).message}`);
  }
  if (body.length > CONFIG_FILE_BYTES_MAX) throw new DbError('LIMIT_EXCEEDED', `config_file ${path} is larger than CONFIG_FILE_BYTES_MAX (${CONFIG_FILE_BYTES_MAX} bytes)`);
  const out = new Map<Key, PlainSetting>();
  body.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_.]*)\s*[=:]\s*(.*)$/.exec(line);
    if (match === null) throw new DbError('INVALID_SETTING', `config_file ${path} line ${i + 1}: expected key=value`);
    const key = match[1].toLowerCase();
    if (!(KNOWN_KEYS as readonly string[]).includes(key) || key === 'config_file') {
      throw new DbError('INVALID_SETTING', `config_file ${path} line ${i + 1}: unknown key '${match[1]}'`);
    }
    let value: PlainSetting = match[2].trim();
    const quoted = /^'(.*)'$|^"(.*)"$/.exec(value);
    if (quoted !== null) value = quoted[1] ?? quoted[2];
    else if (value === 'true' || value === 'false') value = value === 'true';
    if (out.has(key as Key)) throw new DbError('INVALID_SETTING', `config_file ${path} line ${i + 1}: '${key}' is set twice`);
    out.set(key as Key, value);
  });
  return out;
}

function text(given: ReadonlyMap<Key, PlainSetting>, key: Key, where: string, fallback: string | null): string | null {
  const value = given.get(key);
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw new DbError('INVALID_SETTING', `${where}: ${key} must be a string, got ${String(value)}`);
  return value;
}

function flag(given: ReadonlyMap<Key, PlainSetting>, key: Key, where: string, fallback: boolean): boolean {
  const value = given.get(key);
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === 'string' && /^(true|false|1|0)$/i.test(value)) return /^(true|1)$/i.test(value);
  throw new DbError('INVALID_SETTING', `${where}: ${key} must be true or false, got ${String(value)}`);
}
