import { spawn } from "node:child_process";

export interface CommandResult {
  code: number | null;
  output: string;
}

/**
 * The environment for a child whose output a test reads: no colours. A CI runner (or Jest itself,
 * for its workers) may export FORCE_COLOR, which chalk-based CLIs such as TypeORM's obey even on a
 * pipe, and their escape codes then split the words a test matches.
 */
export function colorlessEnv(env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...env, FORCE_COLOR: "0", NO_COLOR: "1" };
}

// ECMA-48 CSI sequences (colours, cursor moves): stripped in case a tool ignores both variables.
const ANSI_ESCAPE = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/** Runs a command to its end, never rejecting: the exit code and everything it printed, without colour codes. */
export function runCommand(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: colorlessEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (error) => resolve({ code: -1, output: (output + String(error)).replace(ANSI_ESCAPE, "") }));
    child.on("close", (code) => resolve({ code, output: output.replace(ANSI_ESCAPE, "") }));
  });
}

/** What a command printed, or an error with its exit code and output. */
export function expectSuccess(what: string, result: CommandResult): string {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.output}`);
  return result.output;
}
