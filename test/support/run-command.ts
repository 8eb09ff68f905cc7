import { spawn } from "node:child_process";

export interface CommandResult {
  code: number | null;
  output: string;
}

/** Runs a command to its end, never rejecting: the exit code and everything it printed. */
export function runCommand(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (error) => resolve({ code: -1, output: output + String(error) }));
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** What a command printed, or an error with its exit code and output. */
export function expectSuccess(what: string, result: CommandResult): string {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.output}`);
  return result.output;
}
