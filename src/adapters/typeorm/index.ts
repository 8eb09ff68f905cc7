/**
 * `django-session/typeorm`: Django's `django_session` table through a TypeORM `DataSource`:
 * the row adapter the session repository runs on, and an entity to query the table yourself;
 * and Django's `auth_user`: an entity, a `loadUser` for `getUser` and a `UserStore` for
 * `authenticate` (which writes only `password` and `last_login`, as Django's login does).
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
export {
  createAuthUserEntity,
  PostgresAuthUser,
  MysqlAuthUser,
  SqliteAuthUser,
  type AuthUserEntity,
  type AuthUserEntityOptions,
} from "./auth-user-entity";
export { createTypeOrmUserLoader, type TypeOrmUserLoader, type TypeOrmUserLoaderOptions } from "./typeorm-user-loader";
export { createTypeOrmUserStore, type TypeOrmUserStoreOptions } from "./typeorm-user-store";
export type { UserIdParser } from "../../auth/user-id";
