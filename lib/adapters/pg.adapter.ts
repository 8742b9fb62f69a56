import type { JobsDb } from '../interfaces/send-options.interface.js';
import { rowsOf, valuesOrUndefined } from './sql-result.util.js';

/**
 * The part of a node-postgres `Client` or `PoolClient` the adapter uses. Structural, so this
 * package does not depend on `pg`'s types.
 *
 * @example
 * const client: PgClientLike = await pool.connect(); // a pg.PoolClient fits
 */
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * Wraps a node-postgres client on which the application opened a transaction (`BEGIN`), so a job
 * is inserted in that transaction: it exists only if the transaction commits, and workers are
 * woken only then. Use the same client for the business writes; a different pool connection would
 * be a different transaction.
 *
 * The application owns the client: the adapter never runs `BEGIN`, `COMMIT` or `release()`.
 *
 * @example
 * const client = await pool.connect();
 * try {
 *   await client.query('BEGIN');
 *   const { rows: [user] } = await client.query('INSERT INTO users (email) VALUES ($1) RETURNING id', [email]);
 *   await jobs.send(WelcomeEmail, { userId: user.id }, { db: fromPg(client) });
 *   await client.query('COMMIT');
 * } catch (error) {
 *   await client.query('ROLLBACK');
 *   throw error;
 * } finally {
 *   client.release();
 * }
 */
export function fromPg(client: PgClientLike): JobsDb {
  return {
    async executeSql(text: string, values?: unknown[]) {
      return { rows: rowsOf(await client.query(text, valuesOrUndefined(values))) };
    },
  };
}
