/**
 * Errors keep Django's class names so a Django developer recognises them, and carry a stable
 * `code` (like jose's) so callers can branch without `instanceof` across package copies.
 */
export class DjangoSessionError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** `django.core.signing.BadSignature`: the signature does not match, or the value is malformed. */
export class BadSignature extends DjangoSessionError {
  constructor(message: string, code = "ERR_BAD_SIGNATURE") {
    super(code, message);
  }
}

/** `django.core.signing.SignatureExpired`: a timestamped signature is older than `maxAge`. */
export class SignatureExpired extends BadSignature {
  constructor(message: string) {
    super(message, "ERR_SIGNATURE_EXPIRED");
  }
}

/** `django.utils.crypto.InvalidAlgorithm`: the hash name is not one hashlib (or node:crypto) accepts. */
export class InvalidAlgorithm extends DjangoSessionError {
  constructor(algorithm: string) {
    super("ERR_INVALID_ALGORITHM", `'${algorithm}' is not an algorithm accepted by the hashlib module.`);
  }
}

/** `django.core.exceptions.ImproperlyConfigured`: a configuration mistake, raised at construction. */
export class ImproperlyConfigured extends DjangoSessionError {
  constructor(message: string) {
    super("ERR_IMPROPERLY_CONFIGURED", message);
  }
}

/** `django.contrib.sessions.exceptions.SuspiciousSession`. */
export class SuspiciousSession extends DjangoSessionError {
  constructor(message: string) {
    super("ERR_SUSPICIOUS_SESSION", message);
  }
}

/** `django.contrib.sessions.backends.base.CreateError`: `save({ mustCreate: true })` met an existing key. */
export class CreateError extends DjangoSessionError {
  constructor(message = "Session key already exists.", options?: { cause?: unknown }) {
    super("ERR_SESSION_CREATE", message, options);
  }
}

/** `django.contrib.sessions.backends.base.UpdateError`: the row vanished before `save()` (e.g. logout elsewhere). */
export class UpdateError extends DjangoSessionError {
  constructor(message = "The session no longer exists.", options?: { cause?: unknown }) {
    super("ERR_SESSION_UPDATE", message, options);
  }
}

/** Django's exact message for `SessionInterrupted` (a `BadRequest`, so HTTP 400). */
export const SESSION_INTERRUPTED_MESSAGE =
  "The request's session was deleted before the request completed. The user may have logged out in a concurrent request, for example.";

/** `django.contrib.sessions.exceptions.SessionInterrupted`: the middleware's 400 for an `UpdateError`. */
export class SessionInterrupted extends DjangoSessionError {
  readonly status = 400;
  constructor(options?: { cause?: unknown }) {
    super("ERR_SESSION_INTERRUPTED", SESSION_INTERRUPTED_MESSAGE, options);
  }
}
