export * from "./errors";
export { b64Encode, b64Decode } from "./base64";
export { b62Encode, b62Decode } from "./base62";
export { saltedHmac, constantTimeEqual, type Secret } from "./crypto";
export { Signer, TimestampSigner, type SignerOptions, type TimestampSignerOptions, type VerifyResult, type TimestampVerifyResult } from "./signer";
export {
  dumps,
  loads,
  signObject,
  verifyObject,
  DEFAULT_MAX_DECODED_SIZE,
  type CompressionOptions,
  type DumpsOptions,
  type LoadsOptions,
  type UnsignFailureReason,
  type UnsignResult,
} from "./signed-objects";
export {
  pickleLoads,
  pickleDumps,
  PyDatetime,
  PICKLE_DEFAULT_MAX_SIZE,
  type PickleValue,
  type PickleLoadsOptions,
  type PickleDumpsOptions,
} from "./pickle";
export { pyJsonDumps, pyJsonLoads, pyFloatRepr, MAX_JSON_DEPTH, MAX_INT_DIGITS, type PythonJsonValue } from "./python-json";
export {
  SessionCodec,
  SignedCookieCodec,
  DEFAULT_KEY_SALT,
  SIGNED_COOKIES_SALT,
  DEFAULT_COOKIE_AGE,
  SESSION_COMPRESS_MIN_SIZE,
  type SessionData,
  type DecodeResult,
  type DecodeFailureReason,
  type CodecOptions,
  type SessionCodecOptions,
  type SignedCookieCodecOptions,
} from "./session-codec";
export { generateSessionKey, validateSessionKey, VALID_KEY_CHARS, SESSION_KEY_LENGTH, MAX_SESSION_KEY_LENGTH } from "./session-key";
export { consoleLogger, silentLogger, type SessionLogger } from "./logger";
export { toDjangoDateText, parseDjangoDateText, type DjangoTimeOptions } from "./django-datetime";
export { Session, TEST_COOKIE_NAME, TEST_COOKIE_VALUE, type SessionBackend, type SessionSettings, type SessionChanges, type KeyChange } from "./session";
export { EXPIRY_KEY, expiryAge, expiryDate, toPythonIsoformat, integerExpiryOnly, type OldestDjangoVersion, type ExpiryValue, type StoredExpiry, type ExpiryInput } from "./expiry";
export { readSessionCookie, serializeSessionCookie, serializeSessionCookieDeletion, addVaryCookie, type SessionCookieSettings } from "./session-cookie";
export {
  SessionMiddlewareCore,
  resolveSessionMiddlewareOptions,
  type SessionMiddlewareOptions,
  type ResolvedSessionMiddlewareOptions,
  type SessionSource,
  type RequestSession,
  type SessionCommit,
} from "./session-middleware";
