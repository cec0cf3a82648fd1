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
//
// --single-threaded-gc, on a machine with at most SINGLE_THREADED_GC_CPUS_MAX CPUs (TRIBUTARY_GC
// overrides: `single`, `parallel`): V8 otherwise runs scavenges and marking on helper threads beside
// the event loop. With two CPUs those threads take the core that another process (a co-located
// node, the writer feeding the edge) or this node's own event loop was about to run on, so a GC in
// one process stalls the others too. bench:sync on 2 CPUs (edge, cloud and the bench on one machine,
// 6 catch-ups of 600k rows each per run, live rows at 10,000 rows/s during them): live p99 during
// catch-up 18.4-32.8 ms with parallel GC (4 runs), 11.7-14.2 ms single-threaded (3 runs), catch-up
// rows/s unchanged or better (1.50-1.78M against 1.38-1.63M). With more CPUs the helpers have cores
// of their own and shorten the pauses, so V8's default stays.

import { availableParallelism } from 'node:os';

export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728';

/** Flags before the script on node's command line, on every machine. */
export const LAUNCH_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];

/** GC on the main thread only: added on machines with at most SINGLE_THREADED_GC_CPUS_MAX CPUs. */
export const SINGLE_THREADED_GC_FLAG = '--single-threaded-gc';
export const SINGLE_THREADED_GC_CPUS_MAX = 2;

/**
 * The node flags the launcher uses on this machine: LAUNCH_NODE_FLAGS, and SINGLE_THREADED_GC_FLAG
 * when `TRIBUTARY_GC` is `single`, or unset with at most SINGLE_THREADED_GC_CPUS_MAX CPUs. Throws on
 * another value of TRIBUTARY_GC (bin/tributary exits 2 with the same message).
 */
export function launchNodeFlags(env: NodeJS.ProcessEnv = process.env, cpus: number = availableParallelism()): string[] {
  const mode = env.TRIBUTARY_GC ?? '';
  if (mode !== '' && mode !== 'single' && mode !== 'parallel') throw new Error(`TRIBUTARY_GC must be single, parallel or unset, not '${mode}'`);
  const single = mode === 'single' || (mode === '' && cpus <= SINGLE_THREADED_GC_CPUS_MAX);
  return single ? [...LAUNCH_NODE_FLAGS, SINGLE_THREADED_GC_FLAG] : [...LAUNCH_NODE_FLAGS];
}

/** How this process collects garbage (logged at startup). */
export function gcMode(execArgv: readonly string[] = process.execArgv): 'single-threaded' | 'parallel' {
  return execArgv.includes(SINGLE_THREADED_GC_FLAG) ? 'single-threaded' : 'parallel';
}

/** `env` with MALLOC_TUNABLES in GLIBC_TUNABLES, ahead of any value already there. */
export function withLaunchEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = env.GLIBC_TUNABLES;
  return { ...env, GLIBC_TUNABLES: own === undefined || own === '' ? MALLOC_TUNABLES : `${MALLOC_TUNABLES}:${own}` };
}

/** Whether this process was started as the launcher starts it (logged at startup). */
export function launchedWithSettings(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  return (env.GLIBC_TUNABLES ?? '').startsWith(MALLOC_TUNABLES) && LAUNCH_NODE_FLAGS.every((flag) => execArgv.includes(flag));
}
