// The error registry: every error Tributary raises has a stable code listed here, with its domain
// (whose fault), a retry hint (what a sync task should do) and a numeric wire code (what clients
// match on; they never parse prose). Codes are never renumbered or reused: add new ones at the end
// of their block.
//
// Domains: `user` (bad input: SQL, rows, settings, names), `external` (a peer, the disk, the network),
// `internal` (a bug: an assertion that held in tests did not hold here).
// Retry: `no` (the same request fails the same way), `backoff` (try again later; it may succeed).

export type ErrorDomain = 'user' | 'external' | 'internal';
export type RetryHint = 'no' | 'backoff';

interface ErrorSpec {
  readonly wire: number;
  readonly domain: ErrorDomain;
  readonly retry: RetryHint;
  readonly text: string;
}

function spec(wire: number, domain: ErrorDomain, retry: RetryHint, text: string): ErrorSpec {
  return { wire, domain, retry, text };
}

export const ERRORS = {
  // 1xx: input that fails validation before anything changes.
  LIMIT_EXCEEDED: spec(100, 'user', 'no', 'limit exceeded'),
  INVALID_NAME: spec(101, 'user', 'no', 'invalid name'),
  INVALID_TYPE: spec(102, 'user', 'no', 'invalid or unsupported data type'),
  INVALID_VALUE: spec(103, 'user', 'no', 'invalid value'),
  INVALID_SETTING: spec(104, 'user', 'no', 'invalid setting'),
  SCHEMA_MISMATCH: spec(105, 'user', 'no', 'schema mismatch'),
  INVALID_ARGUMENT: spec(106, 'user', 'no', 'invalid argument'),
  // 2xx: catalog objects.
  DATABASE_EXISTS: spec(200, 'user', 'no', 'database already exists'),
  DATABASE_NOT_FOUND: spec(201, 'user', 'no', 'database not found'),
  DATABASE_NOT_EMPTY: spec(202, 'user', 'no', 'database is not empty'),
  STREAM_EXISTS: spec(203, 'user', 'no', 'stream already exists'),
  STREAM_NOT_FOUND: spec(204, 'user', 'no', 'stream not found'),
  OBJECT_EXISTS: spec(205, 'user', 'no', 'object already exists'),
  OBJECT_NOT_FOUND: spec(206, 'user', 'no', 'object not found'),
  RESERVED_NAME: spec(207, 'user', 'no', 'reserved name'),
  // 3xx: storage.
  BATCH_CORRUPT: spec(300, 'external', 'no', 'corrupt batch'),
  SEGMENT_CORRUPT: spec(301, 'external', 'no', 'corrupt segment'),
  CATALOG_CORRUPT: spec(302, 'external', 'no', 'corrupt catalog'),
  LOG_CLOSED: spec(303, 'user', 'no', 'stream log is closed'),
  BACKLOG_FULL: spec(304, 'external', 'backoff', 'stream backlog is full'),
  POSITION_DROPPED: spec(305, 'external', 'no', 'requested position was dropped by retention'),
  IO_ERROR: spec(306, 'external', 'backoff', 'I/O error'),
  DATA_DIR_LOCKED: spec(307, 'external', 'no', 'data directory is in use by another process'),
  /** A batch's origin range straddles the receiver's high-water mark for its origin key (exactly-once dedupe). */
  ORIGIN_OVERLAP: spec(308, 'external', 'no', 'batch origin overlaps data already stored'),
  // 4xx: SQL text.
  SYNTAX_ERROR: spec(400, 'user', 'no', 'syntax error'),
  // 5xx: statements the grammar knows but this build cannot run yet.
  NOT_SUPPORTED: spec(500, 'user', 'no', 'not supported yet'),
  QUERY_CANCELLED: spec(501, 'user', 'no', 'query cancelled'),
  // 6xx: protocol (native wire protocol, src/net/).
  PROTOCOL_ERROR: spec(600, 'external', 'no', 'protocol error'),
  PROTOCOL_VERSION: spec(601, 'external', 'no', 'no common protocol version'),
  AUTH_FAILED: spec(602, 'user', 'no', 'authentication failed'),
  FRAME_TOO_LARGE: spec(603, 'external', 'no', 'frame too large'),
  CONNECTION_CLOSED: spec(604, 'external', 'backoff', 'connection closed'),
  SERVER_BUSY: spec(605, 'external', 'backoff', 'server busy'),
  ACCESS_DENIED: spec(606, 'user', 'no', 'access denied'),
  // 7xx: remote nodes and sync tasks (external streams, materialized views, pipes).
  REMOTE_UNAVAILABLE: spec(700, 'external', 'backoff', 'remote node unavailable'),
  REMOTE_ERROR: spec(701, 'external', 'backoff', 'remote node error'),
  TASK_STOPPED: spec(702, 'user', 'no', 'task is stopped'),
  /** A pipe sender whose address is not in the receiver's ip_white_list (a configuration decision: retrying cannot help). */
  PIPE_SENDER_REFUSED: spec(703, 'external', 'no', 'pipe sender refused'),
  // 9xx: bugs.
  INTERNAL: spec(900, 'internal', 'no', 'internal error'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export type ErrorDetails = Readonly<Record<string, string | number | bigint | boolean | null | undefined>>;

/** The one error class. `message` is `<text>: <detail>` so logs and clients read one line. */
export class DbError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, detail: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(`${ERRORS[code].text}: ${detail}`, options);
    this.name = 'DbError';
    this.code = code;
    this.details = details;
  }

  get wireCode(): number {
    return ERRORS[this.code].wire;
  }

  get domain(): ErrorDomain {
    return ERRORS[this.code].domain;
  }

  get retry(): RetryHint {
    return ERRORS[this.code].retry;
  }
}

export function isDbError(error: unknown, code?: ErrorCode): error is DbError {
  return error instanceof DbError && (code === undefined || error.code === code);
}

/** Wraps an operating-system error (ENOSPC, EIO, …) so callers see one registry. */
export function ioError(what: string, cause: unknown): DbError {
  const sys = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
  return new DbError('IO_ERROR', `${what} (${sys})`, { errno: sys }, { cause });
}
