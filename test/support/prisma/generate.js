// Generates the Prisma client the e2e specs use (npm's `pretest` and `pretypecheck` run this).
//
// Why the environment below: `prisma generate` looks for Prisma's schema-engine binary before it
// generates and, not finding one, downloads it from Prisma's own binary host, which CI machines
// cannot reach (only the npm registry is reachable). The `prisma-client` generator itself is
// WebAssembly shipped in the npm package and never runs the engine; pointing
// PRISMA_SCHEMA_ENGINE_BINARY at a stub that fails if run skips the download.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [cli, 'generate', '--schema', join(here, 'schema.prisma')], {
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? join(here, 'no-schema-engine'),
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
  },
});
if (result.status !== 0) {
  process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
  console.error(`prisma generate failed (exit ${result.status ?? result.signal})`);
  process.exit(1);
}
