// Pulse: what a streaming operator receives — a batch, or a tick of the clock (so periodic emission
// happens when no data arrives). `withTicks` merges a batch source with ticks every `intervalMs`.
import type { Clock } from '../../core/clock.ts';
import type { ExecBatch } from '../exec-batch.ts';

export type Pulse = { readonly kind: 'batch'; readonly batch: ExecBatch } | { readonly kind: 'tick' };

export async function* batchesAsPulses(source: AsyncIterable<ExecBatch>): AsyncGenerator<Pulse> {
  for await (const batch of source) yield { kind: 'batch', batch };
}

/** Batches from `source`, and a tick whenever `intervalMs` passes since the last tick. */
export async function* withTicks(source: AsyncIterable<ExecBatch>, intervalMs: number, clock: Clock, signal: AbortSignal): AsyncGenerator<Pulse> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<ExecBatch>> | null = null;
  let nextTick = clock.nowMs() + intervalMs;
  try {
    for (;;) {
      pending ??= iterator.next();
      const wait = Math.max(0, nextTick - clock.nowMs());
      const timer = new AbortController();
      const onAbort = () => timer.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      const tick = clock.sleep(wait, timer.signal).then(
        () => 'tick' as const,
        () => 'aborted' as const,
      );
      const winner = await Promise.race([pending.then((r) => ({ r })), tick]);
      timer.abort();
      signal.removeEventListener('abort', onAbort);
      if (winner === 'aborted') return;
      if (winner === 'tick') {
        nextTick = clock.nowMs() + intervalMs;
        yield { kind: 'tick' };
        continue;
      }
      pending = null;
      if (winner.r.done === true) return;
      yield { kind: 'batch', batch: winner.r.value };
      if (clock.nowMs() >= nextTick) {
        nextTick = clock.nowMs() + intervalMs;
        yield { kind: 'tick' };
      }
    }
  } finally {
    // With a read in flight (a live source waiting for data), return() would wait for that read to
    // settle; the query's abort (which follows as the query unwinds) settles it. Waiting here would
    // deadlock a LIMIT that ends the query while the source idles.
    if (pending !== null) {
      pending.catch(() => undefined);
      void iterator.return?.()?.catch(() => undefined);
    } else await iterator.return?.();
  }
}
