import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import pg from 'pg';

export interface User {
  id: string;
  email: string;
  createdAt: Date;
}

/**
 * The users table, in the same PostgreSQL as the jobs, through a node-postgres pool of its own (a
 * real app would use its ORM here; see docs/transactions.md for TypeORM, MikroORM, Prisma, Drizzle).
 */
@Injectable()
export class UsersRepository implements OnModuleInit, OnApplicationShutdown {
  private readonly pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 5 });

  async onModuleInit() {
    // DEFERRABLE INITIALLY DEFERRED: the unique e-mail is checked at COMMIT, after the welcome
    // e-mail job was inserted in the same transaction. A duplicate sign-up therefore shows the
    // guarantee: the failed COMMIT takes the job with it, and no second e-mail goes out.
    await this.pool.query(`
      CREATE TABLE IF NOT EXISTS sample_users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sample_users_email_key UNIQUE (email) DEFERRABLE INITIALLY DEFERRED
      )`);
  }

  /**
   * Runs `work` in a transaction on one pooled client: COMMIT when it resolves, ROLLBACK when it
   * (or the COMMIT) throws.
   */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // After a failed COMMIT the transaction is already gone; ROLLBACK then only warns.
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async insert(client: pg.PoolClient, user: User): Promise<void> {
    await client.query('INSERT INTO sample_users (id, email, created_at) VALUES ($1, $2, $3)', [
      user.id,
      user.email,
      user.createdAt,
    ]);
  }

  async list(): Promise<User[]> {
    const { rows } = await this.pool.query<User>(
      'SELECT id, email, created_at AS "createdAt" FROM sample_users ORDER BY created_at',
    );
    return rows;
  }

  // onApplicationShutdown, not onModuleDestroy: JobsModule drains running jobs in its own
  // onModuleDestroy, which Nest runs after this module's, and those jobs may still need the users.
  async onApplicationShutdown() {
    await this.pool.end();
  }
}

/** PostgreSQL's unique_violation. */
export const isUniqueViolation = (error: unknown): boolean => (error as { code?: string })?.code === '23505';
