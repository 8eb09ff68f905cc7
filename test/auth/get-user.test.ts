/**
 * getUser = django.contrib.auth.get_user, on real sessions (DjangoSessionRepository over
 * Django's django_session table in SQLite): which sessions are logged in, and exactly when the
 * session is left alone, flushed, or moved to a new key.
 */
import * as crypto from "../../src/core/crypto";
import { ImproperlyConfigured } from "../../src";
import { getSessionAuthHash, getUser, type AuthUser, type GetUserOptions } from "../../src/auth";
import { MODEL_BACKEND, OLDER_SECRET, OLD_SECRET, SECRET, openAuthStore, type AuthTestStore } from "./support";

const PASSWORD = "pbkdf2_sha256$600000$salt$hash";
const alice: AuthUser & { username: string } = { id: 1, password: PASSWORD, isActive: true, username: "alice" };

let store: AuthTestStore;
beforeAll(async () => {
  store = await openAuthStore("ds_auth_get_user");
});
afterAll(() => store.close());

function loggedIn(extra: Record<string, unknown> = {}, hash = getSessionAuthHash(PASSWORD, SECRET)) {
  return store.saved({ _auth_user_id: "1", _auth_user_backend: MODEL_BACKEND, _auth_user_hash: hash, cart: [1, 2], ...extra });
}

function options(overrides: Partial<GetUserOptions<typeof alice>> = {}): GetUserOptions<typeof alice> {
  return { secretKey: SECRET, loadUser: async (id) => (id === "1" ? alice : null), ...overrides };
}

describe("anonymous without touching the session", () => {
  test("no _auth_user_id: no-user", async () => {
    const session = await store.saved({ cart: [1] });
    const key = session.sessionKey;
    const loadUser = jest.fn();
    expect(await getUser(session, options({ loadUser }))).toEqual({ user: null, reason: "no-user" });
    expect(loadUser).not.toHaveBeenCalled();
    expect(session.sessionKey).toBe(key);
    expect(session.modified).toBe(false);
    expect(await store.reload(key)).toEqual({ cart: [1] });
  });

  test("an id without a backend is no-user too (Django reads both keys first)", async () => {
    const session = await store.saved({ _auth_user_id: "1", _auth_user_hash: getSessionAuthHash(PASSWORD, SECRET) });
    expect(await getUser(session, options())).toEqual({ user: null, reason: "no-user" });
    expect(session.modified).toBe(false);
  });

  test("a session that does not exist is empty, hence no-user", async () => {
    const session = store.repository.get("doesnotexist0000000000000000000000");
    expect(await getUser(session, options())).toEqual({ user: null, reason: "no-user" });
  });

  test("a backend not in backends: unknown-backend, and the session is kept", async () => {
    const session = await loggedIn({ _auth_user_backend: "myapp.backends.EmailBackend" });
    const loadUser = jest.fn();
    expect(await getUser(session, options({ loadUser }))).toEqual({ user: null, reason: "unknown-backend" });
    expect(loadUser).not.toHaveBeenCalled();
    expect(session.modified).toBe(false);
    expect(await store.reload(session.sessionKey)).not.toBeNull();
  });

  test("a backend listed in backends is used, and passed to loadUser", async () => {
    const session = await loggedIn({ _auth_user_backend: "myapp.backends.EmailBackend" });
    const loadUser = jest.fn(async () => alice);
    const result = await getUser(session, options({ loadUser, backends: [MODEL_BACKEND, "myapp.backends.EmailBackend"] }));
    expect(result).toEqual({ user: alice, backend: "myapp.backends.EmailBackend", reason: "verified" });
    expect(loadUser).toHaveBeenCalledWith("1", "myapp.backends.EmailBackend");
  });

  test("loadUser finds nobody: user-not-found, and the session is kept", async () => {
    const session = await loggedIn({ _auth_user_id: "999" });
    expect(await getUser(session, options())).toEqual({ user: null, reason: "user-not-found" });
    expect(session.modified).toBe(false);
    expect(await store.reload(session.sessionKey)).not.toBeNull();
  });

  test("an _auth_user_id that is neither string nor number: invalid-user-id", async () => {
    for (const bad of [null, { id: 1 }, [1], true, 1.5]) {
      const session = await loggedIn({ _auth_user_id: bad });
      expect(await getUser(session, options())).toEqual({ user: null, reason: "invalid-user-id" });
    }
  });

  test("a numeric _auth_user_id is read as its string (pk.to_python accepts it)", async () => {
    const session = await loggedIn({ _auth_user_id: 1 });
    const loadUser = jest.fn(async () => alice);
    expect((await getUser(session, options({ loadUser }))).user).toBe(alice);
    expect(loadUser).toHaveBeenCalledWith("1", MODEL_BACKEND);
  });
});

