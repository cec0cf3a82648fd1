// Shared helpers for the catalog tests: real temporary directories (removed after each test) and
// an assertion on DbError codes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { type ErrorCode, isDbError } from '../../../src/core/errors.ts';

/** A fresh directory under the OS temp dir, removed when the test ends. */
export function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trib-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts that `run` throws (or rejects with) a DbError of `code`; returns it for further checks. */
export async function rejectsWith(code: ErrorCode, run: () => unknown): Promise<Error> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught !== undefined, `expected ${code}, but nothing was thrown`);
  assert.ok(isDbError(caught, code), `expected ${code}, got ${String(caught)}`);
  return caught as Error;
}

/** Synchronous form of rejectsWith. */
export function throwsWith(code: ErrorCode, run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    assert.ok(isDbError(error, code), `expected ${code}, got ${String(error)}`);
    return error as Error;
  }
  assert.fail(`expected ${code}, but nothing was thrown`);
}
