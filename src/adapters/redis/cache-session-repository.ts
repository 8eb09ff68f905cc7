import { ImproperlyConfigured } from "../../core/errors";
import { CacheSessionEngine, type SessionEngineOptions } from "../../engines";
import { CACHE_KEY_PREFIX, DjangoRedisCache, type DjangoRedisCacheOptions } from "./django-redis-cache";

export interface CacheSessionRepositoryOptions extends DjangoRedisCacheOptions, SessionEngineOptions {
  /** The key prefix of the engine. @default "django.contrib.sessions.cache" */
  sessionKeyPrefix?: string;
}

/**
 * Django's `cache` session engine on Redis: the session dict pickled under
 * `:1:django.contrib.sessions.cache<key>`, as Django's `RedisCache` or django-redis writes it
 * (`flavour`). `create` is `SET NX`, `save` is `SET XX`.
 */
export class CacheSessionRepository extends CacheSessionEngine {
  declare readonly cache: DjangoRedisCache;

  constructor(options: CacheSessionRepositoryOptions) {
    if (!options || typeof options !== "object") throw new ImproperlyConfigured("CacheSessionRepository needs options: { client }.");
    super({ ...options, cache: new DjangoRedisCache(options, options.sessionKeyPrefix ?? CACHE_KEY_PREFIX) }, "CacheSessionRepository");
  }
}
