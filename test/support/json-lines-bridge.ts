import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { djangoPython, type DjangoVersion } from "../interop/django-bridge";

/**
 * A Python script under real Django that answers one JSON line per JSON line (test/auth/django_*.py),
 * kept running for a whole test file. An answer with `error` rejects, with the script's stderr.
 */
export class JsonLinesBridge<A extends object> {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: ((line: string) => void)[] = [];
  private stderr = "";

  constructor(
    readonly version: DjangoVersion,
    script: string,
  ) {
    const python = djangoPython(version);
    if (python.includes("/") && !existsSync(python)) throw new Error(`Python for Django ${version} not found at ${python} (run scripts/setup-test-env.sh)`);
    this.child = spawn(python, [script], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    createInterface({ input: this.child.stdout }).on("line", (line) => this.pending.shift()?.(line));
  }

  request(body: object): Promise<A & { django: string }> {
    return new Promise((resolve, reject) => {
      this.pending.push((line) => {
        const answer = JSON.parse(line) as A & { django: string; error?: string };
        if (answer.error) reject(new Error(`Django ${this.version}: ${answer.error}\n${this.stderr}`));
        else resolve(answer);
      });
      this.child.stdin.write(`${JSON.stringify(body)}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
