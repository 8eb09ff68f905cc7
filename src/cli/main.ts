#!/usr/bin/env node
/**
 * The `django-session` command (the package's `bin`): decode, inspect, clear-expired, doctor, end-sessions.
 * `django-session --help` lists them; every command has its own `--help`.
 */
import { runCli } from "./run-cli";

// `django-session ... | head` closes stdout early: that is no error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});

void runCli(process.argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, cwd: process.cwd() }).then((code) => {
  process.exitCode = code;
});
