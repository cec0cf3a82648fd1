// The settings one stream log runs with (resolved: every field present). The user-facing spelling
// (snake_case SQL settings, validated with clear errors) lives in the catalog; this is what the log
// itself needs, and it re-checks the relations between fields when a log opens.
import { DbError } from '../../core/errors.ts';
import { SEGMENT_BYTES_DEFAULT, SEGMENT_BYTES_MAX, SEGMENT_BYTES_MIN } from '../../core/limits.ts';
import type { BacklogPolicy, FsyncPolicy, StreamSettings } from '../catalog/stream-settings.ts';

export interface LogSettings {
  /** always: an append resolves after its group's fdatasync; interval: after the write, with an
   *  fdatasync every fsyncIntervalMs; never: after the write (the OS decides). */
  readonly fsync: FsyncPolicy;
  readonly fsyncIntervalMs: number;
  readonly segmentBytes: number;
  /** Sealed segments whose last append is older than this are removed (0 = keep forever). */
  readonly retentionMs: number;
  /** Oldest sealed segments are removed while the log is larger than this (0 = unlimited). */
  readonly retentionBytes: number;
  /** Bytes that registered consumers may leave unread before the backlog policy applies (0 = unlimited). */
  readonly maxBacklogBytes: number;
  readonly backlogPolicy: BacklogPolicy;
  /** How long a blocked append waits for consumers before failing with BACKLOG_FULL. */
  readonly blockTimeoutMs: number;
}

export const LOG_SETTINGS_DEFAULT: LogSettings = {
  fsync: 'always',
  fsyncIntervalMs: 100,
  segmentBytes: SEGMENT_BYTES_DEFAULT,
  retentionMs: 0,
  retentionBytes: 0,
  maxBacklogBytes: 0,
  backlogPolicy: 'block',
  blockTimeoutMs: 30_000,
};

/** Backlog is reclaimed a sealed segment at a time, so it must leave room for two of them. */
export const BACKLOG_SEGMENTS_MIN = 2;

export function checkLogSettings(settings: LogSettings): void {
  const { segmentBytes, maxBacklogBytes } = settings;
  if (!(Number.isInteger(segmentBytes) && segmentBytes >= SEGMENT_BYTES_MIN && segmentBytes <= SEGMENT_BYTES_MAX)) {
    throw new DbError('INVALID_SETTING', `segment_bytes ${segmentBytes} is outside [${SEGMENT_BYTES_MIN}, ${SEGMENT_BYTES_MAX}]`);
  }
  if (maxBacklogBytes > 0 && maxBacklogBytes < BACKLOG_SEGMENTS_MIN * segmentBytes) {
    throw new DbError(
      'INVALID_SETTING',
      `max_backlog_bytes ${maxBacklogBytes} must be 0 or at least ${BACKLOG_SEGMENTS_MIN} x segment_bytes (${BACKLOG_SEGMENTS_MIN * segmentBytes}): backlog is reclaimed a segment at a time`,
    );
  }
  if (!(settings.fsyncIntervalMs >= 1)) throw new DbError('INVALID_SETTING', `fsync_interval_ms must be at least 1`);
  for (const key of ['retentionMs', 'retentionBytes', 'maxBacklogBytes', 'blockTimeoutMs'] as const) {
    if (!(Number.isInteger(settings[key]) && settings[key] >= 0)) {
      throw new DbError('INVALID_SETTING', `${key} must be a non-negative integer, got ${settings[key]}`);
    }
  }
}

/** The log's view of a stream's (validated, snake_case) catalog settings. */
export function logSettingsOf(settings: StreamSettings): LogSettings {
  return {
    fsync: settings.fsync,
    fsyncIntervalMs: settings.fsync_interval_ms,
    segmentBytes: settings.segment_bytes,
    retentionMs: settings.retention_ms,
    retentionBytes: settings.retention_bytes,
    maxBacklogBytes: settings.max_backlog_bytes,
    backlogPolicy: settings.backlog_policy,
    blockTimeoutMs: settings.block_timeout_ms,
  };
}
