import { ImproperlyConfigured } from "../core/errors";
import type { DjangoTimeOptions } from "../core/django-datetime";
import { integerExpiryOnly, type OldestDjangoVersion } from "../core/expiry";
import type { SessionSettings } from "../core/session";
import { DEFAULT_COOKIE_AGE } from "../core/session-codec";
import { generateSessionKey } from "../core/session-key";

/**
 * The Django settings every engine reads, named once (Django's `SessionBase` reads the same
 * ones from `django.conf.settings`).
 */
export interface DjangoSessionSettings {
  /** `SESSION_COOKIE_AGE` in seconds. @default 1209600 (two weeks) */
  cookieAge?: number;
  /** `SESSION_EXPIRE_AT_BROWSER_CLOSE`. @default false */
  expireAtBrowserClose?: boolean;
  /**
   * The oldest Django version that shares the sessions. `"3.2"` stores custom expiry dates as
   * integer seconds (3.2 crashes on the ISO strings 4.1+ writes) and never uses fallback keys
   * to sign. @default "4.2"
   */
  oldestDjangoVersion?: OldestDjangoVersion;
  /** `USE_TZ` and `TIME_ZONE` of the Django site. @default { useTz: true } */
  time?: DjangoTimeOptions;
  /** Clock in epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Key generator, for tests that force collisions. @default generateSessionKey */
  generateKey?: () => string;
}

/** What an engine keeps of its settings once they are checked. */
export interface ResolvedEngineSettings {
  session: SessionSettings;
  generateKey: () => string;
  now: () => number;
}

/** Checks the settings once, at construction, with messages that say how to fix each mistake. */
export function resolveEngineSettings(options: DjangoSessionSettings): ResolvedEngineSettings {
  const cookieAge = options.cookieAge ?? DEFAULT_COOKIE_AGE;
  if (!Number.isSafeInteger(cookieAge)) {
    throw new ImproperlyConfigured(`cookieAge must be a whole number of seconds, like SESSION_COOKIE_AGE (got ${String(options.cookieAge)}).`);
  }
  const integerOnly = integerExpiryOnly(options.oldestDjangoVersion);
  if (options.time?.useTz === false && options.time.timeZone) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: options.time.timeZone });
    } catch {
      throw new ImproperlyConfigured(`time.timeZone ${JSON.stringify(options.time.timeZone)} is not an IANA time zone name (Django's TIME_ZONE).`);
    }
  }
  const now = options.now ?? Date.now;
  return {
    session: {
      cookieAge,
      expireAtBrowserClose: options.expireAtBrowserClose ?? false,
      integerExpiryOnly: integerOnly,
      time: options.time,
      now,
    },
    generateKey: options.generateKey ?? generateSessionKey,
    now,
  };
}

/** A whole number ≥ 1, or a configuration error naming the option. */
export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isSafeInteger(resolved) || resolved < 1) {
    throw new ImproperlyConfigured(`${name} must be a positive whole number (got ${String(value)}).`);
  }
  return resolved;
}

export function describeTime(time: DjangoTimeOptions | undefined): string {
  return time?.useTz === false ? `USE_TZ=False, TIME_ZONE=${time.timeZone ?? "UTC"}` : "USE_TZ=True";
}
