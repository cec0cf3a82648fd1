// The server's log: pino JSON lines on stderr (stdout stays free for command output). Fields are
// snake_case; every line has level, time (ISO 8601) and msg. Passwords never reach the log: no
// code logs credentials, and the redaction below is the second line of defence for any field
// named like a secret, at any depth up to two levels.
import pino, { type Logger } from 'pino';

export type { Logger };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const SECRET_FIELDS = ['password', 'key', 'tls_key', 'authorization', 'secret', 'token'];

export function createLogger(level: LogLevel, destination: pino.DestinationStream = pino.destination({ fd: 2, sync: true })): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`), ...SECRET_FIELDS.map((f) => `*.*.${f}`)], censor: '******' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
