// The IoTDB 1.1 sync tool's statements on the pipe runtime: `CREATE PIPESINK s AS IoTDB (ip=…,
// port=…)` names a receiver, and `CREATE PIPE p TO s [FROM (select ** from root where time >= …)]
// [WITH SyncDelOp=false]` becomes the same PipeConfig as a 1.3 pipe with source pattern 'root', the
// start time as the lower bound of both history and realtime rows, no processing, and
// iotdb-thrift-sync-sink to the PIPESINK's address (the 1.1 tool delivered in write order).
//
// What the 1.1 tool allows, and so what is accepted here (anything else is an error saying so):
// - PIPESINK type IoTDB (any case; SHOW PIPESINKTYPE lists only it); attributes ip (default
//   127.0.0.1) and port (default 6667), keys in any case, values strings or numbers.
// - FROM: `select ** from root`, optionally `where time >= <start>` (or `timestamp`, or `>`, which
//   starts one millisecond later). The start is epoch milliseconds or time text such as
//   '2022-03-30 00:00:00', read in UTC: the seed's example equates it with 1648569600000, which is
//   that text in its server's UTC+8 zone; Tributary has no server zone and reads all time text as UTC.
// - WITH: SyncDelOp=false only. Deletions are not synced (Tributary streams are append-only), so
//   SyncDelOp=true is NOT_SUPPORTED.
// The receiver is logged into as Tributary's `default` user (the 1.1 protocol had no login).
import { DbError } from '../../core/errors.ts';
import type { CreateLegacyPipeStatement, CreatePipeSinkStatement, Expr, Select } from '../../sql/index.ts';
import { IOTDB_ROOT } from '../../engine/iotdb/paths.ts';
import { type PipeConfigContext, endpointSinkConfig, formatParameters, parsePipeTimeMs } from './pipe-config.ts';
import { settingText } from './pipe-config-sections.ts';
import type { PipeConfig } from './pipe-types.ts';

export const PIPESINK_TYPES: readonly string[] = ['IoTDB'];
export const PIPESINK_IP_DEFAULT = '127.0.0.1';
export const PIPESINK_PORT_DEFAULT = 6667;

const FROM_RULE =
  'the SELECT statement only supports **, the FROM statement only supports root, and the WHERE statement only supports the start time ' +
  "(select ** from root where time >= 'yyyy-mm-dd HH:MM:SS' or an epoch-millisecond timestamp)";

/** The receiver address of `CREATE PIPESINK name AS IoTDB [(ip=…, port=…)]`. */
export function parsePipeSinkAttributes(statement: CreatePipeSinkStatement): { ip: string; port: number } {
  const where = `PIPESINK ${statement.name}`;
  if (!PIPESINK_TYPES.some((type) => type.toLowerCase() === statement.sinkType.toLowerCase())) {
    throw new DbError('NOT_SUPPORTED', `${where}: type '${statement.sinkType}' is not supported; SHOW PIPESINKTYPE lists: ${PIPESINK_TYPES.join(', ')}`);
  }
  let ip: string | null = null;
  let port: number | null = null;
  for (const attribute of statement.attributes) {
    const key = attribute.name.toLowerCase();
    const text = settingText(attribute.value);
    if ((key === 'ip' && ip !== null) || (key === 'port' && port !== null)) {
      throw new DbError('INVALID_SETTING', `${where}: attribute '${attribute.name}' is given twice`, { key: attribute.name });
    }
    if (key === 'ip') {
      ip = text?.trim() ?? '';
      if (ip === '' || /[\s,]/.test(ip)) throw new DbError('INVALID_SETTING', `${where}: ip '${text ?? 'NULL'}' is not a host name or address`, { key: attribute.name });
    } else if (key === 'port') {
      port = /^\d{1,5}$/.test(text?.trim() ?? '') ? Number(text) : NaN;
      if (!(port >= 1 && port <= 65535)) throw new DbError('INVALID_SETTING', `${where}: port '${text ?? 'NULL'}' is not an integer in 1..65535`, { key: attribute.name });
    } else {
      throw new DbError('INVALID_SETTING', `${where}: unknown attribute '${attribute.name}'; attributes: ip (default ${PIPESINK_IP_DEFAULT}), port (default ${PIPESINK_PORT_DEFAULT})`, {
        key: attribute.name,
      });
    }
  }
  return { ip: ip ?? PIPESINK_IP_DEFAULT, port: port ?? PIPESINK_PORT_DEFAULT };
}

