import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { Module, type DynamicModule, type INestApplicationContext, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll } from '@jest/globals';
import pg from 'pg';
import { JobsModule, type JobsModuleOptions } from '../../lib/index.js';

export const databaseUrl = (): string => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the e2e suites through jest (global-setup starts PostgreSQL)');
  return url;
};

/** A fresh pg-boss schema name, so every spec file (and app) works in isolation. */
export const uniqueSchema = (prefix: string): string =>
  `t_${prefix}_${randomUUID().replaceAll('-', '').slice(0, 10)}`.toLowerCase();

@Module({})
class TestAppModule {}

/** Options of {@link createApp}. */
export interface TestAppOptions {
  providers?: Provider[];
  imports?: DynamicModule['imports'];
  jobs?: Partial<JobsModuleOptions>;
  /** Skip `init()`: for tests that expect bootstrap to fail. */
  init?: boolean;
}

/**
 * Builds a Nest application context with `JobsModule.forRoot` on the test database. Fast polling
 * and no start retries unless the test asks otherwise.
 */
export async function createApp(schema: string, options: TestAppOptions = {}): Promise<INestApplicationContext> {
  const dynamic: DynamicModule = {
    module: TestAppModule,
    imports: [
      JobsModule.forRoot({
        connectionString: databaseUrl(),
        schema,
        logger: false,
        startAttempts: 1,
        ...options.jobs,
      }),
      ...(options.imports ?? []),
    ],
    providers: options.providers ?? [],
  };
  const app = await NestFactory.createApplicationContext(dynamic, { logger: false, abortOnError: false, preview: options.init === false });
  track(app);
  return app;
}

const openApps = new Set<INestApplicationContext>();

/**
 * Registers an app to be closed after the spec file's tests, so a failing assertion that skips a
 * test's own `app.close()` cannot leave pg-boss timers running and keep Jest from exiting.
 */
export function track<T extends INestApplicationContext>(app: T): T {
  openApps.add(app);
  const close = app.close.bind(app);
  app.close = async (...args: Parameters<T['close']>) => {
    openApps.delete(app);
    await close(...(args as []));
  };
  return app;
}

/**
 * The error a start that must fail failed with, or an Error saying it did not fail (then its app is
 * tracked, so it is closed after the file's tests).
 */
export function bootstrapError(starting: Promise<INestApplicationContext>): Promise<Error> {
  return starting.then(
    (app) => {
      track(app);
      return new Error('bootstrap should have failed');
    },
    (error: unknown) => error as Error,
  );
}

/** Everything an error could print (message, stack, every cause, util.inspect) after the log lines, one text. */
export function printedText(lines: readonly string[], error: Error): string {
  const texts = [...lines, inspect(error, { depth: 10 })];
  for (let e: unknown = error; e instanceof Error; e = e.cause) texts.push(e.message, e.stack ?? '');
  return texts.join('\n');
}

afterAll(async () => {
  await Promise.allSettled([...openApps].map((app) => app.close()));
});

export { waitFor } from './wait-for.js';

/** A promise resolved from outside, for handlers that must wait for the test. */
export function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** Resolves with the abort reason once `signal` aborts: a handler that only ends when told to. */
export function untilAborted(signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return Promise.resolve(signal.reason);
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason), { once: true }));
}

/** Runs SQL on the test database with a short-lived client. */
export async function sql<R extends Record<string, unknown> = Record<string, unknown>>(
  text: string,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}

/** Drops a test schema. */
export async function dropSchema(schema: string): Promise<void> {
  await sql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/**
 * For spec files that need several schemas: returns a factory of fresh schema names, all dropped
 * after the file's tests.
 */
export function schemasDroppedAfterAll(): (prefix: string) => string {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });
  return (prefix) => {
    const schema = uniqueSchema(prefix);
    schemas.push(schema);
    return schema;
  };
}
