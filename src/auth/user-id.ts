/** PostgreSQL `integer`, MySQL `int`: Django's `AutoField`, the `auth_user.id` column. */
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const DECIMAL = /^-?[0-9]{1,10}$/;

/**
 * The session's `_auth_user_id` (always a string, Django's `str(user.pk)`) as the integer primary
 * key of `auth_user` (`AutoField`), or `null` when it is not one: anything but ASCII decimal
 * digits (with an optional `-`), or a number outside the column's 32-bit range. A `null` means
 * "no such user" without a query, so no garbage ever reaches the database (Django's own
 * `to_python` would raise there instead).
 * @internal
 */
export function parseAutoFieldId(id: unknown): number | null {
  if (typeof id !== "string" || !DECIMAL.test(id)) return null;
  const n = Number(id);
  return n >= INT32_MIN && n <= INT32_MAX ? n : null;
}

/**
 * The `parseId` option of the user loaders: your primary key's parser when the user model is not
 * Django's `auth_user` (e.g. a `UUIDField` or `BigAutoField` pk). Return `null` for an id that cannot
 * be a key: the loader then answers `null` without a query.
 */
export type UserIdParser = (id: string) => unknown;

/** Runs `parseId` (or the AutoField default) and says whether the result may be queried. @internal */
export function parseUserId(id: unknown, parseId: UserIdParser | undefined): { ok: true; pk: unknown } | { ok: false } {
  if (typeof id !== "string") return { ok: false };
  const pk = parseId ? parseId(id) : parseAutoFieldId(id);
  return pk === null || pk === undefined ? { ok: false } : { ok: true, pk };
}
