import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { defineJob, flowStep, JobHandler, JobsService, type Job, type JobsDb } from '../../lib/index.js';
import { createApp, databaseUrl, dropSchema, sql, uniqueSchema, waitFor } from './e2e.js';

export interface WelcomeEmailData {
  userId: number;
  email: string;
}

export const WelcomeEmail = defineJob<WelcomeEmailData>('welcome-email', { retryLimit: 0 });
/** Second step of the flow in the shared suite; it waits on WelcomeEmail, so it is never fetched there. */
export const CrmSync = defineJob<{ email: string }>('crm-sync', { retryLimit: 0 });

/** Records every welcome e-mail it handles. */
@Injectable()
export class WelcomeJobs {
  readonly handled: WelcomeEmailData[] = [];

  @JobHandler(WelcomeEmail)
  async welcome(job: Job<WelcomeEmailData>) {
    this.handled.push(job.data);
  }

  @JobHandler(CrmSync)
  async crm() {}

  sawEmail(email: string): boolean {
    return this.handled.some((data) => data.email === email);
  }
}

/**
 * One ORM's way into a transaction, for {@link describeTransactionalEnqueue}. Each spec file builds
 * one on a users table of its own (`${appSchema}.users (id serial, email text unique)`).
 */
export interface TransactionHarness {
  /**
   * Opens a transaction through the ORM, inserts a user with `email` through the ORM, then calls
   * `work` with the library's adapter for that transaction. Commits when `work` resolves, rolls back
   * when it throws (rethrowing). Resolves with `work`'s result.
   */
  inTransaction<T>(email: string, work: (db: JobsDb, userId: number) => Promise<T>): Promise<T>;
  /** The adapter on the ORM's handle outside any transaction, for adapters that accept one. */
  outsideTransaction?(): JobsDb;
  close(): Promise<void>;
}

export interface TransactionSuiteOptions {
  /** Prefix of the pg-boss schema and of the app's schema (`<schema>_app`). */
  prefix: string;
  /** Builds the harness; the app's schema exists, with its users table, when this runs. */
  harness(appSchema: string): Promise<TransactionHarness>;
  /**
   * What the adapter does with a parameterless multi-statement script (pg-boss's flow() sends one):
   * returns every statement's rows, returns none (Kysely's driver, and so MikroORM's, keeps one
   * result), or rejects after the server ran it (Prisma's adapter-pg reads one result's fields).
   */
  scripts: 'all-rows' | 'no-rows' | 'rejected';
  /** Also test the adapter outside any transaction (the harness implements `outsideTransaction`). */
  outsideTransaction?: boolean;
}

/** Creates `${appSchema}.users`, the business table the suite writes next to its jobs. */
export async function createUsersTable(appSchema: string): Promise<void> {
  await sql(`CREATE SCHEMA IF NOT EXISTS "${appSchema}"`);
  await sql(`CREATE TABLE "${appSchema}".users (id serial PRIMARY KEY, email text NOT NULL UNIQUE)`);
}

class Rollback extends Error {}

/**
 * The transactional-enqueue contract, run against one ORM: a job sent with `{ db }` commits and
 * rolls back with the business row, and workers are woken only on commit.
 */
