// Errors across the wire: a DbError becomes an ERROR frame (numeric wire code, code name, message)
// and an ERROR frame becomes a DbError again on the other side, found by its wire code, so clients
// match on codes and never parse prose (STYLE habit 6).
import { DbError, ERRORS, type ErrorCode } from '../core/errors.ts';
import type { ErrorMessage } from './protocol/frame.ts';

const CODE_OF_WIRE = new Map<number, ErrorCode>(Object.entries(ERRORS).map(([code, spec]) => [spec.wire, code as ErrorCode]));

/** Any thrown value as a DbError: non-DbErrors are bugs (INTERNAL) and keep their cause. */
export function asDbError(error: unknown): DbError {
  if (error instanceof DbError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DbError('INTERNAL', message, {}, { cause: error });
}

export function errorFrame(requestId: number, error: unknown): ErrorMessage {
  const dbError = asDbError(error);
  return { type: 'ERROR', requestId, wireCode: dbError.wireCode, code: dbError.code, message: dbError.message };
}

/**
 * The DbError an ERROR frame stands for. A wire code this build does not know (a newer peer) maps
 * to INTERNAL, keeping the peer's code and wire code in details.
 */
export function errorFromFrame(frame: ErrorMessage): DbError {
  const code = CODE_OF_WIRE.get(frame.wireCode);
  if (code === undefined) {
    return new DbError('INTERNAL', `peer error ${frame.code} (${frame.wireCode}): ${frame.message}`, {
      remoteCode: frame.code,
      remoteWireCode: frame.wireCode,
      remote: true,
    });
  }
  // The peer's message already begins with the code's text; do not repeat it.
  const prefix = `${ERRORS[code].text}: `;
  const detail = frame.message.startsWith(prefix) ? frame.message.slice(prefix.length) : frame.message;
  return new DbError(code, detail, { remote: true });
}
