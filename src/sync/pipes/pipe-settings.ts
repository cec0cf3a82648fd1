// Node-wide pipe settings: IoTDB's pipe configuration parameters (iotdb-common.properties) that
// apply to Tributary, set in the server's config file under the same names (server/config.ts).
//
//   pipe_initial_state              RUNNING (1.3.1+, default) or STOPPED (1.3.0): the state of a new pipe
//   pipe_subtask_executor_max_thread_num
//                                   lanes (source streams) a pipe delivers concurrently; the effective
//                                   value is min(this, max(1, cores / 2)) as in IoTDB (default 5)
//   pipe_sink_timeout_ms            how long one transfer may wait for the receiver's answer
//                                   (default 900000; 1.3.0's pipe_connector_timeout_ms is the same)
//   pipe_sink_max_client_number     connections one sink instance opens per receiver (default 16)
//   max_number_of_sync_file_retry   1.1 sync tool: transient failures in a row before a pipe's
//                                   message turns from WARN to ERROR (it keeps retrying; default 5)
//   pipe_all_sinks_rate_limit_bytes_per_second
//                                   a cap over all sinks of the node (default -1: none)
export interface PipeSettings {
  readonly initialState: 'RUNNING' | 'STOPPED';
  readonly subtaskExecutorMaxThreadNum: number;
  readonly sinkTimeoutMs: number;
  readonly sinkMaxClientNumber: number;
  readonly maxNumberOfSyncFileRetry: number;
  readonly allSinksRateLimitBytesPerSecond: number;
}

export const PIPE_SETTINGS_DEFAULT: PipeSettings = {
  initialState: 'RUNNING',
  subtaskExecutorMaxThreadNum: 5,
  sinkTimeoutMs: 900_000,
  sinkMaxClientNumber: 16,
  maxNumberOfSyncFileRetry: 5,
  allSinksRateLimitBytesPerSecond: -1,
};
