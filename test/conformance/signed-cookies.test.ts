import { SignedCookieSessionStore } from "../../src";
import { defineConformanceSuite } from "../../src/testing";

// Django's `signed_cookies` engine held to the same list as every engine, less what Django's
// CookieSessionTests drops (nothing server-side to query), plus its own cases.
defineConformanceSuite("signed_cookies conformance", { describe, test }, "signed_cookies", () => ({
  engine: (options) => new SignedCookieSessionStore(options),
}));
