import { EntitySchema } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { fromMikroOrm } from '../../lib/index.js';
import { databaseUrl } from '../support/e2e.js';
import { describeTransactionalEnqueue } from '../support/transactions.js';

interface User {
  id: number;
  email: string;
}

describeTransactionalEnqueue('MikroORM (fromMikroOrm)', {
  prefix: 'tx_mikro_orm',
  // MikroORM 7 runs SQL through Kysely, whose PostgreSQL driver keeps no rows of a multi-statement
  // script (see the Kysely suite). pg-boss ignores the result of the one script it sends in an app's
  // transaction (flow()'s ids are generated before the insert), so flows still work.
  scripts: 'no-rows',
  outsideTransaction: true,
  async harness(appSchema) {
    const UserSchema = new EntitySchema<User>({
      name: 'User',
      tableName: 'users',
      schema: appSchema,
      properties: {
        id: { type: 'number', primary: true, autoincrement: true },
        email: { type: 'string', unique: true },
      },
    });
    const orm = await MikroORM.init({ clientUrl: databaseUrl(), entities: [UserSchema], pool: { max: 2 }, debug: false });
    return {
      inTransaction: (email, work) =>
        orm.em.fork().transactional(async (em) => {
          const user = em.create(UserSchema, { email });
          await em.flush();
          return work(fromMikroOrm(em), user.id);
        }),
      outsideTransaction: () => fromMikroOrm(orm.em.fork()),
      close: () => orm.close(),
    };
  },
});
