import { CacheSessionRepository, DjangoRedisCache, CACHE_KEY_PREFIX } from "../../src/adapters/redis";
import { defineConformanceSuite } from "../../src/testing";
import { redisTestClient } from "../support/redis";

// Django's `cache` engine (sessions only in Redis) held to the same list as every engine, in
// both of Django's Redis cache flavours: RedisCache (Django 4+) and django-redis.
const LOCATION = "redis://127.0.0.1:6379/13";
const PREFIX = `ds-conf-cache-${process.pid}`;
const client = redisTestClient(LOCATION, PREFIX);

for (const flavour of ["django", "django-redis"] as const) {
  describe(`cache engine, ${flavour} flavour`, () => {
    const keyPrefix = `${PREFIX}-${flavour}`;
    // The cache as stored: the physical key Django reads, asked of Redis directly.
    const raw = new DjangoRedisCache({ client, keyPrefix, flavour }, CACHE_KEY_PREFIX);

    defineConformanceSuite("conformance", { describe, test }, "cache", () => ({
      engine: (options) => new CacheSessionRepository({ ...options, client, keyPrefix, flavour }),
      cache: { has: async (sessionKey) => (await client.exists(raw.key(sessionKey))) === 1 },
    }));
  });
}
