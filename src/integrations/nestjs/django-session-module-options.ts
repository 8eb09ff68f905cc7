import type { AuthUser } from "../../auth/auth-settings";
import type { GetUserOptions } from "../../auth/get-user";
import type { SessionLogger } from "../../core/logger";
import type { SessionMiddlewareOptions } from "../../core/session-middleware";

/** The injection token of the module's options (`@Inject(DJANGO_SESSION_OPTIONS)`). */
export const DJANGO_SESSION_OPTIONS = Symbol.for("django-session.nestjs.options");

/**
 * Options of `DjangoSessionModule`: those of every integration (`SessionMiddlewareOptions`, named
 * after Django's settings), plus what `@CurrentUser()` needs.
 */
export interface DjangoSessionModuleOptions<U extends AuthUser = AuthUser> extends SessionMiddlewareOptions {
  /**
   * Enables `@CurrentUser()`: Django's `request.user`, resolved by `getUser()` (the session's
   * `_auth_user_id`, your `loadUser`, and Django's `_auth_user_hash` check under `secretKey` and
   * `secretKeyFallbacks`). Without it, `@CurrentUser()` throws.
   */
  auth?: GetUserOptions<U>;
  /**
   * Express platform: where a save that failed for another reason than a concurrent logout is
   * reported (the response is then a 500, as in Django). On Fastify the error goes to Fastify's
   * error handler instead. @default consoleLogger
   */
  logger?: SessionLogger;
}

/** `DjangoSessionModule.forRootAsync()`: options made by a factory, with injected dependencies. */
export interface DjangoSessionModuleAsyncOptions<U extends AuthUser = AuthUser> {
  /** Modules that export the factory's dependencies (e.g. `ConfigModule`, `TypeOrmModule`). */
  imports?: any[];
  /** Makes the options; may be async. Receives the `inject` providers in order. */
  useFactory: (...args: any[]) => DjangoSessionModuleOptions<U> | Promise<DjangoSessionModuleOptions<U>>;
  /** Providers passed to `useFactory` (e.g. `ConfigService`, `DataSource`). */
  inject?: any[];
}
