import { createParamDecorator, type ExecutionContext } from "@nestjs/common";
import type { Session } from "../../core/session";
import { ImproperlyConfigured } from "../../core/errors";

/** The request's session (Express `req.session`, Fastify `request.session`), or a clear error. */
export function requestSession<T extends Record<string, unknown> = Record<string, unknown>>(request: object): Session<T> {
  const session = (request as { session?: Session<T> }).session;
  if (!session || typeof session.get !== "function") {
    throw new ImproperlyConfigured("The request has no Django session: import DjangoSessionModule.forRoot({ repository }) in the application's root module.");
  }
  return session;
}

/**
 * The request's Django session (Django's `request.session`), lazy: nothing is read until it is
 * used. Type it with your data:
 *
 * ```ts
 * @Get("cart")
 * async cart(@DjangoSession() session: Session<{ cart: number[] }>) {
 *   return (await session.get("cart")) ?? [];
 * }
 * ```
 *
 * Named `DjangoSession` because `Session` is both Nest's own decorator (`@nestjs/common`) and this
 * package's session class.
 */
export const DjangoSession: () => ParameterDecorator = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  requestSession(context.switchToHttp().getRequest()),
);
