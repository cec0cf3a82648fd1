// Reads the .cpuprofile files `node --cpu-prof --cpu-prof-dir=D` writes when a process exits, and
// summarizes the top functions by self time (samples whose top frame is that function), so a bench
// can print where a server's CPU went without opening DevTools.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface SelfTimeRow {
  readonly selfPct: number;
  readonly selfMs: number;
  readonly fn: string;
}

export interface ProfileSummary {
  readonly file: string;
  readonly durationMs: number;
  /** Sampled time after the start that was not (idle) (GC and (program) included); `top`'s percentages are of it. */
  readonly busyMs: number;
  /** Module loading and compiling (a sample with a node:internal/modules frame on its stack), left out of `top`. */
  readonly startupMs: number;
  readonly gcMs: number;
  readonly top: readonly SelfTimeRow[];
}

/**
 * The main-thread .cpuprofile files in `dir`, newest last. Node names them
 * CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile and writes one per thread: under
 * `--import tsx` the module loader's worker thread (id 1) has its own, which is skipped.
 */
export function profilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.\d+\.0\.\d+\.cpuprofile$/.test(n));
  } catch {
    return [];
  }
  return names.map((n) => join(dir, n)).sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}

/**
 * Top `count` functions by self time, leaving out the server's start (module loading: every sample
 * with a node:internal/modules frame on its stack); percentages are of the busy (non-idle) time after that.
 */
export function summarizeProfile(file: string, count = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const startupCache = new Map<number, boolean>();
  const isStartup = (id: number): boolean => {
    const cached = startupCache.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id);
    const up = parent.get(id);
    const result = node !== undefined && (node.callFrame.url.startsWith('node:internal/modules/') || (up !== undefined && isStartup(up)));
    startupCache.set(id, result);
    return result;
  };
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  let startupUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    if (node === undefined) continue;
    const dt = profile.timeDeltas[i + 1] ?? 0; // a sample's time is the delta to the next one
    if (isStartup(node.id)) {
      startupUs += dt;
      continue;
    }
    totalUs += dt;
    const frame = node.callFrame;
    const where = frame.url === '' ? '' : ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName === '' ? '(anonymous)' : frame.functionName}${where}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
  }
  const special = (name: string) => selfUs.get(name) ?? 0;
  const busyUs = totalUs - special('(idle)');
  const top = [...selfUs]
    .filter(([key]) => key !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, us]) => ({ selfPct: Math.round((1000 * us) / Math.max(1, busyUs)) / 10, selfMs: Math.round(us / 1000), fn }));
  return {
    file,
    durationMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busyUs / 1000),
    startupMs: Math.round(startupUs / 1000),
    gcMs: Math.round(special('(garbage collector)') / 1000),
    top,
  };
}

function shortUrl(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.includes('/node_modules/')) return `node_modules/${path.split('/node_modules/').pop()}`;
  return path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path;
}
