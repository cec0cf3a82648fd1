// Fused aggregation: one loop over a batch that skips the rows the WHERE predicate rejects, finds
// each row's group through its key's batch dictionary and updates every aggregate, instead of one
// pass for the group ids and one per aggregate (each reading the group ids again and testing the
// skipped rows again). The operator (operators/aggregate.ts) uses it when the common shape allows:
// a single dictionary-coded key without NULLs, and only aggregates whose state can describe its
// per-row update as a FusedPart for this batch (count, avg, sum of floats, min, max over numbers
// without NULLs). Anything else takes the general path, with the same results.
//
// The loop is generated once per combination of parts (new Function) so that each part's update is
// inlined code over local typed arrays, not a call per row; the statements are the same as in each
// state's own `update` loop, so both paths accumulate identically (same order, same NaN behaviour).
import type { Col } from '../column.ts';

/** A state's accumulators for one fused batch: its arrays hold at least the capacity asked for. */
export type FusedPart =
  | { readonly kind: 'count'; readonly counts: Float64Array }
  | { readonly kind: 'sum'; readonly sums: Float64Array; readonly seen: Uint8Array; readonly values: Float64Array }
  | { readonly kind: 'avg'; readonly sums: Float64Array; readonly counts: Float64Array; readonly values: Float64Array }
  | { readonly kind: 'min' | 'max'; readonly best: Float64Array; readonly seen: Uint8Array; readonly values: Float64Array };

/** A state that can join a fused loop. */
export interface FusableState {
  /**
   * The part for a batch whose argument columns are `args`, with every accumulator grown to hold
   * `capacity` groups; null when this batch needs the state's own `update` (NULLs, other types).
   */
  fuse(args: readonly Col[], capacity: number): FusedPart | null;
}

export function isFusable(state: object): state is FusableState {
  return typeof (state as Partial<FusableState>).fuse === 'function';
}

/**
 * Runs the loop: rows i < rowCount where the predicate (`pass`, `passNulls`; null: every row) holds,
 * group = table[codes[i]], looked up through `resolve(code, row)` the first time a code is met (it
 * must return a group below the capacity the parts were grown to).
 */
export type FusedKernel = (
  rowCount: number,
  codes: Uint8Array | Uint16Array | Uint32Array,
  table: Int32Array,
  resolve: (code: number, row: number) => number,
  pass: Float64Array | null,
  passNulls: Uint8Array | null,
  parts: readonly FusedPart[],
) => void;

const kernels = new Map<string, FusedKernel>();

/** The loop for this sequence of part kinds and this kind of code array (cached). */
export function fusedKernel(parts: readonly FusedPart[], codes: Uint8Array | Uint16Array | Uint32Array, filtered: boolean): FusedKernel {
  const signature = `${codes.BYTES_PER_ELEMENT}:${filtered ? 'w' : ''}:${parts.map((p) => p.kind).join(',')}`;
  let kernel = kernels.get(signature);
  if (kernel === undefined) {
    kernel = buildKernel(parts, filtered);
    kernels.set(signature, kernel);
  }
  return kernel;
}

function buildKernel(parts: readonly FusedPart[], filtered: boolean): FusedKernel {
  const setup: string[] = [];
  const body: string[] = [];
  parts.forEach((part, k) => {
    switch (part.kind) {
      case 'count':
        setup.push(`const c${k} = parts[${k}].counts;`);
        body.push(`c${k}[g] += 1;`);
        break;
      case 'sum':
        setup.push(`const s${k} = parts[${k}].sums, n${k} = parts[${k}].seen, v${k} = parts[${k}].values;`);
        body.push(`s${k}[g] += v${k}[i]; n${k}[g] = 1;`);
        break;
      case 'avg':
        setup.push(`const s${k} = parts[${k}].sums, c${k} = parts[${k}].counts, v${k} = parts[${k}].values;`);
        body.push(`s${k}[g] += v${k}[i]; c${k}[g] += 1;`);
        break;
      case 'min':
      case 'max': {
        const op = part.kind === 'max' ? '>' : '<';
        setup.push(`const b${k} = parts[${k}].best, n${k} = parts[${k}].seen, v${k} = parts[${k}].values;`);
        body.push(`{ const x = v${k}[i]; if (n${k}[g] === 0 || x ${op} b${k}[g]) { b${k}[g] = x; n${k}[g] = 1; } }`);
        break;
      }
    }
  });
  const skip = filtered ? `if (pass[i] === 0 || (passNulls !== null && passNulls[i] === 1)) continue;` : '';
  const source = `
    ${setup.join('\n    ')}
    for (let i = 0; i < rowCount; i++) {
      ${skip}
      const j = codes[i];
      let g = table[j];
      if (g < 0) g = table[j] = resolve(j, i);
      ${body.join('\n      ')}
    }`;
  return new Function('rowCount', 'codes', 'table', 'resolve', 'pass', 'passNulls', 'parts', source) as FusedKernel;
}
