// Limits of query execution, each with its reason. (Storage and wire limits are in core/limits.ts.)

/** Rows an ORDER BY may buffer: sorting is in memory. */
export const QUERY_SORT_ROWS_MAX = 50_000_000;
/** Rows a bounded query may return to an embedded caller that collects results in memory. */
export const QUERY_RESULT_ROWS_MAX = 50_000_000;
/** Rows in one INSERT … VALUES statement: the statement is parsed whole into memory. */
export const INSERT_VALUES_ROWS_MAX = 1_000_000;
/** Default emit interval of streaming global aggregates (Timeplus emits every 2 s by default). */
export const EMIT_INTERVAL_MS_DEFAULT = 2_000;
