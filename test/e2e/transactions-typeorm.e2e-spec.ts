import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { defineJob, fromTypeOrm, JobHandler, JobsService, type Job } from '../../lib/index.js';
import { createApp, databaseUrl, dropSchema, sql, uniqueSchema, waitFor } from '../support/e2e.js';
import { createUsersTable, describeTransactionalEnqueue } from '../support/transactions.js';

// The entity needs its schema when the decorators run: one per file, created before the DataSource.
const appSchema = uniqueSchema('tx_typeorm_entity');

@Entity({ name: 'users', schema: appSchema })
class User {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text', unique: true })
  email!: string;
}

const newDataSource = () =>
  new DataSource({ type: 'postgres', url: databaseUrl(), entities: [User], poolSize: 2 }).initialize();

describeTransactionalEnqueue('TypeORM (fromTypeOrm)', {
  prefix: 'tx_typeorm',
  scripts: 'all-rows',
  async harness(suiteSchema) {
    const dataSource = await newDataSource();
    return {
      inTransaction: (email, work) =>
        dataSource.transaction(async (manager) => {
          // The suite's own table, through the transaction's query runner.
          const [row] = await manager.query(`INSERT INTO "${suiteSchema}".users (email) VALUES ($1) RETURNING id`, [email]);
          return work(fromTypeOrm(manager), row.id);
        }),
      close: () => dataSource.destroy(),
    };
  },
});

const WelcomeEmail = defineJob<{ userId: number }>('welcome-email');

@Injectable()
class EmailJobs {
  readonly welcomed: number[] = [];

  @JobHandler(WelcomeEmail)
  async welcome(job: Job<{ userId: number }>) {
    this.welcomed.push(job.data.userId);
  }
}

describe('fromTypeOrm with entities, query runners and no transaction', () => {
  const schema = uniqueSchema('tx_typeorm_readme');
  let app: INestApplicationContext;
  let jobs: JobsService;
  let dataSource: DataSource;

  beforeAll(async () => {
    await createUsersTable(appSchema);
    app = await createApp(schema, { providers: [EmailJobs] });
    jobs = app.get(JobsService);
    dataSource = await newDataSource();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await app?.close();
    await dropSchema(schema);
    await dropSchema(appSchema);
  });

  // The README's "Transactional enqueue" example, verbatim.
  it('saves the entity and sends the job in one dataSource.transaction (the README example)', async () => {
    const email = 'ada@example.com';
    await dataSource.transaction(async (manager) => {
      const user = await manager.save(User, { email });
      await jobs.send(WelcomeEmail, { userId: user.id }, { db: fromTypeOrm(manager) });
    });
    const [user] = await sql<{ id: number }>(`SELECT id FROM "${appSchema}".users WHERE email = $1`, [email]);
    await waitFor(() => app.get(EmailJobs).welcomed.includes(user!.id), { message: 'the welcome e-mail job' });
  });

  it('rolls the entity and the job back together when the transaction callback throws', async () => {
    const email = 'bob@example.com';
    let id: string | null = null;
    await expect(
      dataSource.transaction(async (manager) => {
        const user = await manager.save(User, { email });
        id = await jobs.send(WelcomeEmail, { userId: user.id }, { db: fromTypeOrm(manager) });
        throw new Error('payment declined');
      }),
    ).rejects.toThrow('payment declined');
    expect(await sql(`SELECT 1 FROM "${appSchema}".users WHERE email = $1`, [email])).toEqual([]);
    expect(await jobs.getJob(WelcomeEmail, id!)).toBeNull();
  });

  it('enqueues through a QueryRunner the app started a transaction on', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let id: string | null;
    try {
      const user = await runner.manager.save(User, { email: 'cy@example.com' });
      id = await jobs.send(WelcomeEmail, { userId: user.id }, { db: fromTypeOrm(runner) });
      // Not visible outside the transaction before the commit.
      expect(await jobs.getJob(WelcomeEmail, id!)).toBeNull();
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect((await jobs.getJob(WelcomeEmail, id!))?.id).toBe(id);
  });

  it('commits at once through a manager outside any transaction, releasing the connection it borrowed', async () => {
    const id = await jobs.send(WelcomeEmail, { userId: -1 }, { db: fromTypeOrm(dataSource.manager) });
    expect((await jobs.getJob(WelcomeEmail, id!))?.id).toBe(id);
    const pool = (dataSource.driver as unknown as { master: { totalCount: number; idleCount: number } }).master;
    expect(pool.idleCount).toBe(pool.totalCount);
  });
});
