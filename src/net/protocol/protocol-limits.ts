// Limits of the native protocol, each with the reason it exists. They live here rather than in
// core/limits.ts because only src/net/ reads them. Exceeding a frame limit raises FRAME_TOO_LARGE
// naming it; the relations between them are checked when this module loads.
import assert from 'node:assert/strict';
import { BATCH_BYTES_MAX, TYPE_NESTING_MAX } from '../../core/limits.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Versions this build speaks. A peer offering any overlapping range gets the highest common one.
 * Version 1: queries and inserts. Version 2 adds pipe transfers (PIPE_INSERT, DATA_COMPRESSED).
 */
export const PROTOCOL_VERSION_MIN = 1;
export const PROTOCOL_VERSION_MAX = 2;

/** The first version with PIPE_INSERT and DATA_COMPRESSED; on an older connection they are PROTOCOL_ERROR. */
export const PIPE_PROTOCOL_VERSION = 2;

/** Bytes before a frame's payload: u32 length, u8 type, u32 request id (see frame.ts). */
export const FRAME_HEADER_BYTES = 9;

/**
 * Bytes of one frame, header included. A DATA frame carries one encoded batch whole, so the
 * largest frame is the largest batch plus the header; the decoder refuses a longer length prefix
 * before it buffers a single byte of the body.
 */
export const FRAME_BYTES_MAX = BATCH_BYTES_MAX + FRAME_HEADER_BYTES;

/**
 * Bytes of any frame other than DATA (QUERY with its SQL and params, ERROR, …). The SQL text is
 * bounded at 4 MiB by the parser; 8 MiB leaves room for params without letting a control frame
 * claim a batch-sized buffer.
 */
export const CONTROL_FRAME_BYTES_MAX = 8 * MiB;

/**
 * Bytes of a frame from a peer that has not completed the handshake. An unauthenticated peer must
 * not make the server allocate more than this (a HELLO is a few hundred bytes).
 */
export const HANDSHAKE_FRAME_BYTES_MAX = 64 * KiB;

/** Entries of a settings or params map in one QUERY. Bounds the decode work of one frame. */
export const MAP_ENTRIES_MAX = 1_000;

/** Nesting of array values in params. Bounds the decoder's recursion on hostile frames. */
export const VALUE_NESTING_MAX = TYPE_NESTING_MAX;

/**
 * Bytes of INSERT data a connection may have received but not yet made durable. Beyond it the
 * server stops reading that socket (TCP back-pressure reaches the sender) until appends complete.
 */
export const CONNECTION_INFLIGHT_BYTES_MAX = 64 * MiB;

/**
 * Bytes queued in a socket's write buffer. Beyond it the server's senders (query results, and any
 * reply at all) wait for the socket to drain, and the server stops reading requests from a peer
 * that does not read its replies.
 */
export const CONNECTION_WRITE_BUFFER_BYTES_MAX = 8 * MiB;

/** Requests (queries, inserts) running at once on one connection. */
export const REQUESTS_PER_CONNECTION_MAX = 256;

/** Connections one server accepts at once; more are refused with SERVER_BUSY. */
export const CONNECTIONS_MAX = 4_096;

/** Milliseconds a new connection has to complete its handshake before the server closes it. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** DATA frames a client grants a query at once by default (its read-ahead window). */
export const CLIENT_CREDIT_FRAMES_DEFAULT = 8;

/** DATA bytes a client grants a query at once by default. */
export const CLIENT_CREDIT_BYTES_DEFAULT = 16 * MiB;

/** Rows per batch when the client converts row objects for an insert. */
export const CLIENT_INSERT_BATCH_ROWS = 65_536;

/** Default ports (DESIGN.md, Interfaces). */
export const NATIVE_PORT_DEFAULT = 8463;
export const NATIVE_TLS_PORT_DEFAULT = 9440;

assert(PROTOCOL_VERSION_MIN >= 1 && PROTOCOL_VERSION_MIN <= PROTOCOL_VERSION_MAX);
assert(PROTOCOL_VERSION_MAX <= 0xffff, 'versions travel as u16');
assert(PIPE_PROTOCOL_VERSION > PROTOCOL_VERSION_MIN && PIPE_PROTOCOL_VERSION <= PROTOCOL_VERSION_MAX, 'pipe frames need a version this build speaks, after the first');
assert(FRAME_BYTES_MAX >= BATCH_BYTES_MAX + FRAME_HEADER_BYTES, 'a DATA frame must hold the largest batch');
assert(FRAME_BYTES_MAX <= 0xffff_ffff, 'the length prefix is a u32');
assert(HANDSHAKE_FRAME_BYTES_MAX <= CONTROL_FRAME_BYTES_MAX);
assert(CONTROL_FRAME_BYTES_MAX <= FRAME_BYTES_MAX);
assert(CONNECTION_INFLIGHT_BYTES_MAX >= BATCH_BYTES_MAX, 'one largest batch must be admitted');
assert(CLIENT_CREDIT_BYTES_DEFAULT <= CONNECTION_INFLIGHT_BYTES_MAX);
