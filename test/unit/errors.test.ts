import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import * as root from "../../src";
import * as auth from "../../src/auth";
import * as redis from "../../src/adapters/redis";
import { DjangoSessionError, isDjangoSessionError, UpdateError, type DjangoSessionErrorCode } from "../../src/core/errors";

const SRC = join(__dirname, "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("one error hierarchy", () => {
  const exported = { ...root, ...auth, ...redis } as Record<string, unknown>;
  const errorClasses = Object.entries(exported).filter(
    ([, value]) => typeof value === "function" && (value as { prototype?: unknown }).prototype instanceof Error,
  ) as [string, new (...args: never[]) => Error][];

  test("every error class the entry points export extends DjangoSessionError", () => {
    expect(errorClasses.length).toBeGreaterThan(10);
    for (const [name, cls] of errorClasses) expect([name, cls === DjangoSessionError || cls.prototype instanceof DjangoSessionError]).toEqual([name, true]);
  });

  test("every error class is defined in src/core/errors.ts, and nothing else in src declares one", () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const rel = relative(SRC, file);
      if (rel === join("core", "errors.ts") || rel.startsWith("cli/")) continue; // the CLI's own exit-code error never leaves the program
      const text = readFileSync(file, "utf8");
      for (const match of text.matchAll(/class (\w+) extends (\w*Error|BadSignature|DjangoSessionError)\b/g)) offenders.push(`${rel}: ${match[1]} extends ${match[2]}`);
      for (const match of text.matchAll(/throw new Error\(/g)) offenders.push(`${rel}: bare Error at ${match.index}`);
    }
    expect(offenders).toEqual([]);
  });

  test("isDjangoSessionError: ours, by code, and another copy's error by its code", () => {
    const ours = new UpdateError();
    expect(isDjangoSessionError(ours)).toBe(true);
    expect(isDjangoSessionError(ours, "ERR_SESSION_UPDATE")).toBe(true);
    expect(isDjangoSessionError(ours, "ERR_SESSION_CREATE")).toBe(false);
    // A second copy of the package (e.g. the CJS and ESM builds both loaded): not instanceof, same code.
    const copy = Object.assign(new Error("The session no longer exists."), { name: "UpdateError", code: "ERR_SESSION_UPDATE" });
    expect(copy instanceof DjangoSessionError).toBe(false);
    expect(isDjangoSessionError(copy, "ERR_SESSION_UPDATE")).toBe(true);
    for (const other of [new Error("x"), Object.assign(new Error("x"), { code: "ECONNREFUSED" }), Object.assign(new Error("x"), { code: "ERR_SOMETHING_ELSE" }), "ERR_SESSION_UPDATE", null]) {
      expect(isDjangoSessionError(other)).toBe(false);
    }
  });

  test("codes are unique per class, so a code names one condition", () => {
    const samples: [string, Error][] = [
      ["UpdateError", new root.UpdateError()],
      ["CreateError", new root.CreateError()],
      ["SessionConflictError", new root.SessionConflictError(3)],
      ["SessionCreateExhausted", new root.SessionCreateExhausted(3)],
      ["SessionCookieTooLarge", new root.SessionCookieTooLarge(5000)],
      ["ImproperlyConfigured", new root.ImproperlyConfigured("x")],
      ["SessionStorageError", new root.SessionStorageError("load", new Error("down"))],
      ["RedisCommandTimeout", new redis.RedisCommandTimeout("GET", 10)],
      ["PythonJsonError", new root.PythonJsonError("x")],
    ];
    const codes = samples.map(([, error]) => (error as DjangoSessionError).code as DjangoSessionErrorCode);
    expect(new Set(codes).size).toBe(samples.length);
    for (const [name, error] of samples) expect(error.name).toBe(name);
  });
});
