import { createHash } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import type { JobsDb } from '../../interfaces/send-options.interface.js';

/**
 * A pg-boss `db` that runs each statement as a named (prepared) statement on pg-boss's own pool.
 *
 * pg-boss sends every statement as unnamed, so PostgreSQL parses and plans its ~3 KB insert
 * statement on every `send`: about 1 ms of a 2 ms send on a small machine (`node perf/latency.mjs
 * --prepared`). A named statement is parsed once per connection and reused. The module passes this
 * `db` to pg-boss's `send` and `insert` for sends that carry no `db` of their own, so the texts it
 * names are pg-boss's insert statements: one per queue, a bounded set.
 *
 * Only for a PgBoss the module built on pg-boss's own pool (the `pg` driver, which accepts a
 * `{ name, text, values }` query); turned off with the module option `preparedStatements: false`
 * (needed behind PgBouncer in transaction mode before 1.21, or without `max_prepared_statements`).
 */
export function namedStatementsDb(boss: PgBoss): JobsDb {
  const db = boss.getDb();
  const names = new Map<string, string>();
  return {
    executeSql(text: string, values?: unknown[]) {
      let name = names.get(text);
      if (name === undefined) {
        // A hash, not a counter: two modules sharing one pool must never give one name two texts.
        name = `npj_${createHash('sha1').update(text).digest('hex').slice(0, 32)}`;
        names.set(text, name);
      }
      // pg-boss's Db hands its first argument to pg's `pool.query`, which takes a query config.
      return db.executeSql({ name, text, values } as never);
    },
  };
}
