import type { DataSource, FindOptionsWhere, ObjectLiteral, Repository } from "typeorm";
import type { AuthUser } from "../../auth/auth-settings";
import type { UserStore } from "../../auth/authenticate";
import { ImproperlyConfigured } from "../../core/errors";
import type { AuthUserEntity } from "./auth-user-entity";
import { resolveUserRepository, type TypeOrmUserLoaderOptions } from "./typeorm-user-loader";

/** Options of {@link createTypeOrmUserStore}: the user entity and its `USERNAME_FIELD`. */
export interface TypeOrmUserStoreOptions<U extends ObjectLiteral = AuthUserEntity> extends Omit<TypeOrmUserLoaderOptions<U>, "parseId"> {
  /** The entity property of the model's `USERNAME_FIELD` (e.g. `"email"`). @default "username" */
  usernameField?: keyof U & string;
  /**
   * Look the username up as `__iexact` does (`UPPER(column) = UPPER(value)`), for a custom
   * manager that ignores case (login by email). Django's default manager compares exactly.
   * @default false
   */
  caseInsensitive?: boolean;
  /** The entity properties auth writes. @default { password: "password", lastLogin: "lastLogin" } */
  fields?: { password?: keyof U & string; lastLogin?: keyof U & string };
}

/**
 * A `UserStore` for `authenticate` (and `login`'s `last_login`) through a TypeORM `DataSource`,
 * with `createAuthUserEntity(dialect)` or your own user entity in its `entities`: the lookup by
 * natural key (none, or several under `caseInsensitive`, is no user), and the password and
 * `last_login` updates by primary key. Dates go through the entity's columns, so they are stored
 * as Django stores them (`createAuthUserEntity`'s SQLite text, `timezone: "Z"` on MySQL).
 */
export function createTypeOrmUserStore<U extends ObjectLiteral & AuthUser = AuthUserEntity>(
  dataSource: DataSource,
  options: TypeOrmUserStoreOptions<U> = {},
): UserStore<U> {
  if (!dataSource || typeof dataSource.getRepository !== "function") {
    throw new ImproperlyConfigured("createTypeOrmUserStore needs your TypeORM DataSource.");
  }
  const usernameField = options.usernameField ?? "username";
  const passwordField = options.fields?.password ?? "password";
  const lastLoginField = options.fields?.lastLogin ?? "lastLogin";
  let resolved: { repository: Repository<U>; primary: string } | undefined;
  const resolve = () => {
    if (resolved) return resolved;
    resolved = resolveUserRepository(dataSource, options, "createTypeOrmUserStore");
    const properties = new Set(resolved.repository.metadata.columns.map((column) => column.propertyName));
    for (const [what, name] of [["usernameField", usernameField], ["fields.password", passwordField], ["fields.lastLogin", lastLoginField]] as const) {
      if (!properties.has(name)) {
        resolved = undefined;
        throw new ImproperlyConfigured(`createTypeOrmUserStore: the user entity has no property ${JSON.stringify(name)} (${what}); name the entity's property, not the column.`);
      }
    }
    return resolved;
  };
  if (dataSource.isInitialized) resolve();
  const where = (field: string, value: unknown): FindOptionsWhere<U> => {
    const criteria: ObjectLiteral = { [field]: value };
    return criteria as FindOptionsWhere<U>;
  };
  const write = async (user: U, field: string, value: unknown) => {
    const { repository, primary } = resolve();
    const patch: Partial<U> = {};
    (patch as ObjectLiteral)[field] = value;
    await repository.update(where(primary, (user as ObjectLiteral)[primary]), patch);
  };
  return {
    async findByNaturalKey(username) {
      const { repository } = resolve();
      const rows = options.caseInsensitive
        ? await repository.createQueryBuilder("u").where(`UPPER(u.${usernameField}) = UPPER(:username)`, { username }).take(2).getMany()
        : await repository.find({ where: where(usernameField, username), take: 2 });
      const [row] = rows;
      return rows.length === 1 && row !== undefined ? row : null;
    },
    setPassword: (user, encoded) => write(user, passwordField, encoded),
    setLastLogin: (user, at) => write(user, lastLoginField, at),
  };
}
