// Limits of the HTTP API, each with its reason. Exceeding one is a clear error naming it.
import assert from 'node:assert/strict';
import { SQL_TEXT_BYTES_MAX } from '../../sql/index.ts';

const MiB = 1024 * 1024;

/**
 * Bytes of one request body after decompression (the SQL text, or the rows of INSERT … FORMAT).
 * An insert is one durable batch parsed in memory, so this bounds the memory of one request;
 * larger loads are split into several requests. Beyond it the answer is 413.
 */
export const HTTP_BODY_BYTES_MAX = 64 * MiB;
/**
 * Bytes of an oversized body read and thrown away before the 413 answer, so a client that is
 * still sending reads the answer instead of a reset. Past it the connection is closed.
 */
export const HTTP_BODY_DISCARD_BYTES_MAX = 16 * MiB;
/**
 * Characters of a large body searched for the `INSERT … FORMAT name` head; the rest is row data
 * and never goes through the SQL parser (whose text limit is SQL_TEXT_BYTES_MAX).
 */
export const HTTP_INSERT_HEAD_CHARS_MAX = 256 * 1024;
/**
 * Request body buffers are reused (body-pool.ts): bodies up to this size get a pooled buffer; a
 * larger one is allocated for its request alone.
 */
export const HTTP_BODY_POOL_BUFFER_BYTES_MAX = 8 * MiB;
/** Bytes of free body buffers kept for reuse (memory a busy insert workload keeps between requests). */
export const HTTP_BODY_POOL_BYTES_MAX = 16 * MiB;
/**
 * Characters of a bounded result sent whole, with Content-Length, in one write; a larger result is
 * streamed in chunks as the client reads it (so its memory is not doubled by one big string).
 */
export const HTTP_WHOLE_RESULT_CHARS_MAX = 256 * 1024;
/** Time given to running requests to finish on shutdown before their connections are closed. */
export const HTTP_SHUTDOWN_GRACE_MS = 3_000;

assert(HTTP_INSERT_HEAD_CHARS_MAX <= SQL_TEXT_BYTES_MAX, 'the head of an insert must be parseable SQL');
assert(SQL_TEXT_BYTES_MAX <= HTTP_BODY_BYTES_MAX, 'any SQL text must fit in a body');
