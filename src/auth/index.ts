/**
 * Django auth awareness: read and write the login that `django.contrib.auth` keeps in the
 * session (`getUser`, `login`, `logout`, `updateSessionAuthHash`), and check or make passwords in
 * Django's stored formats (`checkPassword`, `verifyPassword`, `makePassword`). Pure: no ORM, no
 * framework; you load the user row yourself (`loadUser`).
 */
export {
  SESSION_KEY,
  BACKEND_SESSION_KEY,
  HASH_SESSION_KEY,
  SESSION_AUTH_HASH_KEY_SALT,
  getSessionAuthHash,
  type DjangoVersion,
  type SessionAuthHashAlgorithm,
  type SessionAuthHashOptions,
} from "./session-auth-hash";
export {
  MODEL_BACKEND,
  DEFAULT_AUTHENTICATION_BACKENDS,
  ALLOW_ALL_USERS_BACKENDS,
  type AuthUser,
  type AuthSession,
  type AuthSettingsOptions,
} from "./auth-settings";
export { getUser, type GetUserOptions, type GetUserResult, type GetUserReason } from "./get-user";
export {
  authenticate,
  type AuthenticateOptions,
  type AuthenticateReason,
  type AuthenticateResult,
  type UserStore,
} from "./authenticate";
export { login, logout, updateSessionAuthHash, type LoginOptions, type LoginResult, type UpdateSessionAuthHashOptions } from "./login";
export {
  checkPassword,
  verifyPassword,
  makePassword,
  isPasswordUsable,
  identifyHasher,
  UNUSABLE_PASSWORD_PREFIX,
  UNUSABLE_PASSWORD_SUFFIX_LENGTH,
  DEFAULT_PBKDF2_ITERATIONS,
  DEFAULT_PASSWORD_HASHERS,
  type PasswordHasherOptions,
  type MakePasswordOptions,
  type VerifyPasswordResult,
} from "./passwords";
export { PASSWORD_ALGORITHMS, type PasswordAlgorithm } from "./password-hashers";
export { ScryptMemoryLimitExceeded } from "./errors";
export { PasswordHasherLibraryMissing } from "./errors";
export {
  DjangoMessages,
  RequestMessages,
  DEBUG,
  INFO,
  SUCCESS,
  WARNING,
  ERROR,
  DEFAULT_MESSAGE_TAGS,
  MESSAGES_COOKIE_NAME,
  MESSAGES_SESSION_KEY,
  messageTags,
  type DjangoMessage,
  type DjangoMessagesOptions,
  type DjangoMessagesRequest,
  type MessagesCommit,
  type MessagesSession,
  type MessageStorageKind,
} from "./messages";
export {
  DjangoCsrf,
  CsrfTokens,
  CSRF_SESSION_KEY,
  maskCsrfSecret,
  unmaskCsrfToken,
  type CsrfOptions,
  type CsrfRequest,
  type CsrfResult,
} from "./csrf";
