import type { Command } from "commander";
import type { DjangoTimeOptions } from "../../core/django-datetime";
import { DEFAULT_COOKIE_AGE, type SessionCodec } from "../../core/session-codec";
import { ExitCode } from "../cli-error";
import {
  addCookieAgeOption,
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
  sessionCodec,
  type CommonOptions,
} from "../cli-options";
import { println, type CliIo } from "../cli-io";
import { describeError, openDatabase, type CliDatabase } from "../open-database";
import { jsonText } from "../json-text";
import { isProblem, type Check } from "../doctor/check";
import { clockCheck } from "../doctor/clock-check";
import { sampleRows, secretChecks, sqliteFormatCheck, useTzCheck, type SampledRow } from "../doctor/row-checks";
import { countRows, describeCount, EXACT_COUNT_LIMIT, type TableCounts } from "../doctor/row-counts";
import { readTableSchema, schemaChecks, type TableSchema } from "../doctor/schema-checks";

interface DoctorOptions extends CommonOptions {
  sample: number;
}

const LABEL: Record<Check["status"], string> = { ok: "[ok]  ", info: "[info]", warn: "[warn]", fail: "[fail]", skip: "[skip]" };

function printChecks(io: CliIo, checks: Check[]): void {
  const width = Math.max(...checks.map((c) => c.id.length));
  const indent = " ".repeat(6 + 1 + width + 2);
  for (const check of checks) {
    println(io, `${LABEL[check.status]} ${check.id.padEnd(width)}  ${check.message}`);
    for (const line of check.lines ?? []) println(io, `${indent}- ${line}`);
    for (const step of check.fix ?? []) println(io, `${indent}fix: ${step}`);
  }
}

interface RowSettings {
  codec: SessionCodec | null;
  fallbacks: number;
  legacy: boolean;
  sample: number;
  cookieAge: number;
  time: DjangoTimeOptions;
  now: Date;
}

/** The checks of an existing table: its rows, columns, indexes, the secret on a sample, USE_TZ and expired rows. */
async function tableChecks(db: CliDatabase, table: string, schema: TableSchema, settings: RowSettings & { skewMs: number }): Promise<Check[]> {
  const { now, time } = settings;
  let counts: TableCounts;
  try {
    counts = await countRows(db, table, now, time);
  } catch (error) {
    return [{ id: "table", status: "fail", message: `${table} exists but cannot be read: ${describeError(error)}` }, ...schemaChecks(db.dialect, table, schema)];
  }
  const total = describeCount(counts, counts.total, "total");
  const expired = describeCount(counts, counts.expired, "expired");
  const checks: Check[] = [
    {
      id: "table",
      status: "ok",
      message: counts.exact
        ? `${table} exists: ${counts.total} rows (${counts.total - counts.expired} live, ${counts.expired} expired)`
        : `${table} exists: ${total} rows (${expired} expired): over ${EXACT_COUNT_LIMIT.toLocaleString("en")} rows, so ${counts.method}, not COUNT(*), which would read every row`,
      // Exact counts keep their plain shape; estimates say so and how they were made.
      details: counts.exact ? { total: counts.total, expired: counts.expired } : { ...counts },
    },
    ...schemaChecks(db.dialect, table, schema),
  ];
  if (counts.total === 0) {
    checks.push({ id: "secret", status: "skip", message: "the table is empty: no rows to verify" });
    checks.push({ id: "use-tz", status: "skip", message: "the table is empty: no expire_date to compare" });
    return checks;
  }
  let rows: SampledRow[];
  try {
    // An estimate is never "small enough to read whole": the sample stays bounded whatever it says.
    rows = await sampleRows(db, table, settings.sample, counts.exact ? counts.total : Number.MAX_SAFE_INTEGER, now, time);
  } catch (error) {
    checks.push({ id: "rows", status: "fail", message: `could not read rows: ${describeError(error)}` });
    return checks;
  }
  if (settings.codec) {
    const context = { fallbacks: settings.fallbacks, legacyAccepted: settings.legacy, wholeTable: counts.exact && rows.length === counts.total, now, total: counts.total, totalText: total };
    checks.push(...secretChecks(rows, settings.codec, context));
  } else {
    checks.push({ id: "secret", status: "skip", message: "no secret key given: pass --secret-key or set DJANGO_SECRET_KEY to verify rows" });
  }
  if (db.dialect === "sqlite") checks.push(sqliteFormatCheck(rows, table));
  checks.push(useTzCheck(rows, { now, cookieAge: settings.cookieAge, skewMs: settings.skewMs, time, dialect: db.dialect }));
  if (counts.expired > 0) {
    checks.push({
      id: "expired-rows",
      status: "info",
      message: `${expired} of ${total} rows have expired; Django never deletes them by itself`,
      fix: ["Run django-session clear-expired (or manage.py clearsessions) on a schedule."],
      details: { expired: counts.expired },
    });
  }
  return checks;
}

