/**
 * The Node side of the end-to-end tests: the same small app on each framework integration, served
 * on 127.0.0.1 (a free port) over the Django site's own database.
 *
 *   POST /node/login    username, password (a form): checkPassword against auth_user, then login()
 *   POST /node/logout   logout()
 *   GET  /node/whoami   getUser() with loadUser reading auth_user: { user, reason, session }
 *   GET  /node/counter  the session's counter; POST increments it
 *   GET  /node/ping     never touches the session
 *
 * The routes are framework-neutral functions of the session (`handlers`); each framework file only
 * parses the form and turns a `Reply` into its own response.
 */
import type { Server } from "node:http";
import { DataSource } from "typeorm";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  DjangoSessionRepository,
  checkPassword,
  getUser,
  login,
  logout,
  silentLogger,
  type AuthUser,
  type GetUserOptions,
  type DjangoSessionRepositoryOptions,
  type Session,
  type SessionMiddlewareOptions,
} from "../../../src";
import type { SessionRowAdapter } from "../../../src/repository/row-adapter";
import { createTypeOrmAdapter } from "../../../src/adapters/typeorm";
import { createPrismaAdapter } from "../../../src/adapters/prisma";
import { PrismaClient as PgPrismaClient } from "../../../src/generated/prisma-pg/client";
import type { DjangoVersion } from "./django-site";

export type IntegrationName = "express" | "fastify" | "koa" | "hono" | "nestjs";

/** An auth_user row, as the Node side reads it with raw SQL on the ORM's connection. */
export interface AuthUserRow {
  id: number;
  username: string;
  password: string;
  is_active: boolean;
}

/** Where sessions and users come from: one ORM connection to the Django site's database. */
export interface NodeDatabase {
  orm: "typeorm" | "prisma";
  adapter: SessionRowAdapter;
  userById(id: number): Promise<AuthUserRow | null>;
  userByUsername(username: string): Promise<AuthUserRow | null>;
  /** Raw SQL on the same connection, for the tests' own checks (PostgreSQL placeholders). */
  query(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const USER_COLUMNS = "id, username, password, is_active";

export async function openTypeOrm(databaseUrl: string): Promise<NodeDatabase> {
  const dataSource = new DataSource({ type: "postgres", url: databaseUrl, extra: { max: 5 } });
  await dataSource.initialize();
  const query = async (sql: string, params: unknown[] = []) => (await dataSource.query(sql, params)) as Record<string, unknown>[];
  const one = async (sql: string, param: unknown) => ((await query(sql, [param]))[0] as unknown as AuthUserRow | undefined) ?? null;
  return {
    orm: "typeorm",
    adapter: createTypeOrmAdapter(dataSource),
    userById: (id) => one(`SELECT ${USER_COLUMNS} FROM auth_user WHERE id = $1`, id),
    userByUsername: (username) => one(`SELECT ${USER_COLUMNS} FROM auth_user WHERE username = $1`, username),
    query,
    close: () => dataSource.destroy(),
  };
}

export async function openPrisma(databaseUrl: string): Promise<NodeDatabase> {
  const prisma = new PgPrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 5 }) });
  await prisma.$connect();
  const query = async (sql: string, params: unknown[] = []) => (await prisma.$queryRawUnsafe(sql, ...params)) as Record<string, unknown>[];
  const one = async (sql: string, param: unknown) => ((await query(sql, [param]))[0] as unknown as AuthUserRow | undefined) ?? null;
  return {
    orm: "prisma",
    adapter: createPrismaAdapter(prisma),
    userById: (id) => one(`SELECT ${USER_COLUMNS} FROM auth_user WHERE id = $1`, id),
    userByUsername: (username) => one(`SELECT ${USER_COLUMNS} FROM auth_user WHERE username = $1`, username),
    query,
    close: () => prisma.$disconnect(),
  };
}

/** A response of a framework-neutral route: status and a JSON body. */
export interface Reply {
  status: number;
  body: unknown;
}

export interface Handlers {
  /** The getUser() options the routes use (secretKey, djangoVersion, loadUser reading auth_user). */
  auth: GetUserOptions<AuthUser & { username: string }>;
  login(session: Session, form: Record<string, string | undefined>): Promise<Reply>;
  logout(session: Session): Promise<Reply>;
  whoami(session: Session): Promise<Reply>;
  counter(session: Session, increment: boolean): Promise<Reply>;
  ping(): Promise<Reply>;
}

/** The route table every framework mounts: `METHOD path` → handler call. */
export type RouteTable = Record<string, (session: Session, form: Record<string, string | undefined>) => Promise<Reply>>;

export function routeTable(handlers: Handlers): RouteTable {
  return {
    "POST /node/login": (session, form) => handlers.login(session, form),
    "POST /node/logout": (session) => handlers.logout(session),
    "GET /node/whoami": (session) => handlers.whoami(session),
    "GET /node/counter": (session) => handlers.counter(session, false),
    "POST /node/counter": (session) => handlers.counter(session, true),
    "GET /node/ping": () => handlers.ping(),
  };
}

const toAuthUser = (row: AuthUserRow): AuthUser & { username: string } => ({ id: row.id, password: row.password, isActive: row.is_active, username: row.username });

export function createHandlers(version: DjangoVersion, secretKey: string, db: NodeDatabase): Handlers {
  const auth = { secretKey, djangoVersion: version };
  const loadUser = async (id: string) => {
    if (!/^\d+$/.test(id)) return null; // AutoField.to_python would raise ValidationError: no such user
    const row = await db.userById(Number(id));
    return row && toAuthUser(row);
  };
  return {
    auth: { ...auth, loadUser },
    async login(session, form) {
      const row = form.username ? await db.userByUsername(form.username) : null;
      // ModelBackend.authenticate: the password, then user_can_authenticate (is_active).
      if (!row || !(await checkPassword(form.password, row.password, { djangoVersion: version })) || !row.is_active) {
        return { status: 401, body: { ok: false } };
      }
      const result = await login(session, toAuthUser(row), auth);
      return { status: 200, body: { ok: true, user: { id: row.id, username: row.username }, session: result.session } };
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
  };
}

/** Settings of one Node app: the middleware's (cookie) and the repository's (expiry). */
export interface NodeAppSettings {
  middleware?: Omit<SessionMiddlewareOptions, "repository">;
  repository?: Omit<DjangoSessionRepositoryOptions, "adapter" | "secretKey">;
}

export interface NodeApp {
  origin: string;
  close(): Promise<void>;
}

/**
 * What each framework file provides: serve `routes` behind its integration with `options`.
 * `handlers` is there for integrations with their own way to a route (NestJS controllers).
 */
export type MountIntegration = (options: SessionMiddlewareOptions, routes: RouteTable, handlers: Handlers) => Promise<NodeApp>;

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
  settings: NodeAppSettings = {},
): Promise<NodeApp> {
  const repository = repositoryFor(version, secretKey, db, settings.repository);
  const handlers = createHandlers(version, secretKey, db);
  return mount({ ...settings.middleware, repository }, routeTable(handlers), handlers);
}

/** `server.listen(0, "127.0.0.1")`, resolved with the origin. */
export function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
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

/** A form body (application/x-www-form-urlencoded) as a plain object. */
export function parseForm(body: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(body));
}
