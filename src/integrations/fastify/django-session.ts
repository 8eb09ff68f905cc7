import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { ImproperlyConfigured, SessionInterrupted } from "../../core/errors";
import type { Session } from "../../core/session";
import { addVaryCookie } from "../../core/session-cookie";
import { SessionMiddlewareCore, type RequestSession, type SessionMiddlewareOptions } from "../../core/session-middleware";

/** Options of the Fastify plugin: those of every integration (`SessionMiddlewareOptions`). */
export type DjangoSessionFastifyOptions = SessionMiddlewareOptions;

declare module "fastify" {
  interface FastifyRequest {
    /**
     * Django's `request.session`: lazy, so a request that never touches it costs no query. Set
     * in `onRequest` by the `djangoSession` plugin; register the plugin before the plugins and
     * hooks that read it.
     */
    session: Session;
  }
}

// The request's session and whether it sent the cookie; unset until onRequest, null after commit.
const kRequestSession = Symbol("django-session.request-session");
type WithState = { [kRequestSession]?: RequestSession | null };

function isWebResponse(payload: unknown): payload is Response {
  return payload !== null && typeof payload === "object" && Object.prototype.toString.call(payload) === "[object Response]";
}

/**
 * A handler may return a web `Response`, whose status and headers Fastify applies only after the
 * onSend hooks. Apply them now, as Fastify would, so the 5xx rule sees the real status and the
 * response's own `Vary` is merged rather than overwriting ours.
 */
function unwrapWebResponse(reply: FastifyReply, payload: Response): ReadableStream | null {
  reply.code(payload.status);
  for (const [name, value] of payload.headers) reply.header(name, value);
  return payload.body;
}

// The 400 replaces the body: drop a stream nobody will read, and the old body's length and encoding.
function replaceWithSessionInterrupted(reply: FastifyReply, payload: unknown, error: SessionInterrupted): string {
  if (payload && typeof (payload as { destroy?: unknown }).destroy === "function") (payload as { destroy(): void }).destroy();
  else if (payload && typeof (payload as { cancel?: unknown }).cancel === "function") (payload as ReadableStream).cancel().catch(() => {});
  reply.removeHeader("content-length");
  reply.removeHeader("content-encoding");
  reply.code(error.status).header("content-type", "text/plain; charset=utf-8");
  return error.message;
}

async function commitReply(core: SessionMiddlewareCore, requestSession: RequestSession, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (isWebResponse(payload)) payload = unwrapWebResponse(reply, payload);
  try {
    const { setCookie, varyCookie } = await core.commit(requestSession, reply.statusCode);
    // reply.header() appends to existing Set-Cookie values.
    if (setCookie !== null) reply.header("set-cookie", setCookie);
    if (varyCookie) reply.header("vary", addVaryCookie(reply.getHeader("vary")));
    return payload;
  } catch (error) {
    if (error instanceof SessionInterrupted) return replaceWithSessionInterrupted(reply, payload, error);
    throw error;
  }
}

const plugin: FastifyPluginAsync<DjangoSessionFastifyOptions> = async (fastify, options) => {
  // Validated at registration: a mistake fails `register()`/`ready()`, not the first request.
  const core = new SessionMiddlewareCore(options);
  if (fastify.hasRequestDecorator("session")) {
    throw new ImproperlyConfigured(
      "request.session is already decorated: register django-session's plugin once, and not together with another session plugin such as @fastify/session.",
    );
  }
  // Declared without a value (Fastify's pattern for a per-request value set in onRequest).
  fastify.decorateRequest("session");
  fastify.decorateRequest(kRequestSession);

  // process_request
  fastify.addHook("onRequest", (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    const requestSession = core.open(request.headers.cookie);
    request.session = requestSession.session;
    (request as unknown as WithState)[kRequestSession] = requestSession;
    done();
  });

  // process_response: onSend runs before the headers are written, for handler replies and for
  // the error handler's replies alike (a thrown error is a 500 by then, so nothing is saved).
  // A callback hook, so a reply whose session nobody used passes on at once, without a promise.
  fastify.addHook("onSend", (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload?: unknown) => void) => {
    const state = request as unknown as WithState;
    const requestSession = state[kRequestSession];
    if (!requestSession) return done(null, payload);
    // Once only: if the commit throws, Fastify's error reply runs the onSend hooks again.
    state[kRequestSession] = null;
    if (core.idle(requestSession)) return done(null, payload);
    commitReply(core, requestSession, reply, payload).then(
      (sent) => done(null, sent),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  });
};

// What fastify-plugin does, by hand, to keep Fastify out of the runtime dependencies: no
// encapsulation (the hooks and `request.session` apply to the whole instance the plugin is
// registered on, including every route of a NestJS Fastify application), a name for Fastify's
// dependency checks and error messages, and the Fastify major it was built for.
const meta = { fastify: "5.x", name: "django-session" };
Object.assign(plugin, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: meta.name,
  [Symbol.for("plugin-meta")]: meta,
});

/**
 * Django's `SessionMiddleware` (`django.contrib.sessions.middleware`) for Fastify 5:
 * `request.session` in every route, saved and its `sessionid` cookie set before the reply is
 * sent, by the rules of `SessionMiddlewareCore` (no save on 5xx; cookie deleted when a request
 * that sent one ends with an empty session; `Vary: Cookie`; 400 with Django's message when the
 * session was deleted during the request).
 *
 * ```ts
 * await app.register(djangoSession, { repository });
 * app.get("/", async (request) => ({ user: await request.session.get("_auth_user_id") }));
 * ```
 *
 * Not encapsulated (like a `fastify-plugin` plugin), so it also works from a NestJS
 * `NestFastifyApplication` via `app.register(djangoSession, { repository })`. A reply taken over
 * with `reply.hijack()` skips Fastify's onSend hooks and is therefore not committed.
 */
export const djangoSession = plugin;
