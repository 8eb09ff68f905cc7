import { execFile } from "node:child_process";
import { join } from "node:path";
import { toDjangoDateText } from "../../src/core/django-datetime";
import { repoRoot } from "./repo-root";
import type { ScaleDatabase } from "./scale-database";
import { SCALE_SECRET } from "./session-samples";

/** One CLI command on the big table: how long it took, its exit code and what it says it read. */
export interface CliTiming {
  command: string;
  seconds: number;
  exitCode: number;
  /** doctor: its table and secret checks' messages (what it counted or estimated, what it sampled); inspect: found and status. */
  said: string[];
}

/** The built CLI (`npm run build`), as a user runs it; DS_SCALE_CLI names another entry file (e.g. a compiled src/cli/main.js). */
const CLI = process.env.DS_SCALE_CLI ?? join(repoRoot(), "dist", "cjs", "cli", "main.js");

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, DJANGO_SECRET_KEY: SCALE_SECRET }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
      resolve({ code, stdout, stderr, seconds: Math.round((performance.now() - started) / 10) / 100 });
    });
  });
}

/** `doctor --json` and `inspect <a live key> --json` on the scale database. */
export async function cliOnBigTable(db: ScaleDatabase): Promise<CliTiming[]> {
  const url = db.dialect === "sqlite" ? `sqlite://${db.url}` : db.url;
  const doctor = await run(["doctor", "--database-url", url, "--json"]);
  const report = JSON.parse(doctor.stdout || "{}") as { checks?: { id: string; message: string; lines?: string[] }[] };
  const said = (report.checks ?? []).filter((c) => c.id === "table" || c.id === "secret").flatMap((c) => [c.message, ...(c.lines ?? []).filter((l) => l.startsWith("sampled"))]);
  const now = db.dialect === "postgres" ? new Date() : toDjangoDateText(new Date());
  const [live] = await db.query("SELECT session_key FROM django_session WHERE expire_date > ? ORDER BY expire_date DESC LIMIT 1", [now]);
  const inspect = await run(["inspect", String(live?.session_key), "--database-url", url, "--json"]);
  const found = JSON.parse(inspect.stdout || "{}") as { found?: boolean; expired?: boolean; verified?: unknown };
  return [
    { command: "doctor --json", seconds: doctor.seconds, exitCode: doctor.code, said: said.length ? said : [doctor.stderr.trim().slice(0, 300)] },
    { command: "inspect <live key> --json", seconds: inspect.seconds, exitCode: inspect.code, said: [`found ${String(found.found)}, expired ${String(found.expired)}: one SELECT by primary key`] },
  ];
}
