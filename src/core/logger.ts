/**
 * Where the library reports what Django would log (`django.security.SuspiciousSession` and
 * friends). `console` fits; so does any logger with `warn(message, context)`. Context objects
 * never contain secrets, session keys or session data.
 */
export interface SessionLogger {
  warn(message: string, context: Record<string, unknown>): void;
  /** Routine events (an expired signed cookie). Optional. */
  debug?(message: string, context: Record<string, unknown>): void;
  /** Failures the request survives (a cache write that failed). Optional; falls back to `warn`. */
  error?(message: string, context: Record<string, unknown>): void;
}

/** Writes to `console.warn`, prefixed, like Django's default logging of security events. */
export const consoleLogger: SessionLogger = {
  warn(message, context) {
    console.warn(`django-session: ${message}`, context);
  },
  error(message, context) {
    console.error(`django-session: ${message}`, context);
  },
};

/** Discards everything (for fuzzing and benchmarks). */
export const silentLogger: SessionLogger = { warn() {} };
