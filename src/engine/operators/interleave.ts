// Interleave: several asynchronous inputs read concurrently, their values handed on in the order
// they arrive, each tagged with its input's index (UNION ALL of streaming queries, the shards of an
// external stream, a view's source shards).
//
// Closing early (the consumer stops) returns every input. An input with a read in flight finishes
// only when that read settles, which the query's abort does as it unwinds; waiting for it here
// would deadlock a LIMIT that ends a query while a source idles (see pulse.ts withTicks).
export async function* interleave<T>(inputs: readonly AsyncGenerator<T>[]): AsyncGenerator<{ readonly index: number; readonly value: T }> {
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  inputs.forEach((input, i) => pending.set(i, input.next().then((r) => ({ i, r }))));
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done === true) {
        pending.delete(i);
        continue;
      }
      pending.set(i, inputs[i].next().then((next) => ({ i, r: next })));
      yield { index: i, value: r.value };
    }
  } finally {
    for (const [i, read] of pending) {
      read.catch(() => undefined);
      void inputs[i].return(undefined).catch(() => undefined);
    }
    await Promise.allSettled(inputs.filter((_, i) => !pending.has(i)).map((input) => input.return(undefined)));
  }
}
