import { Global, Inject, Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from "@nestjs/common";
import { HttpAdapterHost } from "@nestjs/core";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthUser } from "../../auth/auth-settings";
import { resolveAuthSettings } from "../../auth/auth-settings";
import { ImproperlyConfigured } from "../../core/errors";
import { resolveSessionMiddlewareOptions, type SessionMiddlewareOptions } from "../../core/session-middleware";
import { djangoSession as djangoSessionMiddleware } from "../express";
import { djangoSession as djangoSessionPlugin } from "../fastify";
import { kAuthOptions } from "./current-user";
import { DJANGO_SESSION_OPTIONS, type DjangoSessionModuleAsyncOptions, type DjangoSessionModuleOptions } from "./django-session-module-options";

/** The part of a Fastify instance the module uses (Fastify is not imported). */
interface FastifyLike {
  register(plugin: unknown, options: SessionMiddlewareOptions): unknown;
  addHook(name: "onRequest", hook: (request: object, reply: unknown, done: () => void) => void): unknown;
}

/**
 * Django's `SessionMiddleware` for a NestJS application, on the Express platform (the
 * `django-session/express` middleware, for every route) and on the Fastify platform (the
 * `django-session/fastify` plugin: `onRequest` opens, `onSend` commits). Global: import it once,
 * in the root module.
 *
 * ```ts
 * @Module({ imports: [DjangoSessionModule.forRoot({ repository })] })
 * export class AppModule {}
 * ```
 *
 * Then `@DjangoSession()` gives the session and, with `auth`, `@CurrentUser()` the user.
 * The options are validated when the module is created: a mistake stops the application at
 * start-up with `ImproperlyConfigured`.
 */
@Global()
@Module({})
export class DjangoSessionModule implements NestModule {
  constructor(
    @Inject(DJANGO_SESSION_OPTIONS) private readonly options: DjangoSessionModuleOptions<AuthUser>,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {
    resolveSessionMiddlewareOptions(options);
    if (options.auth !== undefined) {
      resolveAuthSettings(options.auth, "DjangoSessionModule auth");
      if (typeof options.auth.loadUser !== "function") {
        throw new ImproperlyConfigured("DjangoSessionModule auth.loadUser must be a function (id: string, backend: string) => user | null, your backend's get_user().");
      }
    }
  }

  /** The module with fixed options. */
  static forRoot<U extends AuthUser = AuthUser>(options: DjangoSessionModuleOptions<U>): DynamicModule {
    return {
      module: DjangoSessionModule,
      global: true,
      providers: [{ provide: DJANGO_SESSION_OPTIONS, useValue: options }],
      exports: [DJANGO_SESSION_OPTIONS],
    };
  }

  /** The module with options made by a factory (e.g. from `ConfigService` and a `DataSource`). */
  static forRootAsync<U extends AuthUser = AuthUser>(options: DjangoSessionModuleAsyncOptions<U>): DynamicModule {
    if (!options || typeof options.useFactory !== "function") {
      throw new ImproperlyConfigured("DjangoSessionModule.forRootAsync needs { useFactory, inject?, imports? }.");
    }
    return {
      module: DjangoSessionModule,
      global: true,
      imports: options.imports ?? [],
      providers: [{ provide: DJANGO_SESSION_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      exports: [DJANGO_SESSION_OPTIONS],
    };
  }

  configure(_consumer: MiddlewareConsumer): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // not an HTTP application
    const { auth } = this.options;
    const platform = adapter.getType();
    if (platform === "express") {
      const session = djangoSessionMiddleware(this.options);
      const middleware = auth
        ? (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
            (req as { [kAuthOptions]?: unknown })[kAuthOptions] = auth;
            session(req, res, next);
          }
        : session;
      // At the root of the Express app, not through `consumer.forRoutes()`, which would put it
      // under the global prefix: Django's middleware sees every response (404s and routes
      // excluded from the prefix too), and so does the Fastify plugin. configure() runs before
      // Nest registers the routes, so it comes first.
      adapter.use(middleware);
    } else if (platform === "fastify") {
      const instance = adapter.getInstance<FastifyLike>();
      const { auth: _auth, logger: _logger, ...sessionOptions } = this.options;
      instance.register(djangoSessionPlugin, sessionOptions);
      if (auth) {
        instance.addHook("onRequest", (request, _reply, done) => {
          (request as { [kAuthOptions]?: unknown })[kAuthOptions] = auth;
          done();
        });
      }
    } else {
      throw new ImproperlyConfigured(`DjangoSessionModule supports Nest's Express and Fastify platforms, not "${platform}".`);
    }
  }
}
