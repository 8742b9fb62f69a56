import pg from 'pg';
import { fromPg } from '../../lib/index.js';
import { databaseUrl } from '../support/e2e.js';
import { describeTransactionalEnqueue } from '../support/transactions.js';

describeTransactionalEnqueue('node-postgres (fromPg)', {
  prefix: 'tx_pg',
  scripts: 'all-rows',
  async harness(appSchema) {
    const pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 });
    return {
      async inTransaction(email, work) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query(`INSERT INTO "${appSchema}".users (email) VALUES ($1) RETURNING id`, [email]);
          const result = await work(fromPg(client), rows[0].id);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        } finally {
          client.release();
        }
      },
      close: () => pool.end(),
    };
  },
});
