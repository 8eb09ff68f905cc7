import { CachedDbSessionRepository, SqlRowAdapter } from "../../src";
import { CACHED_DB_KEY_PREFIX, DjangoRedisCache, RedisSessionCache } from "../../src/adapters/redis";
import { defineConformanceSuite } from "../../src/testing";
import type { Dialect } from "../support/databases";
import { openDatabase, type RawDatabase } from "../support/raw-tables";
import { redisTestClient } from "../support/redis";

// Django's `cached_db` engine (the db engine reading through Redis) held to the same list as
// every engine, on a database of each kind and in both of Django's Redis cache flavours.
const LOCATION = "redis://127.0.0.1:6379/13";
const PREFIX = `ds-conf-cdb-${process.pid}`;
const client = redisTestClient(LOCATION, PREFIX);

const CASES: { dialect: Dialect; flavour: "django" | "django-redis" }[] = [
  { dialect: "postgres", flavour: "django" },
  { dialect: "mysql", flavour: "django-redis" },
  { dialect: "sqlite", flavour: "django" },
];

for (const { dialect, flavour } of CASES) {
  describe(`cached_db on ${dialect}, ${flavour} flavour`, () => {
    const keyPrefix = `${PREFIX}-${dialect}`;
    const raw = new DjangoRedisCache({ client, keyPrefix, flavour }, CACHED_DB_KEY_PREFIX);
    let db: RawDatabase;
    beforeAll(async () => {
      db = await openDatabase(dialect, "ds_conformance_cached_db");
      await db.recreate();
    });
    afterAll(() => db.close());

    defineConformanceSuite("conformance", { describe, test }, "cached_db", () => ({
      engine: (options) =>
        new CachedDbSessionRepository({ ...options, adapter: new SqlRowAdapter(db.executor), cache: new RedisSessionCache({ client, keyPrefix, flavour }) }),
      table: db.table,
      cache: { has: async (sessionKey) => (await client.exists(raw.key(sessionKey))) === 1 },
    }));
  });
}
