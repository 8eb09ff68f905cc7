import type { DataSource, EntityMetadata, EntityTarget, ObjectLiteral, Repository } from "typeorm";
import type { AuthUser } from "../../auth/auth-settings";
import { parseUserId, type UserIdParser } from "../../auth/user-id";
import type { DjangoTimeOptions } from "../../core/django-datetime";
import { ImproperlyConfigured } from "../../core/errors";
import type { AuthUserEntity } from "./auth-user-entity";

/**
 * Django's `ModelBackend.get_user(user_id)` for `getUser`'s `loadUser`: the user row, or `null`
 * when there is none (or the id cannot be a key, in which case nothing is queried).
 */
export type TypeOrmUserLoader<U> = (id: string) => Promise<U | null>;

/** Options of {@link createTypeOrmUserLoader}. */
export interface TypeOrmUserLoaderOptions<U extends ObjectLiteral = AuthUserEntity> {
  /**
   * The user entity (class, name or `EntitySchema`). By default the DataSource's entity mapped to
   * `table`, e.g. `createAuthUserEntity(dialect)` in its `entities`.
   */
  entity?: EntityTarget<U>;
  /** The table whose entity is used when `entity` is not given. @default "auth_user" */
  table?: string;
  /**
   * Turns the session's `_auth_user_id` (a string) into the primary key value, or `null` when it
   * cannot be one. By default Django's `AutoField`: decimal digits within 32 bits, as a number.
   */
  parseId?: UserIdParser;
  /**
   * Django's `USE_TZ`/`TIME_ZONE`. Only `useTz: false` matters here: it lifts the MySQL check
   * that the DataSource reads `datetime(6)` as UTC.
   */
  time?: DjangoTimeOptions;
}

const UTC_OFFSETS = new Set(["Z", "+00:00", "-00:00"]);

/** An entity with `datetime(6)` columns on MySQL/MariaDB reads them right only with `timezone: "Z"`. */
function checkMysqlTimeZone(dataSource: DataSource, metadata: EntityMetadata, options: Omit<TypeOrmUserLoaderOptions<ObjectLiteral>, "parseId">, caller: string): void {
  const type = String(dataSource.options.type);
  if ((type !== "mysql" && type !== "mariadb") || options.time?.useTz === false) return;
  if (!metadata.columns.some((column) => column.type === "datetime" || column.type === Date)) return;
  const { timezone, dateStrings } = dataSource.options as { timezone?: string; dateStrings?: boolean | string[] };
  const datetimeAsText = dateStrings === true || (Array.isArray(dateStrings) && dateStrings.includes("DATETIME"));
  if (!UTC_OFFSETS.has(timezone ?? "local") || datetimeAsText) {
    throw new ImproperlyConfigured(
      `${caller}: the DataSource's timezone is ${JSON.stringify(timezone ?? "local")}` +
        `${datetimeAsText ? " with dateStrings" : ""}, so TypeORM would read ${metadata.name}'s dates (last_login, ` +
        `date_joined) shifted from UTC. Django stores naive UTC: set timezone: "Z" (and leave dateStrings unset) in ` +
        `the DataSource options (or pass time: { useTz: false } if Django runs with USE_TZ = False).`,
    );
  }
}

/** The user entity's repository and primary property, checked (shared with the user store). @internal */
export function resolveUserRepository<U extends ObjectLiteral>(
  dataSource: DataSource,
  options: Omit<TypeOrmUserLoaderOptions<U>, "parseId">,
  caller = "createTypeOrmUserLoader",
): { repository: Repository<U>; primary: string } {
  if (!dataSource.isInitialized) {
    throw new ImproperlyConfigured(`${caller}: the DataSource is not initialized yet (await dataSource.initialize() first).`);
  }
  let metadata: EntityMetadata;
  if (options.entity !== undefined) {
    if (!dataSource.hasMetadata(options.entity)) {
      const entity = options.entity;
      const name = typeof entity === "string" ? entity : typeof entity === "function" ? entity.name : "options" in entity ? entity.options.name : entity.name;
      throw new ImproperlyConfigured(`${caller}: the entity ${name} is not in the DataSource's entities; add it there.`);
    }
    metadata = dataSource.getMetadata(options.entity);
  } else {
    const table = options.table ?? "auth_user";
    const found = dataSource.entityMetadatas.find((candidate) => candidate.tableName === table);
    if (!found) {
      throw new ImproperlyConfigured(
        `${caller}: no entity in the DataSource maps "${table}". Add createAuthUserEntity("postgres" | "mysql" | "sqlite") ` +
          `(from django-session/typeorm) to its entities, or pass { entity } for your own user entity.`,
      );
    }
    metadata = found;
  }
  const [primary] = metadata.primaryColumns;
  if (metadata.primaryColumns.length !== 1 || primary === undefined) {
    throw new ImproperlyConfigured(
      `${caller}: ${metadata.name} has ${metadata.primaryColumns.length} primary columns; a Django user model has exactly one.`,
    );
  }
  checkMysqlTimeZone(dataSource, metadata, options, caller);
  return { repository: dataSource.getRepository<U>(metadata.target), primary: primary.propertyName };
}

/**
 * A `loadUser` for `getUser` that reads Django's `auth_user` through a TypeORM `DataSource`, with
 * `createAuthUserEntity(dialect)` (or your own user entity) in its `entities`:
 *
 * ```ts
 * const dataSource = new DataSource({ type: "postgres", url, entities: [createAuthUserEntity("postgres")] });
 * const { user } = await getUser(session, { secretKey, loadUser: createTypeOrmUserLoader(dataSource) });
 * // user: { id, password, isActive, username, email, lastLogin, dateJoined, ... } | null
 * ```
 *
 * One `findOneBy({ id })` with the session's `_auth_user_id` parsed as Django's integer pk; an
 * id that is not one (`"abc"`, `"1.5"`, `"99999999999"`) gives `null` (an anonymous user) without
 * a query. The DataSource may still be initializing when the loader is made: the entity is then
 * looked up on the first call. Throws `ImproperlyConfigured` when no entity maps the table, and on
 * MySQL/MariaDB when the DataSource's `timezone` is not UTC (the dates would be shifted).
 */
export function createTypeOrmUserLoader<U extends ObjectLiteral & AuthUser = AuthUserEntity>(
  dataSource: DataSource,
  options: TypeOrmUserLoaderOptions<U> = {},
): TypeOrmUserLoader<U> {
  if (!dataSource || typeof dataSource.getRepository !== "function") {
    throw new ImproperlyConfigured("createTypeOrmUserLoader needs your TypeORM DataSource.");
  }
  if (options.parseId !== undefined && typeof options.parseId !== "function") {
    throw new ImproperlyConfigured("createTypeOrmUserLoader: parseId must be a function (id: string) => pk | null.");
  }
  let resolved = dataSource.isInitialized ? resolveUserRepository(dataSource, options) : undefined;
  return async (id: string) => {
    const parsed = parseUserId(id, options.parseId);
    if (!parsed.ok) return null;
    resolved ??= resolveUserRepository(dataSource, options);
    const { repository, primary } = resolved;
    return repository.findOneBy({ [primary]: parsed.pk } as Parameters<Repository<U>["findOneBy"]>[0]);
  };
}
