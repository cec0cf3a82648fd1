// The one test entry: imports every *.test.ts under test/ (except this file) so node:test runs them
// in a single process (one process per file costs seconds on 2 cores). Set TEST_FILTER=<substring>
// to run only the files whose path contains it.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const filter = process.env.TEST_FILTER ?? '';

function collect(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts') && path !== join(root, 'all.test.ts')) out.push(path);
  }
}

const files: string[] = [];
collect(root, files);
for (const file of files) {
  if (filter !== '' && !relative(root, file).includes(filter)) continue;
  await import(pathToFileURL(file).href);
}
