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
