/**
 * The Node side of the end-to-end tests: the same small app on each framework integration, served
 * on 127.0.0.1 (a free port) over the Django site's own database.
 *
 *   POST /node/login    username, password (a form): checkPassword against the auth_user row, then login()
 *   POST /node/logout   logout()
 *   GET  /node/whoami   getUser() with the library's user loader: { user, reason, session }
 *   GET  /node/counter  the session's counter; POST increments it
 *   GET  /node/ping     never touches the session
 *   GET  /node/form     an HTML form with a Node-issued CSRF token, posting to Django's /dj/submit
 *   POST /node/note     behind Node's CSRF middleware: addMessage, then a redirect to Django's /dj/messages
 *   GET  /node/messages the messages (Django's or Node's), consumed, as an HTML list
 *   POST /node/end-sessions  user_id (a form): endSessions() of that user
 *
 * Every route but POST /node/note is exempt from the CSRF check, as the Django site's JSON views are.
 *
 * The routes are framework-neutral functions of the session (`handlers`); each framework file only
 * parses the form and turns a `Reply` into its own response.
 */
import type { Server } from "node:http";
import { DataSource } from "typeorm";
import { PrismaPg } from "@prisma/adapter-pg";
import { DjangoSessionRepository, endSessions, silentLogger, type DjangoSessionRepositoryOptions, type Session, type SqlExecutor } from "../../../src";
import { DjangoMessages, SUCCESS, checkPassword, getUser, login, logout, messageTags, type AuthUser, type CsrfOptions, type GetUserOptions } from "../../../src/auth";
import type { RequestCsrf } from "../../../src/auth/csrf";
import { readSessionCookie } from "../../../src/core/session-cookie";
import { type SessionMiddlewareOptions } from "../../../src/low-level";
import type { SessionRowAdapter } from "../../../src/engines/row-adapter";
import { PostgresAuthUser, createTypeOrmAdapter, createTypeOrmUserLoader } from "../../../src/adapters/typeorm";
import { createPrismaAdapter, createPrismaUserLoader } from "../../../src/adapters/prisma";
import { PrismaClient as PgPrismaClient } from "../../../src/generated/prisma-pg/client";
import type { DjangoVersion } from "./django-site";

export type IntegrationName = "express" | "fastify" | "koa" | "hono" | "nestjs";

/** A user as the library's auth_user entity (TypeORM) and model (Prisma) give it. */
export type NodeUser = AuthUser & { id: number; username: string; isActive: boolean };

/**
 * Where sessions and users come from: one ORM connection to the Django site's database, with the
 * library's row adapter for `django_session` and its auth_user entity / model and user loader.
 */
export interface NodeDatabase {
  orm: "typeorm" | "prisma";
  adapter: SessionRowAdapter;
  /** `ModelBackend.get_user`: createTypeOrmUserLoader / createPrismaUserLoader. */
  loadUser(id: string): Promise<NodeUser | null>;
  /** The login form's lookup, through the same entity / model. */
  userByUsername(username: string): Promise<NodeUser | null>;
  /** Raw SQL on the same connection, for the tests' own checks (PostgreSQL placeholders). */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function openTypeOrm(databaseUrl: string): Promise<NodeDatabase> {
  const dataSource = new DataSource({ type: "postgres", url: databaseUrl, entities: [PostgresAuthUser], extra: { max: 5 } });
  await dataSource.initialize();
  const users = dataSource.getRepository(PostgresAuthUser);
  return {
    orm: "typeorm",
    adapter: createTypeOrmAdapter(dataSource),
    loadUser: createTypeOrmUserLoader(dataSource),
    userByUsername: (username) => users.findOneBy({ username }),
    query: async (sql, params = []) => (await dataSource.query(sql, params)) as Record<string, unknown>[],
    close: () => dataSource.destroy(),
  };
}

export async function openPrisma(databaseUrl: string): Promise<NodeDatabase> {
  const prisma = new PgPrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 5 }) });
  await prisma.$connect();
  return {
    orm: "prisma",
    adapter: createPrismaAdapter(prisma),
    loadUser: createPrismaUserLoader(prisma),
    userByUsername: (username) => prisma.authUser.findUnique({ where: { username } }),
    query: async (sql, params = []) => (await prisma.$queryRawUnsafe(sql, ...params)) as Record<string, unknown>[],
    close: () => prisma.$disconnect(),
  };
}

/** A response of a framework-neutral route: status and a JSON body (or an HTML page), extra headers. */
export interface Reply {
  status: number;
  body: unknown;
  /** Sent as text/html instead of the JSON body. */
  html?: string;
  /** In order; several Set-Cookie allowed. */
  headers?: [string, string][];
}

