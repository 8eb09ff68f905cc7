/**
 * `django-session/redis`: Django's session caches on Redis, through a node-redis client you
 * create and connect (`redis`, an optional peer dependency, never imported by this module):
 * - `RedisSessionCache`, the `cache` option of `DjangoSessionRepository` for Django's `cached_db`
 *   engine (reads through it; every save, cycle, flush and delete updates or deletes Django's
 *   entry, so a logout on Node is a logout on Django);
 * - `CacheSessionRepository`, Django's `cache` engine (sessions only in Redis);
 * - `DjangoRedisCache`, Django's cache API (`get`/`set`/`add`/`delete`/`has_key`) on the same keys
 *   and values as Django's `RedisCache` (Django ≥ 4) or django-redis (`flavour`).
 * Values are the session dict pickled (spec §6.2), read and written with the safe pickle subset.
 */
export {
  DjangoRedisCache,
  RedisSessionCache,
  defaultKeyFunction,
  encodeDjangoCacheValue,
  decodeDjangoCacheValue,
  CACHED_DB_KEY_PREFIX,
  CACHE_KEY_PREFIX,
  type DjangoRedisCacheOptions,
  type DjangoCacheFlavour,
  type NodeRedisClientLike,
} from "./django-redis-cache";
export { CacheSessionRepository, type CacheSessionRepositoryOptions } from "./cache-session-repository";
// Kept here too, where users of the Redis engines found them first.
export { RedisCommandTimeout, SessionCreateExhausted } from "../../core/errors";
export { CACHE_MAX_CREATE_ATTEMPTS } from "../../engines/cache";
