import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { ImproperlyConfigured } from "../core/errors";
import { CliError, EXIT_CODES_HELP, ExitCode } from "./cli-error";
import { redactSecrets } from "./cli-options";
import type { CliIo } from "./cli-io";
import { jsonText } from "./json-text";
import { DATABASE_URL_HELP } from "./database-url";
import { defineClearExpired } from "./commands/clear-expired";
import { defineDecode } from "./commands/decode";
import { defineDoctor } from "./commands/doctor";
import { defineEndSessions } from "./commands/end-sessions";
import { defineInspect } from "./commands/inspect";

const ENVIRONMENT_HELP = `Environment:
  DJANGO_SECRET_KEY            Django's SECRET_KEY (instead of --secret-key, which other users can see in ps)
  DJANGO_SECRET_KEY_FALLBACKS  Django's SECRET_KEY_FALLBACKS, comma-separated
  DATABASE_URL                 the database (instead of --database-url)`;

/** This package's version, from the package.json above the running file (src/ or dist/cjs/). */
function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (!existsSync(file)) continue;
    try {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "django-session") return pkg.version ?? "unknown";
    } catch {
      // Not ours; keep looking.
    }
  }
  return "unknown";
}

/** The `django-session` program; `done` receives the exit code a command decided on. */
export function createProgram(io: CliIo, done: (code: number) => void): Command {
  const program = new Command();
  program
    .name("django-session")
    .description("Inspect and maintain the django_session table that a Django site and Node.js services share.")
    .version(packageVersion(), "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(redactSecrets(text)),
      outputError: (text, write) => write(`django-session: ${text.replace(/^error: /, "")}`),
    })
    .showHelpAfterError("(add --help for usage)")
    .helpCommand("help [command]", "show the help of a command");
  defineDecode(program, io, done);
  defineInspect(program, io, done);
  defineClearExpired(program, io, done);
  defineDoctor(program, io, done);
  defineEndSessions(program, io, done);
  for (const command of program.commands) {
    const usesDatabase = command.options.some((option) => option.long === "--database-url");
    command.addHelpText("after", `\n${usesDatabase ? `${DATABASE_URL_HELP}\n\n` : ""}${EXIT_CODES_HELP}\n`);
  }
  program.addHelpText("after", `\n${DATABASE_URL_HELP}\n\n${ENVIRONMENT_HELP}\n\n${EXIT_CODES_HELP}\n`);
  return program;
}

/**
 * Runs the CLI on `argv` (`process.argv` form) and resolves its exit code. Never throws: every
 * failure becomes a message on stderr (secrets and passwords masked) and an exit code.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  const json = argv.slice(2).includes("--json");
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version; anything else commander rejects is a usage error.
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    let failure: CliError;
    if (error instanceof CliError) failure = error;
    else if (error instanceof ImproperlyConfigured) failure = new CliError(ExitCode.USAGE, error.message);
    else {
      const message = (error as Error)?.message ?? String(error);
      failure = new CliError(ExitCode.PROBLEM, `unexpected error: ${message}`);
      if (process.env.DJANGO_SESSION_DEBUG) io.stderr.write(`${redactSecrets(String((error as Error)?.stack ?? error))}\n`);
    }
    const message = redactSecrets(failure.message);
    const hint = failure.hint ? redactSecrets(failure.hint) : undefined;
    io.stderr.write(`django-session: ${message}\n${hint ? `${hint}\n` : ""}`);
    if (json) io.stdout.write(`${jsonText({ error: { exitCode: failure.exitCode, message, hint } })}\n`);
    return failure.exitCode;
  }
}
