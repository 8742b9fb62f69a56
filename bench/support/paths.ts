import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The repository root. The benchmarks run compiled from node_modules/.cache/nest-pg-jobs-bench/,
 * so relative paths to non-compiled files (scripts/, docs/, bench/results/) go through this.
 */
export const REPO_ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'nest-pg-jobs') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bench: cannot find the nest-pg-jobs repository root');
    dir = parent;
  }
})();

/** Imports scripts/embedded-postgres.js (plain JavaScript, not part of the compiled tree). */
export async function importEmbeddedPostgres(): Promise<typeof import('../../scripts/embedded-postgres.js')> {
  return import(pathToFileURL(join(REPO_ROOT, 'scripts', 'embedded-postgres.js')).href);
}
