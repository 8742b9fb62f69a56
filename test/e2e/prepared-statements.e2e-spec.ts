import type { INestApplicationContext } from '@nestjs/common';
import { afterEach, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { defineJob, fromPg, JobsService } from '../../lib/index.js';
import { createApp, databaseUrl, schemasDroppedAfterAll, sql } from '../support/e2e.js';

const Mail = defineJob<{ n: number }>('prepared-mail');

/** The named statements the pool's only connection holds (`max: 1`, so every query sees the same session). */
async function namedStatements(jobs: JobsService): Promise<Array<{ name: string; statement: string }>> {
  const { rows } = await jobs.boss
    .getDb()
    .executeSql(`SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'npj\\_%'`);
  return rows as Array<{ name: string; statement: string }>;
}

describe('sends run as named (prepared) statements', () => {
  const schema = schemasDroppedAfterAll();
  let app: INestApplicationContext | undefined;
  afterEach(() => app?.close());

  const start = async (s: string, preparedStatements?: boolean) => {
    app = await createApp(s, {
      jobs: {
        connectionString: undefined,
        connection: { connectionString: databaseUrl(), max: 1 },
        workers: false,
        queues: [Mail],
        ...(preparedStatements === undefined ? {} : { preparedStatements }),
      },
    });
    return app.get(JobsService);
  };

  it('prepares the insert once per connection and reuses it for send and sendMany', async () => {
    const s = schema('prepared');
    const jobs = await start(s);
    const first = await jobs.send(Mail, { n: 1 });
    const second = await jobs.send(Mail, { n: 2 });
    await jobs.sendMany(Mail, [{ data: { n: 3 } }, { data: { n: 4 } }]);

    const named = await namedStatements(jobs);
    expect(named).toHaveLength(1);
    expect(named[0]!.statement).toContain(`INSERT INTO ${s}.`);
    expect(named[0]!.statement).toContain(`'prepared-mail' as name`);
    const rows = await sql<{ id: string; n: number }>(`SELECT id, (data->>'n')::int AS n FROM "${s}".job ORDER BY n`);
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3, 4]);
    expect(rows.slice(0, 2).map((r) => r.id)).toEqual([first, second]);
  });

  it('keeps pg-boss unnamed statements with preparedStatements: false', async () => {
    const s = schema('unnamed');
    const jobs = await start(s, false);
    await jobs.send(Mail, { n: 1 });
    await jobs.sendMany(Mail, [{ data: { n: 2 } }]);
    expect(await namedStatements(jobs)).toEqual([]);
    expect(await sql(`SELECT 1 FROM "${s}".job`)).toHaveLength(2);
  });

  it("runs a send with the application's own db in that transaction, not on the pool", async () => {
    const s = schema('tx');
    const jobs = await start(s);
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    try {
      await client.query('BEGIN');
      await jobs.send(Mail, { n: 1 }, { db: fromPg(client) });
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
    expect(await sql(`SELECT 1 FROM "${s}".job`)).toHaveLength(0);
    expect(await namedStatements(jobs)).toEqual([]);
  });
});
