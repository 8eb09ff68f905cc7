export { DjangoCsrf, CsrfTokens, CSRF_SESSION_KEY, type CsrfOptions, type CsrfRequest, type CsrfResult } from "./csrf";
export { maskCsrfSecret, unmaskCsrfToken, newCsrfSecret, CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH } from "./csrf-token";
export { CsrfMiddlewareCore, RequestCsrf, csrfFailureBody, isFormContentType, type CsrfMiddlewareRequest, type CsrfSession, type CsrfSubmittedTokens } from "./csrf-middleware";
