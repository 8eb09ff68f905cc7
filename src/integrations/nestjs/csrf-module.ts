import { Global, Inject, Module, type DynamicModule, type NestModule } from "@nestjs/common";
import { HttpAdapterHost } from "@nestjs/core";
import type { IncomingMessage } from "node:http";
import type { RequestCsrf } from "../../auth/csrf/csrf-middleware";
import type { CsrfOptions } from "../../auth/csrf/csrf";
import { ImproperlyConfigured } from "../../core/errors";
import { djangoCsrf as djangoCsrfMiddleware, getCsrf as expressCsrf } from "../express/csrf";
import { djangoCsrf as djangoCsrfPlugin, getCsrf as fastifyCsrf } from "../fastify/csrf";

/** The injection token of `DjangoCsrfModule`'s options. */
export const DJANGO_CSRF_OPTIONS = Symbol.for("django-session.nestjs.csrf-options");

/** Options of `DjangoCsrfModule`: Django's `CSRF_*` settings (`CsrfOptions`) and an exemption by request. */
export interface DjangoCsrfModuleOptions extends CsrfOptions {
  /** `@csrf_exempt`, by request (the Express request, or Fastify's raw request). @default none */
  exempt?: (req: IncomingMessage) => boolean;
}

/**
 * Django's `CsrfViewMiddleware` for a NestJS application: the `django-session/express` middleware
 * or the `django-session/fastify` plugin at the root of the platform, checking every unsafe request
 * (403 with Django's reason). Import it after `DjangoSessionModule` (which `useSessions` needs).
 * Nest's body parser runs first, so the `csrfmiddlewaretoken` form field is read.
 *
 * ```ts
 * @Module({ imports: [DjangoSessionModule.forRoot({ repository }), DjangoCsrfModule.forRoot({ trustedOrigins })] })
 * ```
 * In a handler, `getCsrfToken(req)` is Django's `get_token`.
 */
@Global()
@Module({})
export class DjangoCsrfModule implements NestModule {
  constructor(
    @Inject(DJANGO_CSRF_OPTIONS) private readonly options: DjangoCsrfModuleOptions,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  static forRoot(options: DjangoCsrfModuleOptions = {}): DynamicModule {
    return { module: DjangoCsrfModule, global: true, providers: [{ provide: DJANGO_CSRF_OPTIONS, useValue: options }], exports: [DJANGO_CSRF_OPTIONS] };
  }

  configure(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const platform = adapter.getType();
    const { exempt, ...csrfOptions } = this.options;
    if (platform === "express") {
      adapter.use(djangoCsrfMiddleware({ ...csrfOptions, ...(exempt ? { exempt } : {}) }));
    } else if (platform === "fastify") {
      const instance = adapter.getInstance<{ register(plugin: unknown, options: unknown): unknown }>();
      instance.register(djangoCsrfPlugin, { ...csrfOptions, ...(exempt ? { exempt: (request: { raw: IncomingMessage }) => exempt(request.raw) } : {}) });
    } else {
      throw new ImproperlyConfigured(`DjangoCsrfModule supports Nest's Express and Fastify platforms, not "${platform}".`);
    }
  }
}

/** The request's CSRF state (`getToken()`, `rotateToken()`), on either platform's request object. */
export function getCsrf(req: object): RequestCsrf {
  try {
    return expressCsrf(req as IncomingMessage);
  } catch {
    return fastifyCsrf(req as never);
  }
}

/** `get_token(request)`: a masked token for the `csrfmiddlewaretoken` field or the `X-CSRFToken` header. */
export function getCsrfToken(req: object): string {
  return getCsrf(req).getToken();
}
