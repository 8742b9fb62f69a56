// The worker process: `npm run start:worker`. Runs the sample's handlers without HTTP, next to an HTTP
// app started with SAMPLE_WORKERS=false (enqueue-only), both on one DATABASE_URL. See
// docs/deployment.md for how this maps to API and worker replicas.
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WorkerModule } from './worker.module.js';

async function bootstrap() {
  const consoleLogger = new ConsoleLogger({ compact: true, colors: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR });
  Logger.overrideLogger(consoleLogger);
  const logger = new Logger('Worker');
  if (!process.env.DATABASE_URL) {
    // The embedded PostgreSQL belongs to the process that started it (npm start): a worker joins a
    // database that is already there.
    throw new Error('DATABASE_URL is not set: point it at the database of the HTTP app (npm start prints none; set one for both)');
  }
  // An application context: Nest's modules and lifecycle, no HTTP server.
  const app = await NestFactory.createApplicationContext(WorkerModule, { logger: consoleLogger });
  logger.log('Worker started: its handlers run until SIGINT or SIGTERM');

  // SIGTERM (Kubernetes, systemd, docker stop) and Ctrl-C: stop fetching, let running jobs finish
  // (shutdownTimeoutMs), close the pool. app.enableShutdownHooks() would do the same.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down`);
    await app.close();
    logger.log('stopped cleanly');
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(signal));
  const exitAfterMs = Number(process.env.SAMPLE_EXIT_AFTER_MS);
  if (exitAfterMs > 0) setTimeout(() => void shutdown(`SAMPLE_EXIT_AFTER_MS=${exitAfterMs} elapsed`), exitAfterMs).unref();
}

bootstrap().catch((error: unknown) => {
  new Logger('Worker').error(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
