// Retry delays for sync tasks: exponential from RETRY_DELAY_MIN_MS, capped at RETRY_DELAY_MAX_MS,
// with "full jitter" (a uniform draw in [delay/2, delay]) so many tasks that lost the same link do
// not reconnect in lockstep. Retries go on forever while the source keeps the data: an edge keeps
// forwarding after a week-long outage without an operator.
export const RETRY_DELAY_MIN_MS = 100;
export const RETRY_DELAY_MAX_MS = 10_000;

export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_DELAY_MAX_MS, RETRY_DELAY_MIN_MS * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Resolves after `ms`, or early (without error) when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