describe("inactive users (ModelBackend.user_can_authenticate)", () => {
  test.each([[false], [null], [0]])("isActive %p: inactive, session kept", async (isActive) => {
    const session = await loggedIn();
    const result = await getUser(session, options({ loadUser: async () => ({ ...alice, isActive: isActive as boolean | null }) }));
    expect(result).toEqual({ user: null, reason: "inactive" });
    expect(session.modified).toBe(false);
    expect(await store.reload(session.sessionKey)).not.toBeNull();
  });

  test("a user without isActive counts as active (getattr default True)", async () => {
    const session = await loggedIn();
    const { isActive: _omit, ...noFlag } = alice;
    expect((await getUser(session, options({ loadUser: async () => noFlag as typeof alice }))).reason).toBe("verified");
  });

  test("AllowAllUsersModelBackend lets inactive users in", async () => {
    const backend = "django.contrib.auth.backends.AllowAllUsersModelBackend";
    const session = await loggedIn({ _auth_user_backend: backend });
    const inactive = { ...alice, isActive: false };
    const result = await getUser(session, options({ backends: [backend], loadUser: async () => inactive }));
    expect(result).toEqual({ user: inactive, backend, reason: "verified" });
  });

  test("a custom userCanAuthenticate decides", async () => {
    const session = await loggedIn();
    const userCanAuthenticate = jest.fn(() => false);
    expect((await getUser(session, options({ userCanAuthenticate }))).reason).toBe("inactive");
    expect(userCanAuthenticate).toHaveBeenCalledWith(alice, MODEL_BACKEND);
  });
});

describe("the session auth hash", () => {
  test("matching hash: the user, with the session untouched", async () => {
    const session = await loggedIn();
    const key = session.sessionKey;
    expect(await getUser(session, options())).toEqual({ user: alice, backend: MODEL_BACKEND, reason: "verified" });
    expect(session.sessionKey).toBe(key);
    expect(session.modified).toBe(false);
  });

  test("a UUID pk passes through as the string Django stored", async () => {
    const id = "8c4ed9e4-33d7-4a43-a51d-7ff2b7a0d3a5";
    const user = { id, password: PASSWORD, isActive: true };
    const session = await loggedIn({ _auth_user_id: id });
    const loadUser = jest.fn(async () => user);
    expect((await getUser(session, { secretKey: SECRET, loadUser })).user).toBe(user);
    expect(loadUser).toHaveBeenCalledWith(id, MODEL_BACKEND);
  });

  test("the password changed since login: hash-mismatch, session flushed (row deleted, no key)", async () => {
    const session = await loggedIn();
    const key = session.sessionKey!;
    const changed = { ...alice, password: "pbkdf2_sha256$600000$salt$other" };
    expect(await getUser(session, options({ loadUser: async () => changed }))).toEqual({ user: null, reason: "hash-mismatch" });
    expect(session.sessionKey).toBeNull();
    expect(await session.keys()).toEqual([]);
    expect(await store.reload(key)).toBeNull();
  });

  test.each([
    ["missing", undefined],
    ["empty", ""],
    ["a number", 42],
    ["null", null],
    ["upper-case hex", getSessionAuthHash(PASSWORD, SECRET).toUpperCase()],
    ["another secret's hash", getSessionAuthHash(PASSWORD, "some-other-secret")],
  ])("session hash %s: flushed", async (_label, hash) => {
    const data: Record<string, unknown> = { _auth_user_id: "1", _auth_user_backend: MODEL_BACKEND };
    if (hash !== undefined) data._auth_user_hash = hash;
    const session = await store.saved(data);
    const key = session.sessionKey!;
    expect((await getUser(session, options())).reason).toBe("hash-mismatch");
    expect(session.sessionKey).toBeNull();
    expect(await store.reload(key)).toBeNull();
  });

  test("hashes are compared with the constant-time comparison", async () => {
    const spy = jest.spyOn(crypto, "constantTimeEqual");
    try {
      const session = await loggedIn({}, getSessionAuthHash(PASSWORD, OLD_SECRET));
      await getUser(session, options({ secretKeyFallbacks: [OLD_SECRET] }));
      expect(spy).toHaveBeenCalledWith(getSessionAuthHash(PASSWORD, OLD_SECRET), getSessionAuthHash(PASSWORD, SECRET));
      expect(spy).toHaveBeenCalledWith(getSessionAuthHash(PASSWORD, OLD_SECRET), getSessionAuthHash(PASSWORD, OLD_SECRET));
    } finally {
      spy.mockRestore();
    }
  });
});

