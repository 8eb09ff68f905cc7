import type { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { silentLogger } from "../../core/logger";
import { CachedDbSessionRepository } from "../../engines/cached-db";
import { DjangoSessionRepository, type DjangoSessionRepositoryOptions } from "../../engines/db";
import { quoteIdent, SqlRowAdapter } from "../../adapters/sql/sql-row-adapter";
import { endSessions, listSessions, type UserSessionsOptions } from "../../adapters/sql/user-sessions";
import { CliError, ExitCode, usageError } from "../cli-error";
import {
  addDatabaseOptions,
  addJsonOption,
  addSecretOptions,
  addTimeOptions,
  cliNow,
  positiveInteger,
  resolveDatabase,
  resolveSecrets,
  resolveTable,
  resolveTime,
  type CommonOptions,
} from "../cli-options";
import { println, type CliIo } from "../cli-io";
import { dateParam } from "../doctor/row-checks";
import { jsonText } from "../json-text";
import { isMissingTable, openDatabase, queryOneRow } from "../open-database";
import { openSessionCache, type CacheOptions } from "../session-cache-option";

interface EndSessionsOptions extends CommonOptions, CacheOptions {
  batchSize: number;
  except: string[];
  dryRun?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, ...value.split(",").map((key) => key.trim()).filter(Boolean)];
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function defineEndSessions(program: Command, io: CliIo, done: (code: number) => void): void {
  const command = program
    .command("end-sessions")
    .summary("log a user out everywhere: delete every live session of USER_ID")
    .description(
      "Find the live sessions whose _auth_user_id is USER_ID (Django's table has no user column: the table is read in session_key order, " +
        "--batch-size rows at a time, each row decoded once) and delete them, except the --except keys. With --cache-url (cached_db), " +
        "their cache entries are deleted too, so no process serves them again. Rows that do not verify with the secret belong to no one and stay. " +
        "A progress bar on a terminal (stderr); one summary line otherwise. --dry-run lists the keys instead.",
    )
    .argument("<user_id>", "the user's primary key, as Django stores it in _auth_user_id");
  addDatabaseOptions(command);
  addSecretOptions(command);
  command
    .option("--except <keys>", "session keys to keep (e.g. the current one), comma-separated or repeated", collect, [])
    .option("--batch-size <rows>", "rows read per query", positiveInteger("--batch-size"), 1000)
    .option("--dry-run", "only list the sessions that would end")
    .option("--cache-url <url>", "cached_db: Django's Redis cache LOCATION (redis://host:6379/0); its entries of these sessions are deleted too")
    .option("--cache-key-prefix <prefix>", "cached_db: the cache's KEY_PREFIX", "")
    .option("--cache-version <version>", "cached_db: the cache's VERSION", "1");
  addTimeOptions(command);
  addJsonOption(command);
  command.action(async (rawUserId: string, options: EndSessionsOptions) => {
    const userId = rawUserId.trim();
    if (!userId) throw usageError("USER_ID is empty.");
    const target = resolveDatabase(options, io.cwd);
    const table = resolveTable(options);
    const time = resolveTime(options);
    const { secretKey, fallbacks } = resolveSecrets(options, true);
    const clock = cliNow();
    const started = Date.now();
    const db = await openDatabase(target, { readonly: Boolean(options.dryRun), cwd: io.cwd });
    const cache = options.dryRun ? null : await openSessionCache(options, io.cwd).catch(async (error: unknown) => {
      await db.close().catch(() => undefined);
      throw error;
    });
    let bar: SingleBar | null = null;
    let scanned = 0;
    const keys: string[] = [];
    let ended = 0;
    try {
      const settings: DjangoSessionRepositoryOptions = {
        // resolveSecrets(…, true) has thrown without one.
        secretKey: secretKey ?? "",
        secretKeyFallbacks: fallbacks,
        keySalt: options.keySalt || undefined,
        legacyFormat: options.legacy ? "read" : "refuse",
        maxSize: options.maxSize,
        logger: silentLogger,
        adapter: new SqlRowAdapter(db.executor, { table, time }),
        time,
        now: clock,
      };
      // cached_db's delete removes the cache entry with the row, as Django's does.
      const engine = cache ? new CachedDbSessionRepository({ ...settings, cache: cache.adapter }) : new DjangoSessionRepository(settings);
      if (!options.json && Boolean(io.stderr.isTTY)) {
        // The bar's total is the live rows now; rows created during the run make it grow.
        const row = await queryOneRow(db, `SELECT COUNT(*) AS n FROM ${quoteIdent(db.dialect, table)} WHERE expire_date > ?`, [dateParam(db, new Date(clock()), time)]);
        const progress = await import("cli-progress");
        bar = new progress.SingleBar(
          { format: `reading sessions [{bar}] {percentage}% | {value}/{total} rows | {duration_formatted}`, stream: io.stderr, fps: 10 },
          progress.Presets.shades_classic,
        );
        bar.start(Number(row.n), 0);
      }
      const scan: UserSessionsOptions = {
        repository: engine,
        executor: db.executor,
        table,
        batchSize: options.batchSize,
        time,
        now: () => new Date(clock()),
        onScanned: (rows) => {
          scanned = rows;
          if (bar && rows > bar.getTotal()) bar.setTotal(rows);
          bar?.update(rows);
        },
      };
      const keep = new Set(options.except);
      if (options.dryRun) {
        for await (const session of listSessions(userId, scan)) if (!keep.has(session.sessionKey)) keys.push(session.sessionKey);
      } else {
        ended = await endSessions(userId, { ...scan, except: options.except });
      }
    } catch (error) {
      if (isMissingTable(error) || isMissingTable((error as { cause?: unknown }).cause)) {
        throw new CliError(ExitCode.PROBLEM, `There is no table ${table} in ${db.display}.`, "Run django-session doctor for what to do.");
      }
      throw error;
    } finally {
      bar?.stop();
      await db.close().catch(() => undefined);
      await cache?.close();
    }
    const seconds = Math.round((Date.now() - started) / 10) / 100;
    if (options.dryRun) {
      if (options.json) println(io, jsonText({ dryRun: true, userId, sessionKeys: keys, scanned, table }));
      else {
        println(io, `${plural(keys.length, "session")} of user ${userId} would end (read ${plural(scanned, "live row")} of ${table}, ${seconds} s).`);
        // Keys are credentials; listed only when asked for, to the operator who holds the database anyway.
        for (const key of keys) println(io, key);
      }
      return done(ExitCode.OK);
    }
    if (options.json) println(io, jsonText({ userId, ended, scanned, cache: Boolean(cache), seconds, table }));
    else println(io, `Ended ${plural(ended, "session")} of user ${userId}${cache ? " (rows and cache entries)" : ""}; read ${plural(scanned, "live row")} of ${table} in ${seconds} s.`);
    done(ExitCode.OK);
  });
}
