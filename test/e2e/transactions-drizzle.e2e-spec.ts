import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import { pgSchema, serial, text } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { fromDrizzle } from '../../lib/index.js';
import { databaseUrl } from '../support/e2e.js';
import { describeTransactionalEnqueue } from '../support/transactions.js';

describeTransactionalEnqueue('Drizzle (fromDrizzle)', {
  prefix: 'tx_drizzle',
  scripts: 'all-rows',
  async harness(appSchema) {
    const users = pgSchema(appSchema).table('users', {
      id: serial('id').primaryKey(),
      email: text('email').notNull().unique(),
    });
    const pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
    const db = drizzle(pool);
    return {
      inTransaction: (email, work) =>
        db.transaction(async (tx) => {
          const [user] = await tx.insert(users).values({ email }).returning({ id: users.id });
          return work(fromDrizzle(tx, sql), user!.id);
        }),
      close: () => pool.end(),
    };
  },
});