describe("SECRET_KEY_FALLBACKS (Django 4.1.8+, #34384)", () => {
  test("a hash under a fallback key verifies; the session gets a new key and the current hash", async () => {
    const session = await loggedIn({}, getSessionAuthHash(PASSWORD, OLD_SECRET));
    const oldKey = session.sessionKey!;
    const result = await getUser(session, options({ secretKeyFallbacks: [OLDER_SECRET, OLD_SECRET] }));
    expect(result).toEqual({ user: alice, backend: MODEL_BACKEND, reason: "verified-fallback" });
    expect(session.sessionKey).not.toBe(oldKey);
    expect(session.sessionKey).toMatch(/^[a-z0-9]{32}$/);
    // cycle_key: the old row is gone, the data lives on under the new key...
    expect(await store.reload(oldKey)).toBeNull();
    expect(await store.reload(session.sessionKey)).toMatchObject({ cart: [1, 2], _auth_user_id: "1" });
    // ...and the hash is upgraded to the current secret's (saved with the session).
    expect(await session.get("_auth_user_hash")).toBe(getSessionAuthHash(PASSWORD, SECRET));
    expect(session.modified).toBe(true);
    await session.save();
    expect((await store.reload(session.sessionKey))!._auth_user_hash).toBe(getSessionAuthHash(PASSWORD, SECRET));
    // The next request verifies under the current key without any change.
    const next = store.repository.get(session.sessionKey);
    expect((await getUser(next, options({ secretKeyFallbacks: [OLD_SECRET] }))).reason).toBe("verified");
    expect(next.modified).toBe(false);
  });

  test("a fallback-key hash is flushed when that key is not listed", async () => {
    const session = await loggedIn({}, getSessionAuthHash(PASSWORD, OLD_SECRET));
    expect((await getUser(session, options({ secretKeyFallbacks: [OLDER_SECRET] }))).reason).toBe("hash-mismatch");
    expect(session.sessionKey).toBeNull();
  });

  test("fallback keys may be bytes", async () => {
    const bytes = new Uint8Array([0xe7, 0xff, 0x00, 0x5c]);
    const session = await loggedIn({}, getSessionAuthHash(PASSWORD, bytes));
    expect((await getUser(session, options({ secretKeyFallbacks: [bytes] }))).reason).toBe("verified-fallback");
  });
});

describe("siteDjangoVersion 3.2", () => {
  test("accepts the legacy sha1 hash (pre-3.1 sessions) without cycling", async () => {
    const legacy = getSessionAuthHash(PASSWORD, SECRET, { algorithm: "sha1" });
    expect(legacy).toMatch(/^[0-9a-f]{40}$/);
    const session = await loggedIn({}, legacy);
    const key = session.sessionKey;
    expect(await getUser(session, options({ siteDjangoVersion: "3.2" }))).toEqual({ user: alice, backend: MODEL_BACKEND, reason: "verified-legacy" });
    expect(session.sessionKey).toBe(key);
    expect(session.modified).toBe(false);
  });

  test("4.2 and 5.2 log the legacy sha1 hash out", async () => {
    for (const siteDjangoVersion of ["4.2", "5.2"] as const) {
      const session = await loggedIn({}, getSessionAuthHash(PASSWORD, SECRET, { algorithm: "sha1" }));
      expect((await getUser(session, options({ siteDjangoVersion }))).reason).toBe("hash-mismatch");
    }
  });

  test("DEFAULT_HASHING_ALGORITHM = 'sha1': the sha1 hash is the current one", async () => {
    const session = await loggedIn({}, getSessionAuthHash(PASSWORD, SECRET, { algorithm: "sha1" }));
    expect((await getUser(session, options({ siteDjangoVersion: "3.2", defaultHashingAlgorithm: "sha1" }))).reason).toBe("verified");
    const sha256 = await loggedIn();
    // ...and the sha256 one is then unknown (3.2 compares against the sha1 current and legacy hashes).
    expect((await getUser(sha256, options({ siteDjangoVersion: "3.2", defaultHashingAlgorithm: "sha1" }))).reason).toBe("hash-mismatch");
  });

  test("3.2 has no fallback keys: a configuration error", async () => {
    const session = await loggedIn();
    await expect(getUser(session, options({ siteDjangoVersion: "3.2", secretKeyFallbacks: [OLD_SECRET] }))).rejects.toThrow(/3\.2 has no SECRET_KEY_FALLBACKS/);
  });
});

describe("configuration errors name the option", () => {
  test.each([
    [{ secretKey: "" }, /secretKey/],
    [{ secretKey: undefined }, /secretKey/],
    [{ loadUser: "nope" }, /loadUser/],
    [{ siteDjangoVersion: "4.0" }, /siteDjangoVersion/],
    [{ backends: [] }, /backends/],
    [{ secretKeyFallbacks: "old" }, /secretKeyFallbacks/],
    [{ defaultHashingAlgorithm: "md5" }, /defaultHashingAlgorithm/],
    [{ defaultHashingAlgorithm: "sha1" }, /siteDjangoVersion: "3.2"/],
  ])("%p", async (overrides, message) => {
    const session = store.repository.get();
    const promise = getUser(session, { ...options(), ...(overrides as object) } as GetUserOptions<typeof alice>);
    await expect(promise).rejects.toBeInstanceOf(ImproperlyConfigured);
    await expect(promise).rejects.toThrow(message);
  });
});
