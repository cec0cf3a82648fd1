// Errors on the HTTP API, in the shape ClickHouse clients read: a non-2xx status, the header
// `X-ClickHouse-Exception-Code: <wire code>`, and one line of body text
//   Code: <wire code>. DB::Exception: <message>. (<CODE_NAME>) (version <v>)
// which @clickhouse/client parses into ClickHouseError { code, type, message }.
//
// Status by error: user errors 400, objects not found 404, retryable external errors 503, other
// external and internal errors 500, authentication 401, access denied 403; the HTTP layer adds 413 (body too large)
// and 405 (method). Wire codes and names come from the registry in core/errors.ts.
import { DbError, ERRORS, isDbError } from '../../core/errors.ts';

export const SERVER_VERSION = '0.1.0';

export interface ErrorReply {
  readonly status: number;
  readonly wireCode: number;
  /** The registry name (`STREAM_NOT_FOUND`), shown in parentheses where ClickHouse shows its type. */
  readonly name: string;
  readonly message: string;
  /** Whether this is a bug (logged with its stack) rather than a bad request. */
  readonly internal: boolean;
}

/** An error the HTTP layer itself raises with a chosen status (auth, body size, method). */
export class HttpReplyError extends Error {
  readonly reply: ErrorReply;

  constructor(reply: Omit<ErrorReply, 'internal'>) {
    super(reply.message);
    this.name = 'HttpReplyError';
    this.reply = { ...reply, internal: false };
  }
}

export function dbErrorReply(error: DbError, status = statusOf(error)): HttpReplyError {
  return new HttpReplyError({ status, wireCode: error.wireCode, name: error.code, message: error.message });
}

export function errorReply(error: unknown): ErrorReply {
  if (error instanceof HttpReplyError) return error.reply;
  if (isDbError(error)) {
    return { status: statusOf(error), wireCode: error.wireCode, name: error.code, message: error.message, internal: error.domain === 'internal' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, wireCode: ERRORS.INTERNAL.wire, name: 'INTERNAL', message: `${ERRORS.INTERNAL.text}: ${message}`, internal: true };
}

function statusOf(error: DbError): number {
  if (error.code === 'AUTH_FAILED') return 401;
  if (error.code === 'ACCESS_DENIED') return 403;
  if (error.code.endsWith('_NOT_FOUND')) return 404;
  if (error.domain === 'user') return 400;
  if (error.retry === 'backoff') return 503;
  return 500;
}

/** The body text of an error: one line, ClickHouse's layout. */
export function errorText(reply: ErrorReply): string {
  const message = reply.message.replace(/\s*[\r\n]+\s*/g, ' ');
  return `Code: ${reply.wireCode}. DB::Exception: ${message}. (${reply.name}) (version ${SERVER_VERSION})\n`;
}

/**
 * An error after the status line went out (a live query failing mid-stream), in ClickHouse's
 * 25.11 in-band layout, which @clickhouse/client detects by the `X-ClickHouse-Exception-Tag`
 * header: `\r\n__exception__\r\n<tag>\r\n<text>\n<bytes of text + 1> <tag>\r\n__exception__\r\n`.
 */
export function inBandErrorText(reply: ErrorReply, tag: string): string {
  const text = errorText(reply).trimEnd();
  return `\r\n__exception__\r\n${tag}\r\n${text}\n${Buffer.byteLength(text) + 1} ${tag}\r\n__exception__\r\n`;
}
