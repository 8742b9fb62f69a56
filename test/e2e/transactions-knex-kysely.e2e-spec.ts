import knex from 'knex';
import { Kysely, PostgresDialect, type Generated } from 'kysely';
import pg from 'pg';
import { fromKnex, fromKysely } from '../../lib/index.js';
import { databaseUrl } from '../support/e2e.js';
import { describeTransactionalEnqueue } from '../support/transactions.js';

describeTransactionalEnqueue('Knex (fromKnex)', {
  prefix: 'tx_knex',
  scripts: 'all-rows',
  async harness(appSchema) {
    const db = knex({ client: 'pg', connection: databaseUrl(), pool: { min: 0, max: 2 } });
    return {
      inTransaction: (email, work) =>
        db.transaction(async (trx) => {
          const [user] = await trx.withSchema(appSchema).table('users').insert({ email }).returning('id');
          return work(fromKnex(trx), user.id);
        }),
      close: () => db.destroy(),
    };
  },
});

interface Database {
  users: { id: Generated<number>; email: string };
}

describeTransactionalEnqueue('Kysely (fromKysely)', {
  prefix: 'tx_kysely',
  // Kysely's PostgreSQL driver reads `rows` off node-postgres's result, which for a script is an
  // array of results: the rows of a multi-statement script are dropped.
  scripts: 'no-rows',
  async harness(appSchema) {
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(), max: 2 }) }),
    });
    return {
      inTransaction: (email, work) =>
        db.transaction().execute(async (trx) => {
          const user = await trx.withSchema(appSchema).insertInto('users').values({ email }).returning('id').executeTakeFirstOrThrow();
          return work(fromKysely(trx), user.id);
        }),
      close: () => db.destroy(),
    };
  },
});