/** What a route needs of its request besides the session and the form. */
export interface NodeRequest {
  /** The Cookie header (for the messages cookie). */
  cookie: string | undefined;
  /** The Host header: the app's own origin is `http://${host}`. */
  host: string | undefined;
  /** The CSRF middleware's state (get_token). */
  csrf: RequestCsrf;
}

/** The only route the CSRF middleware checks (the others are exempt, like the Django site's JSON views). */
export const CSRF_CHECKED_PATHS: ReadonlySet<string> = new Set(["/node/note"]);

/** The CSRF middleware's exemption (`@csrf_exempt`) for a request URL. */
export function csrfExempt(url: string | undefined): boolean {
  return !CSRF_CHECKED_PATHS.has(new URL(url ?? "/", "http://127.0.0.1").pathname);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export interface Handlers {
  /** The getUser() options the routes use (secretKey, siteDjangoVersion, loadUser reading auth_user). */
  auth: GetUserOptions<NodeUser>;
  login(session: Session, form: Record<string, string | undefined>): Promise<Reply>;
  logout(session: Session): Promise<Reply>;
  whoami(session: Session): Promise<Reply>;
  counter(session: Session, increment: boolean): Promise<Reply>;
  ping(): Promise<Reply>;
  form(session: Session, request: NodeRequest): Promise<Reply>;
  note(session: Session, form: Record<string, string | undefined>, request: NodeRequest): Promise<Reply>;
  messages(session: Session, request: NodeRequest): Promise<Reply>;
  endSessions(form: Record<string, string | undefined>): Promise<Reply>;
}

/** The route table every framework mounts: `METHOD path` → handler call. */
export type RouteTable = Record<string, (session: Session, form: Record<string, string | undefined>, request: NodeRequest) => Promise<Reply>>;

export function routeTable(handlers: Handlers): RouteTable {
  return {
    "POST /node/login": (session, form) => handlers.login(session, form),
    "POST /node/logout": (session) => handlers.logout(session),
    "GET /node/whoami": (session) => handlers.whoami(session),
    "GET /node/counter": (session) => handlers.counter(session, false),
    "POST /node/counter": (session) => handlers.counter(session, true),
    "GET /node/ping": () => handlers.ping(),
    "GET /node/form": (session, _form, request) => handlers.form(session, request),
    "POST /node/note": (session, form, request) => handlers.note(session, form, request),
    "GET /node/messages": (session, _form, request) => handlers.messages(session, request),
    "POST /node/end-sessions": (_session, form) => handlers.endSessions(form),
  };
}

/** `db.query` as the SqlExecutor endSessions() reads `django_session` through (PostgreSQL placeholders). */
function executorOf(db: NodeDatabase): SqlExecutor {
  return {
    dialect: "postgres",
    query: (sql, params) => db.query(sql, params as unknown[]),
    execute: async (sql, params) => (await db.query(sql, params as unknown[])).length,
    isUniqueViolation: (error) => (error as { code?: string }).code === "23505",
  };
}

export function createHandlers(version: DjangoVersion, secretKey: string, db: NodeDatabase, repository: DjangoSessionRepository, djangoOrigin: string): Handlers {
  const auth = { secretKey, siteDjangoVersion: version };
  const loadUser = (id: string) => db.loadUser(id);
  // MESSAGE_STORAGE's default (FallbackStorage), as on the Django site.
  const djangoMessages = new DjangoMessages({ secretKey, siteDjangoVersion: version });
  const messagesOf = (session: Session, request: NodeRequest) => djangoMessages.forRequest({ cookie: readSessionCookie(request.cookie, "messages"), session });
  return {
    auth: { ...auth, loadUser },
    async login(session, form) {
      const user = form.username ? await db.userByUsername(form.username) : null;
      // ModelBackend.authenticate: the password, then user_can_authenticate (is_active).
      if (!user || !(await checkPassword(form.password, user.password, { siteDjangoVersion: version })) || !user.isActive) {
        return { status: 401, body: { ok: false } };
      }
      const result = await login(session, user, auth);
      return { status: 200, body: { ok: true, user: { id: user.id, username: user.username }, session: result.session } };
    },
    async logout(session) {
      await logout(session);
      return { status: 200, body: { ok: true } };
    },
    async whoami(session) {
      const { user, reason } = await getUser(session, { ...auth, loadUser });
      return { status: 200, body: { user: user && { id: user.id, username: user.username }, reason, session: await session.toObject() } };
    },
    async counter(session, increment) {
      if (increment) await session.set("counter", (((await session.get("counter")) as number | undefined) ?? 0) + 1);
      return { status: 200, body: { counter: (await session.get("counter")) ?? null } };
    },
    async ping() {
      return { status: 200, body: { pong: true } };
    },
    async form(_session, request) {
      const next = `http://${request.host ?? ""}/node/messages`;
      const action = `${djangoOrigin}/dj/submit?next=${encodeURIComponent(next)}`;
      const html = `<!doctype html><title>Node form</title><form id="note-form" method="post" action="${escapeHtml(action)}">
<input type="hidden" name="csrfmiddlewaretoken" value="${request.csrf.getToken()}"><input id="note" name="note"><button id="send" type="submit">Send</button></form>`;
      return { status: 200, body: null, html };
    },
    async note(session, form, request) {
      const messages = messagesOf(session, request);
      messages.add(SUCCESS, `Saved on Node: ${form.note ?? ""}`);
      const { setCookie } = await messages.commit();
      const headers: [string, string][] = [["Location", `${djangoOrigin}/dj/messages`]];
      if (setCookie !== null) headers.push(["Set-Cookie", setCookie]);
      return { status: 302, body: null, html: "", headers };
    },
    async messages(session, request) {
      const messages = messagesOf(session, request);
      const shown = await messages.getMessages();
      const { setCookie } = await messages.commit();
      const items = shown.map((m) => `<li class="${escapeHtml(messageTags(m))}">${escapeHtml(m.message)}</li>`).join("\n");
      return { status: 200, body: null, html: `<!doctype html><title>Node messages</title><ul id="messages">${items}</ul>`, headers: setCookie === null ? [] : [["Set-Cookie", setCookie]] };
    },
    async endSessions(form) {
      const ended = await endSessions(form.user_id ?? "", { repository, executor: executorOf(db) });
      return { status: 200, body: { ended } };
    },
  };
}

/** Settings of one Node app: the middleware's (cookie) and the repository's (expiry). */
export interface NodeAppSettings {
  middleware?: Omit<SessionMiddlewareOptions, "repository">;
  repository?: Omit<DjangoSessionRepositoryOptions, "adapter" | "secretKey">;
  /** The CSRF middleware's options (trustedOrigins: the Django site, whose forms post here). */
  csrf?: CsrfOptions;
  /** The port to listen on. @default 0 (a free one) */
  port?: number;
}

/** What each mount needs besides the session options: the CSRF options (exempt: all but CSRF_CHECKED_PATHS) and the port. */
export interface ServerSettings {
  csrf: CsrfOptions;
  port: number;
}

export interface NodeApp {
  origin: string;
  close(): Promise<void>;
}

/**
 * What each framework file provides: serve `routes` behind its integration with `options`.
 * `handlers` is there for integrations with their own way to a route (NestJS controllers).
 */
export type MountIntegration = (options: SessionMiddlewareOptions, routes: RouteTable, handlers: Handlers, server: ServerSettings) => Promise<NodeApp>;

export function repositoryFor(version: DjangoVersion, secretKey: string, db: NodeDatabase, settings: NodeAppSettings["repository"] = {}) {
  return new DjangoSessionRepository({
    secretKey,
    adapter: db.adapter,
    logger: silentLogger,
    ...(version === "3.2" ? { oldestDjangoVersion: "3.2" as const } : {}),
    ...settings,
  });
}

/** Starts the app for `integration` with these settings, on a free port of 127.0.0.1. */
export async function startNodeApp(
  mount: MountIntegration,
  version: DjangoVersion,
  secretKey: string,
  db: NodeDatabase,
  djangoOrigin: string,
  settings: NodeAppSettings = {},
): Promise<NodeApp> {
  const repository = repositoryFor(version, secretKey, db, settings.repository);
  const handlers = createHandlers(version, secretKey, db, repository, djangoOrigin);
  return mount({ ...settings.middleware, repository }, routeTable(handlers), handlers, { csrf: settings.csrf ?? {}, port: settings.port ?? 0 });
}

/** `server.listen(0, "127.0.0.1")`, resolved with the origin. */
export function listen(server: Server, port = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      if (!address || typeof address === "string") return reject(new Error("no TCP address"));
      resolve(`http://127.0.0.1:${address.port}`);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** A free port of 127.0.0.1 now (for an origin another server must trust before this one starts). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:http");
  const server = createServer();
  const origin = await listen(server);
  await closeServer(server);
  return Number(new URL(origin).port);
}

/** A form body (application/x-www-form-urlencoded) as a plain object. */
export function parseForm(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}
