import type { JobsDb } from '../interfaces/send-options.interface.js';
import { rowsOf, valuesOrUndefined } from './sql-result.util.js';

/**
 * The part of a TypeORM `QueryRunner` the adapter uses (structural: this package does not import
 * TypeORM, not even its types).
 *
 * @example
 * const runner: TypeOrmQueryRunnerLike = dataSource.createQueryRunner();
 */
export interface TypeOrmQueryRunnerLike {
  query(query: string, parameters?: unknown[], useStructuredResult?: true): Promise<{ records?: unknown[] }>;
  /** The driver's connection; for the `postgres` driver a node-postgres client. */
  connect(): Promise<unknown>;
  release(): Promise<void>;
}

/**
 * The part of a TypeORM `EntityManager` the adapter uses.
 *
 * @example
 * await dataSource.transaction(async (manager: TypeOrmEntityManagerLike) => { ... });
 */
export interface TypeOrmEntityManagerLike {
  readonly queryRunner?: TypeOrmQueryRunnerLike;
  readonly dataSource: { createQueryRunner(): TypeOrmQueryRunnerLike };
}

/**
 * Wraps a TypeORM `EntityManager` or `QueryRunner` so a job is inserted in its transaction: the
 * job exists only if the transaction commits, and workers are woken only then. Pass the manager
 * `dataSource.transaction()` hands to its callback (its query runner holds the transaction), or a
 * `QueryRunner` on which you called `startTransaction()`.
 *
 * A manager outside any transaction (such as `dataSource.manager`) gets a query runner of its own
 * for each statement, released afterwards: the job is then committed at once, as without `db`.
 *
 * @example
 * await dataSource.transaction(async (manager) => {
 *   const user = await manager.save(User, { email });
 *   await jobs.send(WelcomeEmail, { userId: user.id }, { db: fromTypeOrm(manager) });
 * });
 */
export function fromTypeOrm(managerOrQueryRunner: TypeOrmEntityManagerLike | TypeOrmQueryRunnerLike): JobsDb {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (isQueryRunner(managerOrQueryRunner)) return { rows: await run(managerOrQueryRunner, text, values) };
      if (managerOrQueryRunner.queryRunner) return { rows: await run(managerOrQueryRunner.queryRunner, text, values) };
      // Not in a transaction: borrow a connection for this statement only.
      const runner = managerOrQueryRunner.dataSource.createQueryRunner();
      try {
        return { rows: await run(runner, text, values) };
      } finally {
        await runner.release();
      }
    },
  };
}

async function run(runner: TypeOrmQueryRunnerLike, text: string, values: unknown[] | undefined): Promise<unknown[]> {
  const parameters = valuesOrUndefined(values);
  if (parameters) {
    // The structured result keeps INSERT ... RETURNING rows, which the default result drops.
    return (await runner.query(text, parameters, true)).records ?? [];
  }
  // Without parameters pg-boss may send several statements at once (flow() does). TypeORM's
  // QueryResult reads `rows` off the driver's result, which for a script is an array of results,
  // so every row would be lost; the driver connection (the same one, inside the same transaction)
  // returns them all.
  const connection = (await runner.connect()) as { query?: (text: string) => Promise<unknown> };
  if (typeof connection?.query === 'function') return rowsOf(await connection.query(text));
  return (await runner.query(text, undefined, true)).records ?? [];
}

// Both have query() and release(); only a query runner has connect().
function isQueryRunner(value: TypeOrmEntityManagerLike | TypeOrmQueryRunnerLike): value is TypeOrmQueryRunnerLike {
  return typeof (value as Partial<TypeOrmQueryRunnerLike>).connect === 'function';
}
