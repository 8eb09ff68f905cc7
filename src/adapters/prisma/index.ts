/**
 * `django-session/prisma`: Django's `django_session` table through your `PrismaClient`: the row
 * adapter the session repository runs on; and a `loadUser` for `getUser` that reads Django's
 * `auth_user`. The `DjangoSession` and `AuthUser` models to paste into your own schema are in
 * this package's `prisma/{postgresql,mysql,sqlite}.prisma`. Nothing here imports
 * `@prisma/client`; the client is typed structurally.
 */
export {
  PrismaSessionAdapter,
  createPrismaAdapter,
  createPrismaExecutor,
  isPrismaUniqueViolation,
  type PrismaAdapterOptions,
  type PrismaClientLike,
  type PrismaDialect,
} from "./prisma-session-adapter";
export {
  createPrismaUserLoader,
  type PrismaUserLoaderOptions,
  type PrismaUserDelegateLike,
  type PrismaUserRow,
  type UserLoader,
} from "./prisma-user-loader";
export { createPrismaUserStore, type PrismaUserStoreOptions } from "./prisma-user-store";
export type { UserIdParser } from "../../auth/user-id";
