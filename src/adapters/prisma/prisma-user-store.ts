import type { UserStore } from "../../auth/authenticate";
import { ImproperlyConfigured } from "../../core/errors";
import { createSqlUserStore, type SqlUser, type SqlUserStoreOptions } from "../sql/sql-user-store";
import { createPrismaExecutor, resolveDialect, type PrismaAdapterOptions, type PrismaClientLike } from "./prisma-session-adapter";

/** Options of {@link createPrismaUserStore}: the user table as Django describes it, and the client's dialect. */
export interface PrismaUserStoreOptions extends SqlUserStoreOptions {
  /** The database behind the client. @default detected from the client, as for createPrismaAdapter */
  dialect?: PrismaAdapterOptions["dialect"];
}

/**
 * A `UserStore` for `authenticate` (and `login`'s `last_login`) through your `PrismaClient`: the
 * three statements of `createSqlUserStore` (lookup by `USERNAME_FIELD`, exact or `__iexact`; the
 * password and `last_login` updates, in Django's stored forms) run as Prisma raw queries, so they
 * work with or without the `AuthUser` model in your schema, on every provider, and inside
 * `prisma.$transaction(async (tx) => ...)` when given `tx`. Users come back as `SqlUser`
 * (`{ id, password, isActive, row }`, `row` holding every column).
 */
export function createPrismaUserStore(prisma: PrismaClientLike, options: PrismaUserStoreOptions = {}): UserStore<SqlUser> {
  if (!prisma || typeof prisma.$queryRawUnsafe !== "function" || typeof prisma.$executeRawUnsafe !== "function") {
    throw new ImproperlyConfigured("createPrismaUserStore needs your PrismaClient (or a tx / $extends() client).");
  }
  return createSqlUserStore(createPrismaExecutor(prisma, resolveDialect(prisma, options.dialect)), options);
}