export function describeTransactionalEnqueue(orm: string, options: TransactionSuiteOptions): void {
  describe(`transactional enqueue with ${orm}`, () => {
    const schema = uniqueSchema(options.prefix);
    const appSchema = `${schema}_app`;
    let app: INestApplicationContext;
    let jobs: JobsService;
    let handler: WelcomeJobs;
    let harness: TransactionHarness;
    let listener: pg.Client;
    const notifications: string[] = [];
    let emailCount = 0;
    const nextEmail = () => `user${++emailCount}@${options.prefix}.example`;

    const userExists = async (email: string) =>
      (await sql(`SELECT 1 FROM "${appSchema}".users WHERE email = $1`, [email])).length === 1;

    /** Sends a job outside any transaction and waits until the handler ran it: the worker is live. */
    const processSentinel = async () => {
      const email = `sentinel${++emailCount}@${options.prefix}.example`;
      await jobs.send(WelcomeEmail, { userId: 0, email });
      await waitFor(() => handler.sawEmail(email), { message: `the sentinel job ${email}` });
    };

    beforeAll(async () => {
      await createUsersTable(appSchema);
      app = await createApp(schema, { providers: [WelcomeJobs] });
      jobs = app.get(JobsService);
      handler = app.get(WelcomeJobs);
      harness = await options.harness(appSchema);
      listener = new pg.Client({ connectionString: databaseUrl() });
      await listener.connect();
      // The channel pg-boss notifies on for this schema: notifyChannelSql() in pg-boss's plans.js.
      const { rows } = await listener.query<{ channel: string }>(
        `SELECT 'pgboss_' || left(encode(sha224($1::bytea), 'hex'), 24) AS channel`,
        [schema],
      );
      await listener.query(`LISTEN "${rows[0]!.channel}"`);
      listener.on('notification', (message) => notifications.push(message.payload ?? ''));
    });
    afterAll(async () => {
      await listener?.end();
      await harness?.close();
      await app?.close();
      await dropSchema(schema);
      await dropSchema(appSchema);
    });

    it('commits the job with the transaction: the user row exists and the handler runs the job', async () => {
      const email = nextEmail();
      const id = await harness.inTransaction(email, (db, userId) => jobs.send(WelcomeEmail, { userId, email }, { db }));
      expect(id).toEqual(expect.any(String));
      expect(await userExists(email)).toBe(true);
      await waitFor(async () => (await jobs.getJob(WelcomeEmail, id!))?.state === 'completed', {
        message: 'the committed job to complete',
      });
      expect(handler.handled).toContainEqual({ userId: expect.any(Number), email });
    });

    it('rolls the job back with the transaction: no user row, no job, and the handler never runs it', async () => {
      const email = nextEmail();
      let id: string | null = null;
      await expect(
        harness.inTransaction(email, async (db, userId) => {
          id = await jobs.send(WelcomeEmail, { userId, email }, { db });
          throw new Rollback('signup failed after the job was sent');
        }),
      ).rejects.toThrow('signup failed after the job was sent');
      expect(id).toEqual(expect.any(String));
      expect(await userExists(email)).toBe(false);
      expect(await jobs.getJob(WelcomeEmail, id!)).toBeNull();
      expect(await jobs.findJobs(WelcomeEmail, { data: { email } })).toEqual([]);
      // A job sent after the rollback is processed, and the rolled-back one never was.
      await processSentinel();
      expect(handler.sawEmail(email)).toBe(false);
    });

    it('wakes workers only on commit: no NOTIFY before COMMIT, one after', async () => {
      const email = nextEmail();
      // Drain anything earlier tests' jobs sent: a round trip delivers pending notifications first.
      await listener.query('SELECT 1');
      notifications.length = 0;
      let afterCommit!: Promise<string>;
      await harness.inTransaction(email, async (db, userId) => {
        await jobs.send(WelcomeEmail, { userId, email }, { db });
        await listener.query('SELECT 1');
        expect(notifications).toEqual([]);
        afterCommit = new Promise((resolve) =>
          listener.once('notification', (message) => resolve(message.payload ?? '')),
        );
      });
      expect(await afterCommit).toBe(WelcomeEmail.name);
      await waitFor(() => handler.sawEmail(email), { message: 'the woken worker to run the job' });
    });

    it('sendMany in the transaction: every job commits with it, and none exists after a rollback', async () => {
      const committed = nextEmail();
      const ids = await harness.inTransaction(committed, (db, userId) =>
        jobs.sendMany(WelcomeEmail, [{ data: { userId, email: committed } }, { data: { userId, email: `${committed}.copy` } }], { db }),
      );
      expect(ids).toHaveLength(2);
      await waitFor(() => handler.sawEmail(committed) && handler.sawEmail(`${committed}.copy`), {
        message: 'both committed jobs',
      });

      const rolledBack = nextEmail();
      let rolledBackIds: string[] = [];
      await expect(
        harness.inTransaction(rolledBack, async (db, userId) => {
          rolledBackIds = await jobs.sendMany(WelcomeEmail, [{ data: { userId, email: rolledBack } }], { db });
          throw new Rollback('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(rolledBackIds).toHaveLength(1);
      expect(await jobs.getJob(WelcomeEmail, rolledBackIds[0]!)).toBeNull();
      expect(await userExists(rolledBack)).toBe(false);
    });

    if (options.scripts === 'rejected') {
      it('rejects flow() (one multi-statement script) though its statements ran: the app must roll back', async () => {
        const email = nextEmail();
        const { table } = (await jobs.getQueue(WelcomeEmail))!;
        const flowError = await harness
          .inTransaction(email, async (db, userId) => {
            const error = await jobs
              .flow([flowStep('welcome', WelcomeEmail, { userId, email })], { db })
              .then(() => null, (caught: unknown) => caught);
            // The driver failed reading the script's results, after the server had run it.
            const { rows } = await db.executeSql(
              `SELECT count(*)::int AS n FROM "${schema}"."${table}" WHERE data->>'email' = $1`,
              [email],
            );
            expect(rows[0].n).toBe(1);
            throw error;
          })
          .then(() => null, (caught: unknown) => caught);
        expect(flowError).toBeInstanceOf(Error);
        expect(await jobs.findJobs(WelcomeEmail, { data: { email } })).toEqual([]);
        expect(await userExists(email)).toBe(false);
      });
    } else {
      it('flow in the transaction (one multi-statement script): its jobs commit with it, and none exists after a rollback', async () => {
        const committed = nextEmail();
        const ids = await harness.inTransaction(committed, (db, userId) =>
          jobs.flow(
            [
              flowStep('welcome', WelcomeEmail, { userId, email: committed }),
              flowStep('crm', CrmSync, { email: committed }, { dependsOn: ['welcome'] }),
            ],
            { db },
          ),
        );
        await waitFor(() => handler.sawEmail(committed), { message: 'the flow root to run' });
        expect((await jobs.getJob(CrmSync, ids.crm!))?.id).toBe(ids.crm);

        const rolledBack = nextEmail();
        let rolledBackIds: Record<string, string> = {};
        await expect(
          harness.inTransaction(rolledBack, async (db, userId) => {
            rolledBackIds = await jobs.flow(
              [
                flowStep('welcome', WelcomeEmail, { userId, email: rolledBack }),
                flowStep('crm', CrmSync, { email: rolledBack }, { dependsOn: ['welcome'] }),
              ],
              { db },
            );
            throw new Rollback('rolled back');
          }),
        ).rejects.toThrow('rolled back');
        expect(await jobs.getJob(WelcomeEmail, rolledBackIds.welcome!)).toBeNull();
        expect(await jobs.getJob(CrmSync, rolledBackIds.crm!)).toBeNull();
        expect(await userExists(rolledBack)).toBe(false);
      });
    }

    if (options.outsideTransaction) {
      it('commits at once through the adapter outside any transaction', async () => {
        const email = nextEmail();
        const id = await jobs.send(WelcomeEmail, { userId: 0, email }, { db: harness.outsideTransaction!() });
        expect((await jobs.getJob(WelcomeEmail, id!))?.id).toBe(id);
        await waitFor(() => handler.sawEmail(email), { message: 'the job sent outside a transaction' });
      });
    }

    const script = 'SELECT 1 AS n; SELECT 2 AS n';
    if (options.scripts === 'rejected') {
      it('rejects a parameterless multi-statement script', async () => {
        await expect(
          harness.inTransaction(nextEmail(), (db) => db.executeSql(script)),
        ).rejects.toThrow(TypeError);
      });
    } else {
      it(`returns ${options.scripts === 'all-rows' ? "every statement's rows" : 'no rows'} for a parameterless multi-statement script`, async () => {
        const rows = await harness.inTransaction(nextEmail(), async (db) => (await db.executeSql(script)).rows);
        expect(rows).toEqual(options.scripts === 'all-rows' ? [{ n: 1 }, { n: 2 }] : []);
      });
    }
  });
}
