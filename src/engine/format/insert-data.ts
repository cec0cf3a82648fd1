// The data of `INSERT … FORMAT name <data>` when it arrived as bytes (an HTTP request body). The
// statement still carries it as text (InsertFormat.data), but that text is decoded only if something
// reads it; the insert reads the bytes themselves (json-each-row-reader.ts), so the usual large
// JSONEachRow body is never turned into a string. The HTTP server reuses body buffers, so it
// releases the statement's hold on them when the request is done.
import type { Buffer } from 'node:buffer';
import { DbError } from '../../core/errors.ts';
import type { InsertFormat } from '../../sql/index.ts';

interface DataSource {
  bytes: Buffer | null;
}

const sources = new WeakMap<InsertFormat, DataSource>();

/**
 * An InsertFormat whose data is `bytes` (UTF-8), decoded to text on first read of `data`. The bytes
 * may be released (releaseInsertData) when their owner reuses them: reading the data after that is
 * an error, never other data.
 */
export function insertFormatOfBytes(format: string, bytes: Buffer): InsertFormat {
  let text: string | null = null;
  const source: DataSource = { bytes };
  const body: InsertFormat = {
    kind: 'InsertFormat',
    format,
    get data(): string {
      if (text === null) {
        if (source.bytes === null) throw new DbError('INTERNAL', 'the rows of an INSERT … FORMAT were read after its request released them');
        text = source.bytes.toString('utf8');
      }
      return text;
    },
  };
  sources.set(body, source);
  return body;
}

/** The bytes an InsertFormat was made from by insertFormatOfBytes, else undefined (its data is text, or released). */
export function insertDataBytes(body: InsertFormat): Buffer | undefined {
  return sources.get(body)?.bytes ?? undefined;
}

/** Drops an InsertFormat's hold on its bytes (their buffer is about to be reused). */
export function releaseInsertData(body: InsertFormat): void {
  const source = sources.get(body);
  if (source !== undefined) source.bytes = null;
}
