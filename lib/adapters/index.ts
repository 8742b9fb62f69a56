export { fromPg, type PgClientLike } from './pg.adapter.js';
export { fromTypeOrm, type TypeOrmEntityManagerLike, type TypeOrmQueryRunnerLike } from './typeorm.adapter.js';
export { fromMikroOrm, type MikroOrmEntityManagerLike } from './mikro-orm.adapter.js';
export { fromKnex, fromKysely, fromDrizzle, fromPrisma } from './pg-boss.adapters.js';
