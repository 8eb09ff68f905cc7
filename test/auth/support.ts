import { execFile } from "node:child_process";
import path from "node:path";
import { DjangoSessionRepository, SqlRowAdapter, type Session } from "../../src";
import { openSqlite, type RawDatabase } from "../support/raw-tables";

export const SECRET = "django-insecure-spec-vector-secret-0123456789";
export const OLD_SECRET = "django-insecure-old-key-1";
export const OLDER_SECRET = "django-insecure-old-key-2";
export const MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend";

/** A real `DjangoSessionRepository` over Django's `django_session` table in a SQLite file of its own. */
export interface AuthTestStore {
  db: RawDatabase;
  repository: DjangoSessionRepository;
  /** A new session (no key) with `data` saved into it. */
  saved(data: Record<string, unknown>): Promise<Session>;
  /** The session under `key`, loaded fresh from the table. */
  reload(key: string | null): Promise<Record<string, unknown> | null>;
  close(): Promise<void>;
}

export async function openAuthStore(name: string): Promise<AuthTestStore> {
  const db = await openSqlite(name);
  await db.recreate();
  const repository = new DjangoSessionRepository({ secretKey: SECRET, adapter: new SqlRowAdapter(db.executor) });
  return {
    db,
    repository,
    async saved(data) {
      const session = repository.get();
      await session.update(data);
      await session.save();
      return repository.get(session.sessionKey);
    },
    async reload(key) {
      if (key === null) return null;
      const row = await db.table.getRow(key);
      return row === null ? null : repository.codec.decode(row.sessionData);
    },
    close: () => db.close(),
  };
}

/**
 * The Python that runs Django `version`: `$DJANGO32_PYTHON` / `$DJANGO52_PYTHON`, else what
 * scripts/setup-test-env.sh installs (Debian's python3 with python3-django 3.2; the repository's
 * `.venv-django52`). Missing Python or Django fails the interop tests; they never skip.
 */
export function djangoPython(version: "3.2" | "5.2"): string {
  if (version === "3.2") return process.env.DJANGO32_PYTHON || "/usr/bin/python3";
  return process.env.DJANGO52_PYTHON || path.join(__dirname, "..", "..", ".venv-django52", "bin", "python");
}

/** Runs `script` (in test/auth) under Django `version` with `input` as JSON on stdin; its stdout parsed as JSON. */
export function runDjango<T>(version: "3.2" | "5.2", script: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      djangoPython(version),
      [path.join(__dirname, script)],
      { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`Django ${version} (${djangoPython(version)} ${script}) failed: ${error.message}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout) as T);
        } catch (parseError) {
          reject(new Error(`Django ${version} wrote no JSON: ${String(parseError)}\n${stdout}\n${stderr}`));
        }
      },
    );
    child.stdin!.end(JSON.stringify(input));
  });
}