/** The PipeConfig of `CREATE PIPE p TO sink [FROM (…)] [WITH …]`, `sink` being the PIPESINK's address. */
export function legacyPipeConfig(statement: CreateLegacyPipeStatement, sink: { readonly ip: string; readonly port: number }, context: PipeConfigContext): PipeConfig {
  void context; // Same signature as parsePipeConfig; nothing here depends on the node.
  const where = `pipe ${statement.name}`;
  checkLegacySettings(statement, where);
  const startMs = statement.from === null ? null : startTimeOf(statement.from, where);
  const sinkConfig = endpointSinkConfig('iotdb-thrift-sync-sink', { host: sink.ip, port: sink.port });
  const sourcePairs: [string, string][] = [['source', 'iotdb-source']];
  if (startMs !== null) sourcePairs.push(['start-time', String(startMs)]);
  return {
    source: {
      plugin: 'iotdb-source',
      pattern: IOTDB_ROOT,
      historyStartMs: startMs ?? -Infinity,
      historyEndMs: Infinity,
      realtimeStartMs: startMs ?? -Infinity,
      realtimeEndMs: Infinity,
      historyEnabled: true,
      realtimeEnabled: true,
    },
    processor: { plugin: 'do-nothing-processor' },
    sink: sinkConfig,
    sourceText: formatParameters(sourcePairs),
    processorText: formatParameters([['processor', 'do-nothing-processor']]),
    sinkText: formatParameters([
      ['sink', sinkConfig.plugin],
      ['ip', sink.ip],
      ['port', String(sink.port)],
    ]),
  };
}

/** SHOW PIPES' `attributes` of a 1.1 pipe: `SyncDelOp=false,DataStartTimestamp=<ms>` (0 without a start). */
export function legacyAttributes(config: PipeConfig): string {
  const start = config.source.historyStartMs;
  return `SyncDelOp=false,DataStartTimestamp=${Number.isFinite(start) ? start : 0}`;
}

function checkLegacySettings(statement: CreateLegacyPipeStatement, where: string): void {
  const seen = new Set<string>();
  for (const setting of statement.settings) {
    const key = setting.name.toLowerCase();
    if (key !== 'syncdelop') {
      throw new DbError('INVALID_SETTING', `${where}: unknown setting '${setting.name}'; the 1.1 sync tool takes only SyncDelOp=false`, { key: setting.name });
    }
    if (seen.has(key)) throw new DbError('INVALID_SETTING', `${where}: '${setting.name}' is given twice`, { key: setting.name });
    seen.add(key);
    const text = settingText(setting.value)?.trim().toLowerCase();
    if (text === 'true') {
      throw new DbError('NOT_SUPPORTED', `${where}: SyncDelOp=true: deletions are not synced (streams are append-only); use SyncDelOp=false or leave it out`, {
        key: setting.name,
      });
    }
    if (text !== 'false') throw new DbError('INVALID_SETTING', `${where}: SyncDelOp must be false, not ${text ?? 'NULL'}`, { key: setting.name });
  }
}

/** The start time of `select ** from root [where time >= t]`, or null without a WHERE. */
function startTimeOf(select: Select, where: string): number | null {
  const fail = (what: string): never => {
    throw new DbError('NOT_SUPPORTED', `${where}: ${what} in FROM (…): ${FROM_RULE}`);
  };
  const item = select.items.length === 1 ? select.items[0]! : null;
  if (item === null || item.expr.kind !== 'Star' || !item.expr.deep || item.expr.qualifier.length > 0 || item.alias !== null) fail('the select list');
  const from = select.from;
  if (from === null || from.kind !== 'TableRef' || from.alias !== null || from.name.parts.length !== 1 || from.name.parts[0]!.toLowerCase() !== IOTDB_ROOT) {
    fail('the FROM path');
  }
  if (select.with.length > 0 || select.distinct) fail(select.distinct ? 'DISTINCT' : 'WITH');
  if (select.groupBy.length > 0 || select.having !== null) fail('GROUP BY / HAVING');
  if (select.emit !== null || select.orderBy.length > 0 || select.limit !== null) fail('EMIT / ORDER BY / LIMIT');
  if (select.settings.length > 0 || select.format !== null) fail('SETTINGS / FORMAT');
  if (select.where === null) return null;
  const condition = select.where;
  if (condition.kind !== 'Binary' || (condition.op !== '>=' && condition.op !== '>') || !isTimeRef(condition.left)) return fail('the WHERE condition');
  const ms = timeLiteralMs(condition.right);
  if (ms === null) return fail('the start time');
  return condition.op === '>' ? ms + 1 : ms;
}

function isTimeRef(expr: Expr): boolean {
  if (expr.kind !== 'ColumnRef' || expr.parts.length !== 1) return false;
  const name = expr.parts[0]!.toLowerCase();
  return name === 'time' || name === 'timestamp';
}

/** A start time literal: epoch ms (possibly negative) or time text (UTC unless it has an offset). */
function timeLiteralMs(expr: Expr): number | null {
  if (expr.kind === 'IntegerLiteral') return parsePipeTimeMs(expr.text);
  if (expr.kind === 'Unary' && expr.op === '-' && expr.operand.kind === 'IntegerLiteral') return parsePipeTimeMs(`-${expr.operand.text}`);
  if (expr.kind === 'StringLiteral') return parsePipeTimeMs(expr.value);
  return null;
}

