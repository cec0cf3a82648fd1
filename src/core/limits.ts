// Every size limit in Tributary, named, with the reason it exists. Code never compares against a
// bare number: it imports the limit from here, and exceeding it raises LIMIT_EXCEEDED naming it.
// The relations between limits are checked when this module loads.
import assert from 'node:assert/strict';
import { DbError } from './errors.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** Rows in one batch. Bounds the memory of one decode and the work between two yields of the event loop. */
export const BATCH_ROWS_MAX = 1_048_576;
/** Encoded bytes of one batch, header included. A batch is read and checksummed whole, so this bounds one read. */
export const BATCH_BYTES_MAX = 64 * MiB;
/** Bytes of one string value. Bounds a single allocation; longer values belong in external storage. */
export const STRING_BYTES_MAX = 16 * MiB;
/** Columns of one stream (or one batch). Bounds the header walk and per-column bookkeeping. */
export const COLUMNS_PER_STREAM_MAX = 1_000;
/** Bytes of a database, stream, column or object name (UTF-8). Names appear in every batch header. */
export const NAME_BYTES_MAX = 255;
/** Nesting of nullable/array type constructors. Bounds recursion in the type parser and codec. */
export const TYPE_NESTING_MAX = 8;
/** Bytes of an origin's node id or task id in a batch header. */
export const ORIGIN_ID_BYTES_MAX = 255;
/** Distinct values a string column of one batch may have for the encoder to store it dictionary-coded
 *  (batch-codec.ts). Bounds the encoder's detection table and the work a reader does per batch to map
 *  the dictionary to its own codes; columns with more distinct values are stored plain. */
export const DICTIONARY_VALUES_MAX = 4096;

/** Default size at which the active segment is sealed and a new one begins. */
export const SEGMENT_BYTES_DEFAULT = 64 * MiB;
/** Smallest segment size a stream may configure: below this, per-file costs dominate. */
export const SEGMENT_BYTES_MIN = 64 * KiB;
/** Largest segment size: recovery re-reads the whole active segment, so this bounds reopen time. */
export const SEGMENT_BYTES_MAX = 1 * GiB;
/** Bytes gathered into one group commit write. Bounds the write buffer and the latency of the group behind it. */
export const GROUP_COMMIT_BYTES_MAX = 16 * MiB;
/** Bytes of appends waiting for a group commit. Beyond it, appenders wait (back-pressure, not growth). */
export const APPEND_QUEUE_BYTES_MAX = 64 * MiB;
/** Bytes read from a segment in one read call during a scan (several small batches share a read). */
export const SCAN_READ_BYTES = 4 * MiB;
/** Bytes of written batch buffers kept for reuse, process-wide (storage/log/write-buffers.ts). */
export const WRITE_BUFFER_POOL_BYTES_MAX = 64 * MiB;
/** Registered consumers (checkpoints) per stream: each one is consulted by every retention pass. */
export const CONSUMERS_PER_STREAM_MAX = 10_000;
/** Origin keys (node id, task id, lane) whose high-water mark a stream keeps for exactly-once dedupe.
 *  Every key is held in memory and in origins.json; keys are never forgotten, so this bounds both. */
export const ORIGINS_PER_STREAM_MAX = 65_536;
/** Bytes of the catalog file. It is rewritten whole on every change, so it must stay small. */
export const CATALOG_BYTES_MAX = 64 * MiB;
/** Settings per stream. */
export const SETTINGS_PER_OBJECT_MAX = 100;

assert(BATCH_BYTES_MAX <= SEGMENT_BYTES_MAX, 'a batch must fit in a segment');
assert(SEGMENT_BYTES_MIN <= SEGMENT_BYTES_DEFAULT && SEGMENT_BYTES_DEFAULT <= SEGMENT_BYTES_MAX);
assert(STRING_BYTES_MAX < BATCH_BYTES_MAX, 'a string must fit in a batch');
assert(GROUP_COMMIT_BYTES_MAX <= APPEND_QUEUE_BYTES_MAX);
assert(SCAN_READ_BYTES <= BATCH_BYTES_MAX);

/** Throws LIMIT_EXCEEDED when `value > max`, naming the limit and what exceeded it. */
export function checkLimit(limitName: string, max: number, value: number, what: string): void {
  if (value > max) {
    throw new DbError('LIMIT_EXCEEDED', `${what} is ${value}, more than ${limitName} (${max})`, {
      limit: limitName,
      max,
      value,
    });
  }
}
