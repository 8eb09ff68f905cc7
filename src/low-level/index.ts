/**
 * `django-session/low-level`: the building blocks under the root entry, public for users who
 * build their own integration or tool on them: Django's base64/base62, salted HMAC, object
 * signing, the safe pickle subset, Python-compatible JSON, Django's datetime text, expiry math,
 * the session cookie helpers and the framework-neutral middleware core the integrations share.
 * Their names follow Django's; they change more freely than the root entry's.
 */
export * from "../core";
export { mergeSessionChanges } from "../engines/merge";
