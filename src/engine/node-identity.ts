// The node's identity: a random id created on the first open of a data directory and kept in
// `<data dir>/node_id`. It names this node in the origins of the batches it forwards, so a receiver
// tells apart the lanes of two edges; it must survive restarts and never be shared by two nodes
// (copying a data directory copies the id: give the copy a new one by deleting the file).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DbError } from '../core/errors.ts';
import { writeFileAtomic } from '../storage/catalog/atomic-file.ts';

export const NODE_ID_FILE = 'node_id';
const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export async function loadNodeId(dataDir: string): Promise<string> {
  const path = join(dataDir, NODE_ID_FILE);
  try {
    const id = (await readFile(path, 'utf8')).trim();
    if (!NODE_ID_PATTERN.test(id)) throw new DbError('CATALOG_CORRUPT', `${path} holds '${id.slice(0, 80)}', not a node id (1-64 of A-Z a-z 0-9 . _ -)`);
    return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const id = randomUUID();
  await writeFileAtomic(path, `${id}\n`, { mode: 0o644 });
  return id;
}
