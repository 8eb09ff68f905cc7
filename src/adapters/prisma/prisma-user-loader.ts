import type { AuthUser } from "../../auth/auth-settings";
import { parseUserId, type UserIdParser } from "../../auth/user-id";
import { ImproperlyConfigured } from "../../core/errors";

/**
 * A Prisma model delegate (`prisma.authUser`), typed structurally: any generated client's model
 * with a single-field `@id` fits, as do the delegates of an `$extends()`-ed client and of the `tx`
 * client inside `prisma.$transaction(async (tx) => ...)`.
 */
export interface PrismaUserDelegateLike {
  findUnique(args: { where: Record<string, unknown> }): PromiseLike<unknown>;
}

/** The row type a model delegate's `findUnique` resolves to (without `null`). */
export type PrismaUserRow<D> = D extends { findUnique(args: any): PromiseLike<infer R> } ? NonNullable<R> : never;

/**
 * Django's `ModelBackend.get_user(user_id)` for `getUser`'s `loadUser`: the user row, or `null`
 * when there is none (or the id cannot be a key, in which case nothing is queried).
 */
export type UserLoader<U> = (id: string) => Promise<U | null>;

/** Options of {@link createPrismaUserLoader}. */
export interface PrismaUserLoaderOptions<M extends string = string> {
  /**
   * The client property of the user model: `"authUser"` for this package's `AuthUser` model, or
   * your own (e.g. `"user"` for `model User { ... @@map("auth_user") }` or a custom user model).
   * @default "authUser"
   */
  model?: M;
  /**
   * Turns the session's `_auth_user_id` (a string) into the `@id` value, or `null` when it cannot
   * be one. By default Django's `AutoField`: decimal digits within 32 bits, as a number.
   */
  parseId?: UserIdParser;
  /** The `@id` field's name. @default "id" */
  idField?: string;
}

/**
 * A `loadUser` for `getUser` that reads Django's `auth_user` through your `PrismaClient`, with the
 * `AuthUser` model of this package's `prisma/<provider>.prisma` pasted into your schema:
 *
 * ```ts
 * const { user } = await getUser(session, { secretKey, loadUser: createPrismaUserLoader(prisma) });
 * // user: { id, password, isActive, username, email, firstName, lastLogin, ... } | null
 * ```
 *
 * It runs `prisma.authUser.findUnique({ where: { id } })` with the session's `_auth_user_id`
 * parsed as Django's integer pk; an id that is not one (`"abc"`, `"1.5"`, `"99999999999"`) gives
 * `null` (an anonymous user) without a query. The row comes back as the model defines it, so
 * `isActive` is the boolean `getUser` checks. The client is typed structurally (this package
 * never imports a generated client); the row type is your model's.
 *
 * Throws `ImproperlyConfigured` at once when the client has no such model.
 */
export function createPrismaUserLoader<C extends { authUser: PrismaUserDelegateLike }>(
  prisma: C,
  options?: PrismaUserLoaderOptions<"authUser">,
): UserLoader<PrismaUserRow<C["authUser"]>>;
export function createPrismaUserLoader<C extends object, M extends keyof C & string>(
  prisma: C,
  options: PrismaUserLoaderOptions<M> & { model: M },
): UserLoader<PrismaUserRow<C[M]>>;
export function createPrismaUserLoader(prisma: object, options: PrismaUserLoaderOptions = {}): UserLoader<AuthUser> {
  const model = options.model ?? "authUser";
  const idField = options.idField ?? "id";
  if (typeof prisma !== "object" || prisma === null) {
    throw new ImproperlyConfigured("createPrismaUserLoader needs your PrismaClient (or a tx / $extends() client).");
  }
  if (options.parseId !== undefined && typeof options.parseId !== "function") {
    throw new ImproperlyConfigured("createPrismaUserLoader: parseId must be a function (id: string) => pk | null.");
  }
  const delegate = (prisma as Record<string, unknown>)[model] as Partial<PrismaUserDelegateLike> | undefined;
  if (typeof delegate?.findUnique !== "function") {
    throw new ImproperlyConfigured(
      model === "authUser"
        ? "createPrismaUserLoader: this Prisma client has no AuthUser model. Paste the AuthUser model from " +
            "django-session's prisma/<provider>.prisma into your schema and run `prisma generate`, or pass " +
            '{ model: "<your user model>" } if you map auth_user under another name.'
        : `createPrismaUserLoader: this Prisma client has no model "${model}" (prisma.${model}.findUnique is not a function).`,
    );
  }
  const findUnique = delegate.findUnique.bind(delegate);
  return async (id: string) => {
    const parsed = parseUserId(id, options.parseId);
    if (!parsed.ok) return null;
    const row = await findUnique({ where: { [idField]: parsed.pk } });
    return (row ?? null) as AuthUser | null;
  };
}
