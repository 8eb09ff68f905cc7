import { createParamDecorator, type ExecutionContext } from "@nestjs/common";
import type { AuthUser } from "../../auth/auth-settings";
import { getUser, type GetUserOptions, type GetUserResult } from "../../auth/get-user";
import { ImproperlyConfigured } from "../../core/errors";
import { requestSession } from "./django-session-param";

/** Where the module leaves the `auth` options on each request (Express and Fastify alike). */
export const kAuthOptions = Symbol.for("django-session.nestjs.auth");
const kUser = Symbol.for("django-session.nestjs.user");

type AuthRequest = { [kAuthOptions]?: GetUserOptions<AuthUser>; [kUser]?: Promise<GetUserResult<AuthUser>> };

/**
 * Django's `request.user` for a Nest request (Express or Fastify platform): `getUser()` on the
 * request's session with the module's `auth` options, run once per request (Django caches it as
 * `request._cached_user`) and shared by every `@CurrentUser()` and guard. `user: null` is
 * Django's `AnonymousUser`; `reason` says why.
 */
export function getCurrentUser<U extends AuthUser = AuthUser>(request: object): Promise<GetUserResult<U>> {
  const req = request as AuthRequest;
  const auth = req[kAuthOptions];
  if (!auth) {
    throw new ImproperlyConfigured(
      "@CurrentUser() needs the auth options: DjangoSessionModule.forRoot({ repository, auth: { secretKey, loadUser } }).",
    );
  }
  req[kUser] ??= getUser(requestSession(request), auth);
  return req[kUser] as Promise<GetUserResult<U>>;
}

/**
 * The logged-in Django user of the request, or `null` (Django's `AnonymousUser`):
 *
 * ```ts
 * @Get("me")
 * me(@CurrentUser() user: User | null) { ... }
 * ```
 *
 * Needs `auth: { secretKey, loadUser }` in `DjangoSessionModule.forRoot()`. As in Django, a
 * session whose `_auth_user_hash` no longer matches (the password changed) is flushed, which
 * logs the user out and deletes the cookie.
 */
export const CurrentUser: () => ParameterDecorator = createParamDecorator(async (_data: unknown, context: ExecutionContext) => {
  return (await getCurrentUser(context.switchToHttp().getRequest())).user;
});
