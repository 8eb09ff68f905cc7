import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DjangoSessionRepository, silentLogger, SqlRowAdapter } from "../../src";
import { toDjangoDateText } from "../../src/core/django-datetime";
import { MYSQL_CONFIG, type Dialect } from "../../test/support/databases";
import { cliOnBigTable, type CliTiming } from "./cli-on-big-table";
import { fillSessions } from "./fill";
import { repoRoot } from "./repo-root";
import { openScaleDatabase, type ScaleDatabase } from "./scale-database";
import { SCALE_SECRET } from "./session-samples";
import { startSessionLoad, type LoadWindow } from "./session-load";

export interface ClearRun {
  /** Rows the cleaner deleted, and how fast. */
  deleted: number;
  seconds: number;
  rowsPerSecond: number;
  /** The load just before the clear, and while it ran (requests counted in the window they started in). */
  without: LoadWindow;
  during: LoadWindow;
  /** during p99 / without p99. */
  p99Ratio: number;
}

export interface ClearReport {
  dialect: Dialect;
  rows: number;
  expired: number;
  fillSeconds: number;
  /** doctor and inspect on the full table, before any clear. */
  cli: CliTiming[];
  ours: ClearRun & { batchSize: number; throttle: number };
  django: ClearRun & { version: string };
}

export interface ClearOptions {
  dialect: Dialect;
  rows: number;
  /** Seconds of load measured before each clear. */
  baselineSeconds: number;
  batchSize?: number;
  /** `clearExpired`'s throttle (the share of time spent deleting). @default 0.5 */
  throttle?: number;
  /** Database name (ds_scale_*). */
  name?: string;
  /** Skip Django's run (when its Python or driver is missing). */
  withDjango?: boolean;
  log?: (line: string) => void;
}

const DJANGO_PYTHON = join(repoRoot(), ".venv-django52", "bin", "python");
const round = (n: number) => Math.round(n * 100) / 100;

/** Where Django finds the database (its settings), from the scale database. */
function djangoDatabase(db: ScaleDatabase): Record<string, unknown> {
  if (db.dialect === "sqlite") return { dialect: "sqlite", name: db.url };
  if (db.dialect === "mysql") return { dialect: "mysql", name: db.name, host: MYSQL_CONFIG.host, port: MYSQL_CONFIG.port, user: MYSQL_CONFIG.user, password: MYSQL_CONFIG.password };
  const url = new URL(db.url);
  return { dialect: "postgres", name: db.name, host: url.hostname, port: Number(url.port || 5432), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

/** Django 5.2's `manage.py clearsessions` (bench/scale/clearsessions.py): resolves its version. */
export function djangoClearSessions(db: ScaleDatabase): Promise<string> {
  const python = existsSync(DJANGO_PYTHON) ? DJANGO_PYTHON : "python3";
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(repoRoot(), "bench", "scale", "clearsessions.py")], { env: { ...process.env, DS_SCALE_DATABASE: JSON.stringify(djangoDatabase(db)) }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`clearsessions exited with ${String(code)}: ${err.slice(-2000)}`));
      try {
        resolve(String((JSON.parse(out.trim().split("\n").pop() ?? "{}") as { django?: string }).django));
      } catch {
        reject(new Error(`clearsessions printed ${out}`));
      }
    });
  });
}

export async function countRows(db: ScaleDatabase): Promise<number> {
  const [row] = await db.query("SELECT COUNT(*) AS n FROM django_session");
  return Number(row?.n);
}

/** Live keys the load uses: the sessions that expire last (read through the expire_date index). */
async function liveKeys(db: ScaleDatabase, count: number): Promise<string[]> {
  const now = db.dialect === "postgres" ? new Date() : toDjangoDateText(new Date());
  const rows = await db.query("SELECT session_key FROM django_session WHERE expire_date > ? ORDER BY expire_date DESC LIMIT ?", [now, count]);
  return rows.map((r) => String(r.session_key));
}

/**
 * The load runs `baselineSeconds`, then `clear` runs beside it: the two windows and the clear's rate.
 * `clear` resolves the rows it deleted.
 */
