import { fromKysely } from 'pg-boss';
import type { JobsDb } from '../interfaces/send-options.interface.js';

/** What pg-boss's `fromKysely` calls: a Kysely instance or transaction. */
type KyselyLike = Parameters<typeof fromKysely>[0];

/**
 * The part of a MikroORM 7 `EntityManager` (`@mikro-orm/postgresql`) the adapter uses (structural:
 * this package does not import MikroORM, not even its types).
 *
 * @example
 * await orm.em.transactional(async (em: MikroOrmEntityManagerLike) => { ... });
 */
export interface MikroOrmEntityManagerLike {
  /** Inside `em.transactional()`, MikroORM 7's transaction: a Kysely `Transaction`. */
  getTransactionContext(): unknown;
  getConnection(): { getClient(): unknown };
}

/**
 * Wraps a MikroORM 7 `EntityManager` so a job is inserted in its current transaction: the job
 * exists only if the transaction commits (MikroORM flushes pending entities before the commit), and
 * workers are woken only then. Pass the fork `em.transactional()` hands to its callback.
 *
 * MikroORM 7 runs SQL through Kysely: its transaction context is a Kysely `Transaction`, which
 * binds pg-boss's `$1` parameters as real parameters, so this is pg-boss's `fromKysely` on that
 * context. (`em.execute()` would not do: it inlines `?` parameters into the SQL text.) Outside a
 * transaction it uses MikroORM's Kysely instance, and the job is committed at once. For MikroORM 6,
 * which runs on Knex, use `fromKnex(em.getTransactionContext() ?? em.getKnex())`.
 *
 * @example
 * await orm.em.transactional(async (em) => {
 *   const user = em.create(User, { email });
 *   await em.flush();
 *   await jobs.send(WelcomeEmail, { userId: user.id }, { db: fromMikroOrm(em) });
 * });
 */
export function fromMikroOrm(em: MikroOrmEntityManagerLike): JobsDb {
  return {
    executeSql(text: string, values?: unknown[]) {
      const context = (em.getTransactionContext() ?? em.getConnection().getClient()) as KyselyLike;
      return fromKysely(context).executeSql(text, values);
    },
  };
}
