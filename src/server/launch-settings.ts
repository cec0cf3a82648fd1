// How a server process is started: the glibc malloc settings and node flags the `tributary` launcher
// (bin/tributary) runs node with. The tests and benches that spawn a server use the same
// (withLaunchEnv, LAUNCH_NODE_FLAGS), so they measure what users run. Both can only be set when a
// process starts (GLIBC_TUNABLES is read by the C library, heap sizes when V8 creates its heap), so
// a launcher sets them; test/integration/server.test.ts checks bin/tributary against these values.
//
// malloc (GLIBC_TUNABLES): batches live in ArrayBuffers of 100 KB to a few MB (a scan's read, a
// received frame, an encoded batch), allocated and freed thousands of times a second. With glibc's
// defaults a freed block of that size goes back to the kernel (munmap, or the heap top trimmed past
// a few MB), so the next one is fresh memory again: a page fault per 4 KiB touched, and TLB
// shootdowns on every core the process runs on. Keeping them in the heap (no mmap below 32 MiB, trim
// only past 128 MiB of free heap top) removed that: bench:migrate's source node went from
// 1,600-6,300 minor faults and 0.18-0.28 CPU-s per 1M-row copy to ~50 faults and 0.10-0.13 CPU-s.
// The cost: up to 128 MiB of freed heap may stay with the process. A user's own GLIBC_TUNABLES come
// after ours (the later setting of a tunable wins); other C libraries (musl) ignore the variable.
//
// --initial-old-space-size=64 (MiB): V8 starts its old generation's limit small and, after an idle
// spell, its memory reducer shrinks the heap to what is live; a server that then moves data
// promotes a few MB per second and ran a full mark-compact every 20-50 ms (bench:migrate after 15 s
// idle: source node 0.21-0.26 CPU-s per 1M-row copy; with the flag 0.11-0.14). The flag sets the
// floor the limit grows from, not memory taken up front.

export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728';

/** Flags before the script on node's command line. */
export const LAUNCH_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];

/** `env` with MALLOC_TUNABLES in GLIBC_TUNABLES, ahead of any value already there. */
export function withLaunchEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = env.GLIBC_TUNABLES;
  return { ...env, GLIBC_TUNABLES: own === undefined || own === '' ? MALLOC_TUNABLES : `${MALLOC_TUNABLES}:${own}` };
}

/** Whether this process was started as the launcher starts it (logged at startup). */
export function launchedWithSettings(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  return (env.GLIBC_TUNABLES ?? '').startsWith(MALLOC_TUNABLES) && LAUNCH_NODE_FLAGS.every((flag) => execArgv.includes(flag));
}
