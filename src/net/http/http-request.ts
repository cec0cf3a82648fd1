// What a ClickHouse-style HTTP request asks for: the URL's settings, the credentials, and the
// body, read as a stream up to a limit.
//
// URL parameters: `query`, `database`, `default_format`, `query_id`, `user`/`password`,
// `param_<name>` (query parameters for `{name:Type}`), and ClickHouse settings. Known settings
// are applied (`output_format_json_quote_64bit_integers`, `wait_end_of_query`); unknown ones are
// accepted and ignored, so clients that send their usual settings work unchanged.
// Credentials, first match wins: `X-ClickHouse-User`/`X-ClickHouse-Key` headers, HTTP basic
// auth, `user`/`password` parameters; none given means user `default` with an empty password.
import { Buffer } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { DbError } from '../../core/errors.ts';
import type { BodyPool } from './body-pool.ts';
import { HttpReplyError, dbErrorReply } from './http-errors.ts';

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

export interface RequestSettings {
  /** The `query` parameter, or null when absent. */
  readonly query: string | null;
  readonly database: string | null;
  readonly defaultFormat: string | null;
  readonly queryId: string | null;
  readonly params: Readonly<Record<string, string>>;
  readonly credentials: Credentials;
  readonly quote64BitIntegers: boolean;
  /** Buffer the whole result before answering (ClickHouse's wait_end_of_query); live queries still stream. */
  readonly waitEndOfQuery: boolean;
}

export function requestSettings(request: IncomingMessage, url: URL): RequestSettings {
  const search = url.searchParams;
  const params: Record<string, string> = {};
  for (const [key, value] of search) {
    if (key.startsWith('param_') && key.length > 'param_'.length) params[key.slice('param_'.length)] = value;
  }
  const decompress = search.get('decompress');
  if (decompress !== null && decompress !== '0') {
    throw dbErrorReply(new DbError('NOT_SUPPORTED', "ClickHouse's own compression (decompress=1); send Content-Encoding: gzip instead"));
  }
  return {
    query: search.get('query'),
    database: nonEmpty(search.get('database')),
    defaultFormat: nonEmpty(search.get('default_format')),
    queryId: nonEmpty(search.get('query_id')),
    params,
    credentials: credentialsOf(request, search),
    quote64BitIntegers: flag(search, 'output_format_json_quote_64bit_integers', true),
    waitEndOfQuery: flag(search, 'wait_end_of_query', false),
  };
}

function nonEmpty(value: string | null): string | null {
  return value === null || value === '' ? null : value;
}

function flag(search: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = search.get(name);
  if (value === null) return fallback;
  const lower = value.toLowerCase();
  if (lower === '1' || lower === 'true') return true;
  if (lower === '0' || lower === 'false') return false;
  throw dbErrorReply(new DbError('INVALID_SETTING', `${name} must be 0 or 1, got '${value}'`));
}

function credentialsOf(request: IncomingMessage, search: URLSearchParams): Credentials {
  const headerUser = single(request.headers['x-clickhouse-user']);
  if (headerUser !== undefined) return { user: headerUser, password: single(request.headers['x-clickhouse-key']) ?? '' };
  const authorization = request.headers.authorization;
  if (authorization !== undefined && /^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  const user = search.get('user');
  if (user !== null) return { user, password: search.get('password') ?? '' };
  return { user: 'default', password: '' };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const EMPTY_BODY = Buffer.alloc(0);

/** A body that arrived in one chunk this small is used as it is (no pooled buffer). */
const SMALL_BODY_BYTES_MAX = 16 * 1024;

/**
 * The body as bytes, decompressed per Content-Encoding (gzip, deflate), at most `bytesMax`, in a
 * buffer from `pool` (give it back with pool.release once the request is done).
 * An oversized body is drained (up to `discardBytesMax` more) so the client can read the 413
 * answer; past that the error says to close the connection.
 */
export async function readBody(request: IncomingMessage, bytesMax: number, discardBytesMax: number, pool: BodyPool): Promise<Buffer> {
  const encoding = (request.headers['content-encoding'] ?? 'identity').toLowerCase();
  let decoder: Transform | null = null;
  if (encoding === 'gzip' || encoding === 'x-gzip') decoder = createGunzip();
  else if (encoding === 'deflate') decoder = createInflate();
  else if (encoding !== 'identity') {
    request.resume();
    throw dbErrorReply(new DbError('NOT_SUPPORTED', `Content-Encoding '${encoding}' (supported: gzip, deflate)`));
  }
  if (decoder === null && request.headers['content-length'] === '0') {
    // No body (a query in the URL): nothing to wait for.
    request.resume();
    return EMPTY_BODY;
  }
  const source: Readable = decoder === null ? request : request.pipe(decoder);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let tooLarge = false;
    const fail = (error: unknown) => {
      cleanup();
      request.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (!tooLarge && bytes <= bytesMax) {
        chunks.push(chunk);
        return;
      }
      tooLarge = true;
      chunks.length = 0;
      if (bytes > bytesMax + discardBytesMax) fail(bodyTooLarge(bytesMax, true));
    };
    const onEnd = () => {
      cleanup();
      if (tooLarge) reject(bodyTooLarge(bytesMax, false));
      else if (bytes === 0) resolve(EMPTY_BODY);
      else if (chunks.length === 1 && bytes <= SMALL_BODY_BYTES_MAX) resolve(chunks[0]);
      else {
        const body = pool.acquire(bytes);
        let at = 0;
        for (const chunk of chunks) {
          body.set(chunk, at);
          at += chunk.length;
        }
        resolve(body);
      }
    };
    const onError = (error: Error) => {
      const reason = source === request ? error.message : `cannot decompress the body (${encoding}): ${error.message}`;
      fail(dbErrorReply(new DbError('INVALID_VALUE', reason)));
    };
    const cleanup = () => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      if (decoder !== null) request.unpipe(decoder);
    };
    source.on('data', onData);
    source.on('end', onEnd);
    source.on('error', onError);
  });
}

/** 413 with LIMIT_EXCEEDED; `closeConnection` when the rest of the body was not read. */
export class BodyTooLargeError extends HttpReplyError {
  readonly closeConnection: boolean;

  constructor(bytesMax: number, closeConnection: boolean) {
    const error = new DbError('LIMIT_EXCEEDED', `request body is more than HTTP_BODY_BYTES_MAX (${bytesMax}) bytes; split the insert into several requests`);
    super({ status: 413, wireCode: error.wireCode, name: error.code, message: error.message });
    this.closeConnection = closeConnection;
  }
}

function bodyTooLarge(bytesMax: number, closeConnection: boolean): BodyTooLargeError {
  return new BodyTooLargeError(bytesMax, closeConnection);
}
