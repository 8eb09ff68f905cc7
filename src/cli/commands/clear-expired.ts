import type { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { DjangoSessionRepository } from "../../engines/db";
import { SqlRowAdapter } from "../../adapters/sql/sql-row-adapter";
import { CliError, ExitCode } from "../cli-error";
import {
  addDatabaseOptions,
  addJsonOption,
  addTimeOptions,
  cliNow,
  positiveInteger,
  resolveDatabase,
  resolveTable,
  resolveTime,
  type CommonOptions,
} from "../cli-options";
import { println, type CliIo } from "../cli-io";
import { dateParam } from "../doctor/row-checks";
import { jsonText } from "../json-text";
import { isMissingTable, openDatabase, queryOneRow } from "../open-database";

interface ClearExpiredOptions extends CommonOptions {
  batchSize: number;
  dryRun?: boolean;
}

// DjangoSessionRepository needs a secret to construct its codec; clearing expired rows never
// signs or verifies anything, so the CLI does not ask the operator for the real one.
const UNUSED_SECRET = "clear-expired-signs-nothing";

export function defineClearExpired(program: Command, io: CliIo, done: (code: number) => void): void {
  const command = program
    .command("clear-expired")
    .summary("delete expired sessions in batches (manage.py clearsessions, done better)")
    .description(
      "Delete the rows whose expire_date has passed, in batches on the expire_date index (safe next to Django and other cleaners). " +
        "A progress bar on a terminal (stderr); one summary line otherwise.",
    );
  addDatabaseOptions(command);
  command
    .option("--batch-size <rows>", "rows deleted per statement", positiveInteger("--batch-size"), 1000)
    .option("--dry-run", "only count the expired rows");
  addTimeOptions(command);
  addJsonOption(command);
  command.action(async (options: ClearExpiredOptions) => {
    const target = resolveDatabase(options, io.cwd);
    const table = resolveTable(options);
    const time = resolveTime(options);
    const clock = cliNow();
    const db = await openDatabase(target, { readonly: Boolean(options.dryRun), cwd: io.cwd });
    const quoted = db.dialect === "mysql" ? `\`${table}\`` : `"${table}"`;
    const started = Date.now();
    let deleted = 0;
    let batches = 0;
    try {
      const showBar = !options.json && !options.dryRun && Boolean(io.stderr.isTTY);
      let expired = 0;
      if (showBar || options.dryRun) {
        const row = await queryOneRow(db, `SELECT COUNT(*) AS n FROM ${quoted} WHERE expire_date < ?`, [dateParam(db, new Date(clock()), time)]);
        expired = Number(row.n);
      }
      if (options.dryRun) {
        if (options.json) println(io, jsonText({ dryRun: true, expired, table }));
        else println(io, `${expired} expired session${expired === 1 ? "" : "s"} in ${table} would be deleted.`);
        return done(ExitCode.OK);
      }
      const repository = new DjangoSessionRepository({
        secretKey: UNUSED_SECRET,
        adapter: new SqlRowAdapter(db.executor, { table, time }),
        time,
        now: clock,
      });
      let bar: SingleBar | null = null;
      if (showBar && expired > 0) {
        // Loaded only for a terminal: scripts and cron jobs never pay for it.
        const progress = await import("cli-progress");
        bar = new progress.SingleBar(
          { format: `clearing expired sessions [{bar}] {percentage}% | {value}/{total} rows | {duration_formatted}`, stream: io.stderr, fps: 10 },
          progress.Presets.shades_classic,
        );
      }
      bar?.start(expired, 0);
      try {
        deleted = await repository.clearExpired({
          batchSize: options.batchSize,
          onProgress: (total) => {
            batches++;
            // Rows that expire during the run make the total grow.
            if (bar && total > bar.getTotal()) bar.setTotal(total);
            bar?.update(total);
          },
        });
      } finally {
        bar?.stop();
      }
    } catch (error) {
      if (isMissingTable(error) || isMissingTable((error as { cause?: unknown }).cause)) {
        throw new CliError(ExitCode.PROBLEM, `There is no table ${table} in ${db.display}.`, "Run django-session doctor for what to do.");
      }
      throw error;
    } finally {
      await db.close().catch(() => undefined);
    }
    const seconds = Math.round((Date.now() - started) / 10) / 100;
    if (options.json) {
      println(io, jsonText({ deleted, batches, batchSize: options.batchSize, seconds, table }));
    } else {
      println(io, `Deleted ${deleted} expired session${deleted === 1 ? "" : "s"} from ${table} in ${batches} batch${batches === 1 ? "" : "es"} of up to ${options.batchSize} (${seconds} s).`);
    }
    done(ExitCode.OK);
  });
}
