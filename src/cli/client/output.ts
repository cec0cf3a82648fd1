// Terminal and pipe output for `tributary client`: writes that respect back-pressure (a slow reader
// of our stdout slows the query, through the client's credit, instead of filling memory) and the
// one error line format, `Code: <wire code>. <message>`, as ClickHouse's client prints it.
import { asDbError } from '../../net/wire-errors.ts';

/** Writes to stdout; resolves once the text is handed off or, when the pipe is full, drained. */
export function writeOut(text: string): Promise<void> | void {
  if (text === '') return;
  if (process.stdout.write(text)) return;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

/** Resolves once everything written to stdout so far has been flushed. */
export function flushOut(): Promise<void> {
  return new Promise((resolve) => process.stdout.write('', () => resolve()));
}

export function errorText(error: unknown): string {
  const dbError = asDbError(error);
  return `Code: ${dbError.wireCode}. ${dbError.message}`;
}
