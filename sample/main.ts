import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JobsService } from 'nest-pg-jobs';
import { AppModule } from './app.module.js';
import { dashboardCredential } from './dashboard/dashboard-auth.guard.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database.js';
import { startQueueSummary } from './summary.js';
import { startTraffic } from './traffic.js';
import { WelcomeEmail } from './users/users.jobs.js';
import { Thumbnail } from './images/images.jobs.js';
import { ImportRow, ParseImport } from './imports/imports.jobs.js';
import { CapturePayment } from './payments/payments.jobs.js';

const QUEUES = [WelcomeEmail, Thumbnail, ParseImport, ImportRow, CapturePayment, 'nightly-cleanup', 'sessions-sweep'];

async function bootstrap() {
  const startedAt = performance.now();
  const since = () => `${Math.round(performance.now() - startedAt)} ms`;
  // One line per entry (compact), colours only on a terminal. Set before anything logs.
  const consoleLogger = new ConsoleLogger({
    compact: true,
    colors: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
  });
  Logger.overrideLogger(consoleLogger);
  const logger = new Logger('Sample');

  let database: EmbeddedDatabase | undefined;
  if (!process.env.DATABASE_URL) {
    database = await startEmbeddedDatabase();
    process.env.DATABASE_URL = database.url;
    const { host } = new URL(database.url);
    logger.log(`DATABASE_URL not set: started an embedded PostgreSQL on ${host} (${since()})`);
  }

  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: consoleLogger });
  app.useBodyParser('text', { type: 'text/csv', limit: '10mb' });
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${port}`;
  logger.log(`Listening on ${baseUrl} (${since()} after start). Ctrl-C stops.`);
  logger.log(`Health check: GET ${baseUrl}/health`);
  logger.log(`Prometheus metrics: GET ${baseUrl}/metrics (jobs_queue_waiting, jobs_completed_total, ...)`);
  const { user, password } = dashboardCredential();
  // The demo default is printed; a password of your own (DASHBOARD_PASSWORD) never is.
  logger.log(
    `Jobs dashboard: ${baseUrl}/jobs (user "${user}", ` +
      (process.env.DASHBOARD_PASSWORD
        ? 'password from DASHBOARD_PASSWORD)'
        : `password "${password}", the demo default: set DASHBOARD_USER and DASHBOARD_PASSWORD)`),
  );

  const summary = startQueueSummary(app.get(JobsService), QUEUES);
  const traffic = startTraffic(baseUrl);

  // In your own app, `app.enableShutdownHooks()` is all Ctrl-C needs. The sample handles SIGINT and
  // SIGTERM itself because of its extras: the traffic and the summary must stop before JobsModule
  // closes its pool, and the embedded database only after; enableShutdownHooks() would run the same
  // app.close() hooks, then re-raise the signal and end the process. npm forwards Ctrl-C's SIGINT
  // too, so only the first signal counts.
  let stopping = false;
  const shutdown = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${reason}: shutting down`);
    try {
      await traffic.stop();
      await summary.stop();
      // JobsModule stops fetching, lets running jobs finish (shutdownTimeoutMs), closes its pool.
      await app.close();
      if (database) {
        await database.stop();
        logger.log('embedded PostgreSQL stopped');
      }
    } catch (error) {
      logger.error(`shutdown failed: ${error instanceof Error ? error.stack : String(error)}`);
      process.exit(1);
    }
    logger.log(`stopped cleanly after ${since()}`);
    // Nothing should keep the process alive now; if something does, say so rather than hang.
    setTimeout(() => {
      logger.error('still running 10 s after shutdown: something holds the event loop');
      process.exit(1);
    }, 10_000).unref();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void shutdown(signal));

  const exitAfterMs = Number(process.env.SAMPLE_EXIT_AFTER_MS);
  if (exitAfterMs > 0) {
    setTimeout(() => void shutdown(`SAMPLE_EXIT_AFTER_MS=${exitAfterMs} elapsed`), exitAfterMs).unref();
  }
}

bootstrap().catch((error: unknown) => {
  new Logger('Sample').error(`could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
