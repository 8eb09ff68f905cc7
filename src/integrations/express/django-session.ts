import { STATUS_CODES, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import { SessionInterrupted } from "../../core/errors";
import { consoleLogger, type SessionLogger } from "../../core/logger";
import type { Session } from "../../core/session";
import { addVaryCookie } from "../../core/session-cookie";
import { SessionMiddlewareCore, type RequestSession, type SessionMiddlewareOptions } from "../../core/session-middleware";
import { holdHeaders, type HeldOutcome } from "./hold-headers";
import { ImproperlyConfigured } from "../../core/errors";

/**
 * The data type of `req.session`. Declare your keys once, for every route:
 *
 * ```ts
 * declare module "django-session/express" {
 *   interface DjangoSessionData { cart: number[] }
 * }
 * ```
 * Keys not declared still read as `unknown`.
 */
export interface DjangoSessionData {
  [key: string]: unknown;
}

declare global {
  // Declaration merging, as @types/express-session does: `req.session` in every Express handler.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The request's Django session (lazy: the row is read on first use), set by
       * `djangoSession()`. Django's `request.session`.
       */
      session: Session<DjangoSessionData>;
    }
  }
}

/** Options of `djangoSession()`: the core's `SessionMiddlewareOptions`, plus where failures are logged. */
export interface DjangoSessionOptions extends SessionMiddlewareOptions {
  /**
   * Where a save that failed for another reason than a concurrent logout is reported (the
   * response is then a 500 as in Django, or the error's own 5xx `status`, such as
   * `SessionStorageError`'s 503). Context never contains keys or data.
   * @default consoleLogger
   */
  logger?: SessionLogger;
}

/** A Node/Express/Connect middleware: `(req, res, next)`. Needs no Express types. */
export type DjangoSessionMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

const OPENED = Symbol.for("django-session.express.opened");
// The request's session and what it takes to hold its response on first use.
const kState = Symbol("django-session.express.state");

interface RequestState {
  opened: RequestSession;
  res: ServerResponse;
  /** The response's headers when the middleware ran (a replacement starts from them), or null once held. */
  headersAtMount: OutgoingHttpHeaders | null;
}

type SessionRequest = IncomingMessage & { session?: Session<any>; [OPENED]?: true; [kState]?: RequestState };

/**
 * Django's `SessionMiddleware` for Express 4 and 5 (and any Connect-style server): sets
 * `req.session` to the request's lazy session, and before the response's headers go out applies
 * Django's rules (`SessionMiddlewareCore.commit`): save and `Set-Cookie` when modified (or
 * `saveEveryRequest`), never for a 5xx; cookie deletion when a request with a cookie ends empty;
 * `Vary: Cookie` when the session was used. A row deleted meanwhile (a logout elsewhere) gives
 * HTTP 400 with Django's `SessionInterrupted` message and is never re-created.
 *
 * A request that never reads `req.session` passes straight through: the response is held (see
 * `holdHeaders`) from the first read of `req.session` on, which is where anything that can
 * change what the commit does must start. Only a request whose commit acts on an unused session
 * (`commitsUnused`: a cookie to delete, `saveEveryRequest`) is held from the start.
 *
 * The options are validated here, once: a mistake throws `ImproperlyConfigured` at start-up.
 *
 * ```ts
 * app.use(djangoSession({ repository }));
 * app.get("/", async (req, res) => res.json({ user: await req.session.get("_auth_user_id") }));
 * ```
 */
export function djangoSession(options: DjangoSessionOptions): DjangoSessionMiddleware {
  const core = new SessionMiddlewareCore(options);
  const logger = options.logger ?? consoleLogger;

  function hold(state: RequestState): void {
    const { opened, res, headersAtMount } = state;
    if (headersAtMount === null) return;
    state.headersAtMount = null;
    holdHeaders(res, (status) => commit(core, opened, status, logger), headersAtMount);
  }

  // One accessor pair for every request (so requests share their shape): the first read holds
  // the response; an assignment replaces the property with a plain value.
  const property: PropertyDescriptor = {
    configurable: true,
    enumerable: true,
    get(this: SessionRequest): Session<any> | undefined {
      const state = this[kState];
      if (state === undefined) return undefined;
      hold(state);
      return state.opened.session;
    },
    set(this: SessionRequest, value: unknown): void {
      Object.defineProperty(this, "session", { configurable: true, enumerable: true, writable: true, value });
    },
  };

  return function djangoSessionMiddleware(req, res, next) {
    const request = req as SessionRequest;
    // Mounted twice (an app and a sub-app): the first one owns the session.
    if (request[OPENED]) return next();
    let opened: RequestSession;
    try {
      opened = core.open(req.headers.cookie);
    } catch (error) {
      return next(error);
    }
    request[OPENED] = true;
    const state: RequestState = { opened, res, headersAtMount: res.getHeaders() };
    request[kState] = state;
    Object.defineProperty(request, "session", property);
    if (core.commitsUnused(opened)) hold(state);
    next();
  };
}

/** `process_response`, mapped onto the held response. Never rejects. */
async function commit(core: SessionMiddlewareCore, opened: RequestSession, status: number, logger: SessionLogger): Promise<HeldOutcome> {
  try {
    const { setCookie, varyCookie } = await core.commit(opened, status);
    return {
      action: "send",
      applyHeaders(res) {
        if (setCookie !== null) {
          // Appended: cookies set by the handler stay.
          const existing = res.getHeader("Set-Cookie");
          const cookies = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
          res.setHeader("Set-Cookie", [...cookies, setCookie]);
        }
        if (varyCookie) res.setHeader("Vary", addVaryCookie(res.getHeader("Vary")));
      },
    };
  } catch (error) {
    if (error instanceof SessionInterrupted) return { action: "replace", status: 400, body: error.message };
    // Django turns any other exception in process_response into a 500; an error that carries a
    // 5xx `status` (SessionStorageError: 503, the database is unavailable) keeps it, as Express's
    // own error handler would.
    const carried = (error as { status?: unknown })?.status;
    const status = typeof carried === "number" && Number.isInteger(carried) && carried >= 500 && carried <= 599 ? carried : 500;
    (logger.error ?? logger.warn).call(logger, "the session could not be saved", { error: (error as Error)?.message ?? String(error), code: (error as { code?: string })?.code, status });
    return { action: "replace", status, body: STATUS_CODES[status] ?? "Internal Server Error" };
  }
}

/**
 * `req.session` with a data type for this route, or a clear error when `djangoSession()` is not
 * mounted in front of it.
 */
export function getSession<T extends Record<string, unknown> = DjangoSessionData>(req: IncomingMessage): Session<T> {
  const session = (req as { session?: Session<T> }).session;
  if (!session) {
    throw new ImproperlyConfigured("req.session is not set: mount djangoSession({ repository }) before this route (app.use(djangoSession(...))).");
  }
  return session;
}
