import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The repository's root, from the sources or from a compiled copy (.reliability-build/, .bench-build/). */
export function repoRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, "bench", "scale", "clearsessions.py"))) return dir;
  }
  throw new Error(`bench/scale/clearsessions.py not found above ${__dirname}`);
}
