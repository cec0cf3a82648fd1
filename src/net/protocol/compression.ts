// Compression of DATA_COMPRESSED payloads (layout in frame.ts): which compressors this Node offers,
// and compressing / inflating one encoded batch. Both run on libuv's thread pool (zlib's async API),
// so a large frame never blocks the event loop.
//
// Inflation is bounded before it starts: the declared length is checked by the frame decoder
// (<= FRAME_BYTES_MAX) and zlib stops at it (maxOutputLength), so a small hostile frame cannot make
// the receiver allocate more than it declared. The result must be exactly the declared length.
// zstd exists only where node:zlib has it (Node >= 22.15); Node 20 offers gzip alone.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { DbError } from '../../core/errors.ts';

export type Compressor = 'gzip' | 'zstd';

/** The codec byte of a DATA_COMPRESSED payload. */
export const COMPRESSOR_CODES = { gzip: 1, zstd: 2 } as const satisfies Record<Compressor, number>;

const COMPRESSOR_OF_CODE: readonly (Compressor | undefined)[] = [undefined, 'gzip', 'zstd'];

/** The compressor a codec byte names, or undefined. */
export function compressorOfCode(code: number): Compressor | undefined {
  return COMPRESSOR_OF_CODE[code];
}

type ZlibCall = (input: Uint8Array, options: zlib.ZlibOptions, callback: (error: Error | null, result: Buffer) => void) => void;

/** node:zlib's zstd functions, where this Node has them (absent from Node 20's types too). */
const zstd = zlib as unknown as { zstdCompressSync?: unknown; zstdCompress?: ZlibCall; zstdDecompress?: ZlibCall };

const gzipAsync = promisify(zlib.gzip);
const gunzipAsync = promisify(zlib.gunzip);

/** The compressors this Node can use; a pipe sender refuses others at CREATE PIPE. */
export function availableCompressors(): Compressor[] {
  return typeof zstd.zstdCompressSync === 'function' && typeof zstd.zstdCompress === 'function' && typeof zstd.zstdDecompress === 'function' ? ['gzip', 'zstd'] : ['gzip'];
}

function unavailable(compressor: Compressor): DbError {
  return new DbError('NOT_SUPPORTED', `compressor ${compressor} on Node ${process.versions.node} (available: ${availableCompressors().join(', ')})`);
}

/** Compresses one encoded batch. */
export async function compressBatch(compressor: Compressor, bytes: Uint8Array): Promise<Uint8Array> {
  if (compressor === 'gzip') return gzipAsync(bytes);
  const call = zstd.zstdCompress;
  if (call === undefined || !availableCompressors().includes('zstd')) throw unavailable(compressor);
  return promisify(call)(bytes, {});
}

/**
 * Inflates a DATA_COMPRESSED payload into the encoded batch it carries, in a buffer starting
 * 8-aligned (batch-codec views columns in place). PROTOCOL_ERROR when the bytes do not inflate or
 * inflate to another length than `uncompressedBytes`.
 */
export async function inflateBatch(compressor: Compressor, compressed: Uint8Array, uncompressedBytes: number): Promise<Uint8Array> {
  // One byte past the declared length is enough to know it was exceeded.
  const options = { maxOutputLength: uncompressedBytes + 1 };
  let inflated: Buffer;
  try {
    if (compressor === 'gzip') inflated = await gunzipAsync(compressed, options);
    else {
      const call = zstd.zstdDecompress;
      if (call === undefined || !availableCompressors().includes('zstd')) throw unavailable(compressor);
      inflated = await promisify(call)(compressed, options);
    }
  } catch (error) {
    if (error instanceof DbError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const detail = code === 'ERR_BUFFER_TOO_LARGE' ? `inflates to more than the ${uncompressedBytes} bytes it declares` : `does not inflate (${(error as Error).message})`;
    throw new DbError('PROTOCOL_ERROR', `DATA_COMPRESSED payload (${compressor}, ${compressed.length} bytes) ${detail}`, {}, { cause: error });
  }
  if (inflated.length !== uncompressedBytes) {
    throw new DbError('PROTOCOL_ERROR', `DATA_COMPRESSED payload (${compressor}) inflates to ${inflated.length} bytes, it declares ${uncompressedBytes}`);
  }
  if (inflated.byteOffset % 8 === 0) return inflated;
  const aligned = new Uint8Array(inflated.length);
  aligned.set(inflated);
  return aligned;
}
