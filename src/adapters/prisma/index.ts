/**
 * `django-session/prisma`: Django's `django_session` table through your `PrismaClient`: the row
 * adapter the session repository runs on. The `DjangoSession` model to paste into your own
 * schema is in this package's `prisma/{postgresql,mysql,sqlite}.prisma`. Nothing here imports
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
