// Command-line flags of the server benches (`npm run bench:sync -- --runs 1 --cpu-prof`), with the
// environment as a fallback for numbers (RUNS=1 npm run bench:sync), and small statistics helpers.
// An unknown flag stops the bench with a usage line (a typo must not silently run the default).

export interface FlagSpec {
  /** Numeric flags: name (without --) → default. */
  readonly numbers: Readonly<Record<string, number>>;
  /** Boolean flags (present or absent). */
  readonly booleans: readonly string[];
  /** Printed after "usage:" on a bad flag. */
  readonly usage: string;
}

export interface Flags {
  number(name: string): number;
  flag(name: string): boolean;
}

/** Parses process.argv; `--name N` or `--name=N`; env NAME (upper snake case) when the flag is absent. */
export function parseFlags(spec: FlagSpec, argv: readonly string[] = process.argv.slice(2)): Flags {
  const numbers = new Map<string, number>();
  const booleans = new Set<string>();
  const fail = (message: string): never => {
    process.stderr.write(`${message}\nusage: ${spec.usage}\n`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) fail(`unexpected argument '${arg}'`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (spec.booleans.includes(name)) {
      if (inline !== undefined) fail(`--${name} takes no value`);
      booleans.add(name);
    } else if (name in spec.numbers) {
      const text = inline ?? argv[++i];
      const value = Number(text);
      if (text === undefined || !Number.isFinite(value) || value <= 0) fail(`--${name} needs a positive number, got '${text}'`);
      numbers.set(name, value);
    } else fail(`unknown flag --${name}`);
  }
  return {
    number: (name) => {
      if (!(name in spec.numbers)) throw new Error(`no numeric flag --${name}`);
      const env = process.env[name.toUpperCase().replaceAll('-', '_')];
      return numbers.get(name) ?? (env !== undefined && env !== '' ? Number(env) : spec.numbers[name]);
    },
    flag: (name) => booleans.has(name) || process.env[name.toUpperCase().replaceAll('-', '_')] === '1',
  };
}

/** The value at quantile q (0..1) of an ascending sorted array (nearest rank), or NaN when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `pollMs` until it returns true; throws `what` after `timeoutMs`. */
export async function waitUntil(what: string, timeoutMs: number, pollMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}
