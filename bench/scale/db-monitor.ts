import { reconnectingMysqlQuery, reconnectingPgQuery } from "../../test/reliability/support/reconnecting-query";

/**
 * Watches the connections of one database from outside: how many a worker holds (each worker has a
 * database of its own, so the count is its alone) and, for the fault runs, ends them all as a
 * restart or a failover would. Reconnects by itself after the server went away.
 */
export interface DbMonitor {
  connections(database: string): Promise<number>;
  /** Ends every connection to `database` (pg_terminate_backend / KILL); resolves how many. */
  terminate(database: string): Promise<number>;
  /** Creates `database` when missing. */
  createDatabase(database: string): Promise<void>;
  close(): Promise<void>;
}

export function postgresMonitor(url: string): DbMonitor {
  const { q, close } = reconnectingPgQuery(url);
  return {
    connections: async (database) => Number((await q("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'", [database]))[0]?.n),
    terminate: async (database) => Number((await q("SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [database]))[0]?.n),
    async createDatabase(database) {
      const found = await q("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
      if (found.length === 0) await q(`CREATE DATABASE "${database.replace(/"/g, "")}"`);
    },
    close,
  };
}

export function mysqlMonitor(config: { host: string; port: number; user: string; password: string; database?: string }): DbMonitor {
  const { q, close } = reconnectingMysqlQuery(config);
  return {
    connections: async (database) => Number((await q("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", [database]))[0]?.n),
    async terminate(database) {
      const ids = await q("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", [database]);
      for (const { ID } of ids) await q(`KILL CONNECTION ${Number(ID)}`).catch(() => undefined); // gone meanwhile
      return ids.length;
    },
    createDatabase: async (database) => void (await q(`CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, "")}\` CHARACTER SET utf8mb4`)),
    close,
  };
}
