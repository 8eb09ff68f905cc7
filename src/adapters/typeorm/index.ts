/**
 * `django-session/typeorm`: Django's `django_session` table through a TypeORM `DataSource`:
 * the row adapter the session repository runs on, and an entity to query the table yourself.
 * TypeORM (an optional peer dependency) is imported only by this entry point.
 */
export { createTypeOrmAdapter, type TypeOrmAdapterOptions } from "./typeorm-session-adapter";
export {
  createDjangoSessionEntity,
  PostgresDjangoSession,
  MysqlDjangoSession,
  SqliteDjangoSession,
  type DjangoSessionEntity,
  type DjangoSessionEntityOptions,
  type TypeOrmDialect,
} from "./django-session-entity";