export function defineDoctor(program: Command, io: CliIo, done: (code: number) => void): void {
  const command = program
    .command("doctor")
    .summary("check the session table, the secret, USE_TZ and the clocks, and say what to fix")
    .description(
      "Check, read-only, that the session table exists with Django's column types and indexes for its database, that the secret key " +
        "(and fallbacks) verify a sample of rows (counting rows that need a fallback, legacy and corrupt rows), that expire_date fits " +
        "USE_TZ (a heuristic comparing the newest expiry with now + SESSION_COOKIE_AGE), and that the database clock agrees with this " +
        "machine's. Exit code 1 when something needs fixing ([warn] or [fail]).",
    );
  addDatabaseOptions(command);
  addSecretOptions(command);
  addTimeOptions(command);
  addCookieAgeOption(command);
  command.option(
    "--sample <rows>",
    "how many rows to verify: every row when the table has no more; otherwise half the newest by expire_date (the latest writes), " +
      "half the live rows closest to expiring (the oldest sessions, the likeliest to need a rotated-out key), topped up with the next newest",
    positiveInteger("--sample"),
    1000,
  );
  addJsonOption(command);
  command.action(async (options: DoctorOptions) => {
    const target = resolveDatabase(options, io.cwd);
    const table = resolveTable(options);
    const time = resolveTime(options);
    const { secretKey, fallbacks } = resolveSecrets(options, false);
    const clock = cliNow();
    // "read": legacy rows are recognised and counted whatever --legacy says; --legacy only changes the verdict.
    const codec = secretKey ? sessionCodec(options, secretKey, fallbacks, clock, true) : null;
    const cookieAge = options.cookieAge ?? DEFAULT_COOKIE_AGE;
    const settings: RowSettings = { codec, fallbacks: fallbacks.length, legacy: Boolean(options.legacy), sample: options.sample, cookieAge, time, now: new Date(clock()) };
    const db = await openDatabase(target, { readonly: true, cwd: io.cwd });
    const checks: Check[] = [];
    try {
      const { check: clockResult, skewMs } = await clockCheck(db, clock).catch((error) => ({
        check: { id: "clock", status: "skip", message: `could not read the database clock: ${describeError(error)}` } satisfies Check,
        skewMs: 0,
      }));
      const schema = await readTableSchema(db, table);
      if (schema === null) {
        checks.push({
          id: "table",
          status: "fail",
          message: `there is no table ${table} in this database`,
          fix: [
            "Let Django create it: python manage.py migrate sessions (with django.contrib.sessions in INSTALLED_APPS).",
            `Or apply Django's exact DDL shipped with this package: migrations/${db.dialect}.sql.`,
            "Or point --database-url at the database the Django site uses (and --table at a custom session model's table).",
          ],
        });
      } else {
        checks.push(...(await tableChecks(db, table, schema, { ...settings, skewMs })));
      }
      checks.push(clockResult);
    } finally {
      await db.close().catch(() => undefined);
    }

    const problems = checks.filter(isProblem);
    if (options.json) {
      println(io, jsonText({ ok: problems.length === 0, database: { dialect: db.dialect, url: db.display, table }, problems: problems.length, checks }));
    } else {
      println(io, `django-session doctor: ${db.display} (${db.dialect}), table ${table}`, "");
      printChecks(io, checks);
      const fails = problems.filter((c) => c.status === "fail").length;
      println(
        io,
        "",
        problems.length === 0
          ? "No problems found."
          : `${problems.length} problem${problems.length === 1 ? "" : "s"} to fix (${fails} failed, ${problems.length - fails} warning${problems.length - fails === 1 ? "" : "s"}).`,
      );
    }
    done(problems.length ? ExitCode.PROBLEM : ExitCode.OK);
  });
}
