import "reflect-metadata";
import { PrismaMariaDb } from "@prisma/adapter-mariadb";
import { PrismaPg } from "@prisma/adapter-pg";
import { DataSource } from "typeorm";
import { createPrismaAdapter } from "../../../src/adapters/prisma";
import { createTypeOrmAdapter } from "../../../src/adapters/typeorm";
import type { SessionRowAdapter } from "../../../src/engines/row-adapter";
import { PrismaClient as MysqlPrismaClient } from "../../../src/generated/prisma-mysql/client";
import { PrismaClient as PgPrismaClient } from "../../../src/generated/prisma-pg/client";
import { djangoSessionDdl, ensureMysqlDatabase, ensurePostgresDatabase, MYSQL_CONFIG } from "../../support/databases";
import { reconnectingMysqlQuery, reconnectingPgQuery } from "./reconnecting-query";

/** Where a stack's database is: the shared test servers (a database of our own on them), or a throwaway instance. */
export type DatabaseLocation =
  | { dialect: "postgres"; url: string }
  | { dialect: "mysql"; host: string; port: number; user: string; password: string; database: string };

export type Orm = "typeorm" | "prisma";

/** A database of our own on the shared servers (never their other databases). */
export async function sharedDatabase(dialect: "postgres" | "mysql", name: string): Promise<DatabaseLocation> {
  if (dialect === "postgres") return { dialect, url: await ensurePostgresDatabase(name) };
  return { dialect, ...(await ensureMysqlDatabase(name)) };
}

/** A throwaway instance's database (`startPostgres`/`startMariaDb` create `django_session`). */
export function instanceDatabase(dialect: "postgres" | "mysql", port: number): DatabaseLocation {
  if (dialect === "postgres") return { dialect, url: `postgresql://postgres@127.0.0.1:${port}/django_session` };
  return { dialect, host: "127.0.0.1", port, user: "root", password: "", database: "django_session" };
}

/** Pool settings every stack gets, so that pool exhaustion is bounded where the driver can bound it. */
export interface PoolSettings {
  /** Connections in the ORM's pool. @default 10 */
  size?: number;
  /** How long a query waits for a free connection (or a new one), where the driver supports it. @default 5000 */
  acquireTimeoutMs?: number;
}

/** The ORM side: the row adapter under test over the ORM's own pool. */
export interface Stack {
  name: string;
  orm: Orm;
  dialect: "postgres" | "mysql";
  adapter: SessionRowAdapter;
  /** Runs a statement through the ORM's pool (to occupy its connections). */
  ormQuery(sql: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function openStack(orm: Orm, location: DatabaseLocation, pool: PoolSettings = {}): Promise<Stack> {
  const size = pool.size ?? 10;
  const acquire = pool.acquireTimeoutMs ?? 5000;
  const dbName = location.dialect === "postgres" ? "PostgreSQL" : "MariaDB";
  if (orm === "typeorm") {
    const dataSource =
      location.dialect === "postgres"
        ? new DataSource({ type: "postgres", url: location.url, poolSize: size, connectTimeoutMS: acquire, logging: false })
        : new DataSource({
            type: "mysql",
            host: location.host,
            port: location.port,
            username: location.user,
            password: location.password,
            database: location.database,
            poolSize: size,
            connectTimeout: acquire,
            logging: false,
          });
    await dataSource.initialize();
    return {
      name: `TypeORM + ${dbName}`,
      orm,
      dialect: location.dialect,
      adapter: createTypeOrmAdapter(dataSource),
      ormQuery: (sql) => dataSource.query(sql),
      close: () => dataSource.destroy(),
    };
  }
  const prisma =
    location.dialect === "postgres"
      ? new PgPrismaClient({ adapter: new PrismaPg({ connectionString: location.url, max: size, connectionTimeoutMillis: acquire }) })
      : new MysqlPrismaClient({
          adapter: new PrismaMariaDb({
            host: location.host,
            port: location.port,
            user: location.user,
            password: location.password,
            database: location.database,
            connectionLimit: size,
            acquireTimeout: acquire,
            connectTimeout: acquire,
          }),
        });
  await prisma.$connect();
  return {
    name: `Prisma + ${dbName}`,
    orm,
    dialect: location.dialect,
    adapter: createPrismaAdapter(prisma as never),
    ormQuery: (sql) => prisma.$queryRawUnsafe(sql),
    close: () => prisma.$disconnect(),
  };
}

/** A stored row, read with the plain driver. */
export interface StoredRow {
  sessionKey: string;
  sessionData: string;
}

/**
 * The table seen through the plain driver (pg, mysql2), never through the stack under test: to
 * create it with Django's DDL, bulk-insert, and read every row back exactly as stored.
 * Connects on demand, so it survives a restart of the database.
 */
export interface RawTable {
  recreate(): Promise<void>;
  insertMany(rows: { sessionKey: string; sessionData: string; expireDate: Date }[]): Promise<void>;
  all(): Promise<StoredRow[]>;
  get(sessionKey: string): Promise<StoredRow | null>;
  delete(sessionKey: string): Promise<void>;
  close(): Promise<void>;
}

export function rawTable(location: DatabaseLocation): RawTable {
  if (location.dialect === "postgres") {
    const { q, close } = reconnectingPgQuery(location.url);
    return {
      async recreate() {
        await q("DROP TABLE IF EXISTS django_session");
        for (const s of djangoSessionDdl("postgres")) await q(s);
      },
      async insertMany(rows) {
        for (let i = 0; i < rows.length; i += 500) {
          const chunk = rows.slice(i, i + 500);
          await q(
            `INSERT INTO django_session (session_key, session_data, expire_date) VALUES ${chunk.map((_, j) => `($${j * 3 + 1}, $${j * 3 + 2}, $${j * 3 + 3})`).join(",")}`,
            chunk.flatMap((r) => [r.sessionKey, r.sessionData, r.expireDate]),
          );
        }
      },
      all: async () => (await q("SELECT session_key, session_data FROM django_session")).map(toStored),
      get: async (key) => (await q("SELECT session_key, session_data FROM django_session WHERE session_key = $1", [key])).map(toStored)[0] ?? null,
      delete: async (key) => void (await q("DELETE FROM django_session WHERE session_key = $1", [key])),
      close,
    };
  }
  const { q, close } = reconnectingMysqlQuery({ host: location.host, port: location.port, user: location.user, password: location.password, database: location.database });
  const text = (d: Date) => d.toISOString().replace("T", " ").replace("Z", "");
  return {
    async recreate() {
      await q("DROP TABLE IF EXISTS django_session");
      for (const s of djangoSessionDdl("mysql")) await q(s);
    },
    async insertMany(rows) {
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        await q(
          `INSERT INTO django_session (session_key, session_data, expire_date) VALUES ${chunk.map(() => "(?, ?, ?)").join(",")}`,
          chunk.flatMap((r) => [r.sessionKey, r.sessionData, text(r.expireDate)]),
        );
      }
    },
    all: async () => (await q("SELECT session_key, session_data FROM django_session")).map(toStored),
    get: async (key) => (await q("SELECT session_key, session_data FROM django_session WHERE session_key = ?", [key])).map(toStored)[0] ?? null,
    delete: async (key) => void (await q("DELETE FROM django_session WHERE session_key = ?", [key])),
    close,
  };
}

function toStored(row: Record<string, unknown>): StoredRow {
  return { sessionKey: String(row.session_key), sessionData: String(row.session_data) };
}

export { MYSQL_CONFIG };
