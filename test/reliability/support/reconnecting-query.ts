import { createConnection as createMysqlConnection, type Connection as MysqlConnection } from "mysql2/promise";
import { Client as PgClient } from "pg";

/**
 * One connection that reconnects by itself: fault runs restart servers and end connections
 * under the tests' own watchers, which must go on answering afterwards. A failed query drops
 * the connection, so the next one starts afresh.
 */
export interface ReconnectingQuery {
  q(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** PostgreSQL (`$1` placeholders). */
export function reconnectingPgQuery(url: string): ReconnectingQuery {
  let client: PgClient | null = null;
  return {
    async q(sql, params = []) {
      if (!client) {
        const c = new PgClient({ connectionString: url });
        c.on("error", () => {
          if (client === c) client = null;
        });
        await c.connect();
        client = c;
      }
      try {
        return (await client.query(sql, params)).rows as Record<string, unknown>[];
      } catch (error) {
        const c = client;
        client = null;
        await c?.end().catch(() => undefined);
        throw error;
      }
    },
    close: async () => void (await client?.end().catch(() => undefined)),
  };
}

/** MySQL/MariaDB (`?` placeholders). */
export function reconnectingMysqlQuery(config: { host: string; port: number; user: string; password: string; database?: string }): ReconnectingQuery {
  let conn: MysqlConnection | null = null;
  return {
    async q(sql, params = []) {
      if (!conn) {
        const c = await createMysqlConnection(config);
        c.on("error", () => {
          if (conn === c) conn = null;
        });
        conn = c;
      }
      try {
        const [rows] = await conn.query(sql, params);
        return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
      } catch (error) {
        const c = conn;
        conn = null;
        c?.destroy();
        throw error;
      }
    },
    close: async () => void (await conn?.end().catch(() => undefined)),
  };
}
