/**
 * Exit codes of the `django-session` command, the same for every command (shown by `--help`).
 */
export const ExitCode = {
  /** Everything checked out. */
  OK: 0,
  /** A problem was found: not found, expired, did not verify, or doctor found something to fix. */
  PROBLEM: 1,
  /** The command line was wrong (unknown option, missing argument or secret, bad URL). */
  USAGE: 2,
  /** The database could not be opened (unreachable, refused, missing file, driver not installed). */
  CANNOT_CONNECT: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code table, as printed at the end of every `--help`. */
export const EXIT_CODES_HELP = `Exit codes:
  0  ok
  1  problem found: not found, expired, did not verify, or doctor found something to fix
  2  usage error: unknown option, missing argument or secret key, bad database URL
  3  cannot connect: database unreachable or refused, SQLite file missing, driver package not installed`;

/**
 * A failure the CLI reports as one clear line (plus an optional hint) and an exit code, never
 * as a stack trace.
 */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A usage mistake (exit code 2). */
export const usageError = (message: string, hint?: string) => new CliError(ExitCode.USAGE, message, hint);
