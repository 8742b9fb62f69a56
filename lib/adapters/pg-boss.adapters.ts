import {
  fromDrizzle as pgBossFromDrizzle,
  fromKnex as pgBossFromKnex,
  fromKysely as pgBossFromKysely,
  fromPrisma as pgBossFromPrisma,
} from 'pg-boss';

// pg-boss's own adapters, re-exported unchanged so applications import every adapter from
// nest-pg-jobs. Constants rather than `export { } from` only to carry the documentation and examples
// pg-boss's type declarations lack.

/**
 * pg-boss's adapter for a Knex transaction (`knex.transaction(async (trx) => …)`): the job is
 * inserted in `trx` and exists only if it commits.
 *
 * @example
 * await knex.transaction(async (trx) => {
 *   const [user] = await trx('users').insert({ email }).returning('id');
 *   await jobs.send(WelcomeEmail, { userId: user.id }, { db: fromKnex(trx) });
 * });
 */
export const fromKnex: typeof pgBossFromKnex = pgBossFromKnex;

/**
 * pg-boss's adapter for a Kysely transaction (`db.transaction().execute(async (trx) => …)`): the
 * job is inserted in `trx` and exists only if it commits.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   const user = await trx.insertInto('users').values({ email }).returning('id').executeTakeFirstOrThrow();
 *   await jobs.send(WelcomeEmail, { userId: user.id }, { db: fromKysely(trx) });
 * });
 */
export const fromKysely: typeof pgBossFromKysely = pgBossFromKysely;

/**
 * pg-boss's adapter for a Drizzle transaction. Pass drizzle's `sql` tag as the second argument
 * (pg-boss builds parameterised queries with it, so it needs no runtime dependency on drizzle).
 *
 * @example
 * import { sql } from 'drizzle-orm';
 *
 * await db.transaction(async (tx) => {
 *   const [user] = await tx.insert(users).values({ email }).returning({ id: users.id });
 *   await jobs.send(WelcomeEmail, { userId: user.id }, { db: fromDrizzle(tx, sql) });
 * });
 */
export const fromDrizzle: typeof pgBossFromDrizzle = pgBossFromDrizzle;

/**
 * pg-boss's adapter for a Prisma interactive transaction (`prisma.$transaction(async (tx) => …)`):
 * the job is inserted in `tx` and exists only if it commits.
 *
 * @example
 * await prisma.$transaction(async (tx) => {
 *   const user = await tx.user.create({ data: { email } });
 *   await jobs.send(WelcomeEmail, { userId: user.id }, { db: fromPrisma(tx) });
 * });
 */
export const fromPrisma: typeof pgBossFromPrisma = pgBossFromPrisma;