async function clearBesideLoad(load: ReturnType<typeof startSessionLoad>, baselineSeconds: number, clear: () => Promise<number>): Promise<ClearRun> {
  await load.window(); // whatever ran while the run was being set up
  await new Promise((resolve) => setTimeout(resolve, baselineSeconds * 1000));
  const without = await load.window();
  const started = performance.now();
  const deleted = await clear();
  const seconds = (performance.now() - started) / 1000;
  const during = await load.window();
  return { deleted, seconds: round(seconds), rowsPerSecond: Math.round(deleted / seconds), without, during, p99Ratio: round(during.p99Ms / Math.max(without.p99Ms, 0.01)) };
}

/**
 * Part 1 of the scale run on one database: `rows` sessions (30 % expired), a steady load on live
 * sessions, then our batched `clearExpired` beside it; the expired rows put back; then Django's
 * `clearsessions` beside the same load.
 */
export async function clearUnderLoad(options: ClearOptions): Promise<ClearReport> {
  const log = options.log ?? (() => undefined);
  const name = options.name ?? `ds_scale_clear_${options.dialect === "mysql" ? "mariadb" : options.dialect}`;
  const admin = await openScaleDatabase(options.dialect, name, 2);
  const loadDb = await openScaleDatabase(options.dialect, name, 10);
  const cleanerDb = await openScaleDatabase(options.dialect, name, 1);
  const batchSize = options.batchSize ?? 1000;
  const throttle = options.throttle ?? 0.5;
  try {
    const fillStarted = performance.now();
    await fillSessions(admin, { rows: options.rows, onProgress: (n) => log(`  filled ${n.toLocaleString("en")} rows`) });
    const fillSeconds = round((performance.now() - fillStarted) / 1000);
    const expired = Math.floor(options.rows / 10) * 3 + Math.min(2, options.rows % 10);
    log(`  ${options.rows.toLocaleString("en")} rows in ${fillSeconds} s`);
    const cli = await cliOnBigTable(admin);
    for (const c of cli) log(`  ${c.command}: ${c.seconds} s, exit ${c.exitCode}: ${c.said.join(" | ")}`);
    const keys = await liveKeys(admin, 2000);
    const repository = new DjangoSessionRepository({ secretKey: SCALE_SECRET, adapter: new SqlRowAdapter(loadDb.executor), logger: silentLogger });
    const cleaner = new DjangoSessionRepository({ secretKey: SCALE_SECRET, adapter: new SqlRowAdapter(cleanerDb.executor), logger: silentLogger });
    const load = startSessionLoad({ repository, keys });
    let ours: ClearRun;
    let django: ClearRun & { version: string };
    try {
      ours = await clearBesideLoad(load, options.baselineSeconds, () => cleaner.clearExpired({ batchSize, throttle }));
      log(`  clearExpired: ${ours.deleted} rows in ${ours.seconds} s; p99 ${ours.without.p99Ms} → ${ours.during.p99Ms} ms`);
      if (options.withDjango === false) {
        django = { ...ours, deleted: 0, version: "not run" };
      } else {
        // The same table again: the expired rows back, with the same keys.
        await load.stop();
        await fillSessions(admin, { rows: options.rows, expiredOnly: true });
        log(`  expired rows put back`);
        const again = startSessionLoad({ repository, keys });
        let version = "";
        try {
          const before = await countRows(admin);
          const run = await clearBesideLoad(again, options.baselineSeconds, async () => {
            version = await djangoClearSessions(admin);
            return 0;
          });
          // Counted after the window: counting millions of rows is not part of Django's clear.
          const deleted = before - (await countRows(admin));
          django = { ...run, deleted, rowsPerSecond: Math.round(deleted / run.seconds), version };
        } finally {
          await again.stop();
        }
        log(`  Django ${django.version} clearsessions: ${django.deleted} rows in ${django.seconds} s; p99 ${django.without.p99Ms} → ${django.during.p99Ms} ms`);
      }
    } finally {
      await load.stop().catch(() => undefined);
    }
    return { dialect: options.dialect, rows: options.rows, expired, fillSeconds, cli, ours: { ...ours, batchSize, throttle }, django };
  } finally {
    await Promise.all([admin.close(), loadDb.close(), cleanerDb.close()]);
  }
}
