/**
 * login / logout / updateSessionAuthHash = django.contrib.auth's, on real sessions
 * (DjangoSessionRepository over SQLite): what they write, and when the key is cycled, the session
 * flushed, or both left alone.
 */
import { ImproperlyConfigured } from "../../src";
import { getSessionAuthHash, getUser, login, logout, updateSessionAuthHash, type AuthUser } from "../../src/auth";
import { MODEL_BACKEND, SECRET, openAuthStore, type AuthTestStore } from "./support";

const alice: AuthUser = { id: 1, password: "pbkdf2_sha256$600000$salt$alice", isActive: true };
const bob: AuthUser = { id: 2, password: "pbkdf2_sha256$600000$salt$bob", isActive: true };
const aliceHash = getSessionAuthHash(alice.password, SECRET);

let store: AuthTestStore;
beforeAll(async () => {
  store = await openAuthStore("ds_auth_login");
});
afterAll(() => store.close());

describe("login", () => {
  test("writes exactly Django's three keys: pk as a string, backend path, sha256 hash", async () => {
    const session = store.repository.get();
    expect(await login(session, alice, { secretKey: SECRET })).toEqual({ session: "cycled" });
    await session.save();
    expect(await store.reload(session.sessionKey)).toEqual({
      _auth_user_id: "1",
      _auth_user_backend: MODEL_BACKEND,
      _auth_user_hash: aliceHash,
    });
    expect(aliceHash).toMatch(/^[0-9a-f]{64}$/);
  });

  test("an anonymous session keeps its data under a new key (no session fixation)", async () => {
    const session = await store.saved({ cart: [1, 2], _language: "fr" });
    const anonymousKey = session.sessionKey!;
    expect((await login(session, alice, { secretKey: SECRET })).session).toBe("cycled");
    expect(session.sessionKey).not.toBe(anonymousKey);
    expect(await store.reload(anonymousKey)).toBeNull();
    await session.save();
    expect(await store.reload(session.sessionKey)).toEqual({
      cart: [1, 2],
      _language: "fr",
      _auth_user_id: "1",
      _auth_user_backend: MODEL_BACKEND,
      _auth_user_hash: aliceHash,
    });
  });

  test("another user's session is flushed first: nothing of theirs survives", async () => {
    const bobs = await store.saved({
      _auth_user_id: "2",
      _auth_user_backend: MODEL_BACKEND,
      _auth_user_hash: getSessionAuthHash(bob.password, SECRET),
      basket: "bob's",
    });
    const bobKey = bobs.sessionKey!;
    expect((await login(bobs, alice, { secretKey: SECRET })).session).toBe("flushed");
    expect(await store.reload(bobKey)).toBeNull();
    await bobs.save();
    expect(bobs.sessionKey).not.toBe(bobKey);
    expect(await store.reload(bobs.sessionKey)).toEqual({ _auth_user_id: "1", _auth_user_backend: MODEL_BACKEND, _auth_user_hash: aliceHash });
  });

  test("the same user with another hash (password changed) is flushed too", async () => {
    const session = await store.saved({ _auth_user_id: "1", _auth_user_backend: MODEL_BACKEND, _auth_user_hash: "stale", keep: "no" });
    expect((await login(session, alice, { secretKey: SECRET })).session).toBe("flushed");
    expect(await session.toObject()).toEqual({ _auth_user_id: "1", _auth_user_backend: MODEL_BACKEND, _auth_user_hash: aliceHash });
  });

  test("the same user with the same hash: the session and its key are kept (Django does not cycle)", async () => {
    const session = await store.saved({ _auth_user_id: "1", _auth_user_backend: MODEL_BACKEND, _auth_user_hash: aliceHash, keep: "yes" });
    const key = session.sessionKey;
    expect((await login(session, alice, { secretKey: SECRET })).session).toBe("kept");
    expect(session.sessionKey).toBe(key);
    expect(await session.get("keep")).toBe("yes");
  });

  test("an _auth_user_id stored as a number counts as the same pk", async () => {
    const session = await store.saved({ _auth_user_id: 1, _auth_user_backend: MODEL_BACKEND, _auth_user_hash: aliceHash });
    expect((await login(session, alice, { secretKey: SECRET })).session).toBe("kept");
    expect(await session.get("_auth_user_id")).toBe("1");
  });

  test("a string pk and a bigint pk are stored as their strings", async () => {
    for (const id of ["8c4ed9e4-33d7-4a43-a51d-7ff2b7a0d3a5", 9007199254740993n]) {
      const session = store.repository.get();
      await login(session, { ...alice, id }, { secretKey: SECRET });
      expect(await session.get("_auth_user_id")).toBe(String(id));
    }
  });

  test("getUser reads back what login wrote", async () => {
    const session = store.repository.get();
    await login(session, alice, { secretKey: SECRET });
    await session.save();
    const next = store.repository.get(session.sessionKey);
    expect(await getUser(next, { secretKey: SECRET, loadUser: async () => alice })).toEqual({ user: alice, backend: MODEL_BACKEND, reason: "verified" });
  });

  describe("backend (Django's _get_backend_from_user)", () => {
    test("explicit, then user.backend, then the only configured backend", async () => {
      const session = store.repository.get();
      await login(session, { ...alice, backend: "myapp.Backend" }, { secretKey: SECRET, backend: "explicit.Backend" });
      expect(await session.get("_auth_user_backend")).toBe("explicit.Backend");
      await login(session, { ...alice, backend: "myapp.Backend" }, { secretKey: SECRET });
      expect(await session.get("_auth_user_backend")).toBe("myapp.Backend");
      await login(session, alice, { secretKey: SECRET, backends: ["only.Backend"] });
      expect(await session.get("_auth_user_backend")).toBe("only.Backend");
    });

    test("several backends and none given: Django's error, before the session is touched", async () => {
      const session = await store.saved({ cart: 1 });
      const key = session.sessionKey;
      const promise = login(session, alice, { secretKey: SECRET, backends: [MODEL_BACKEND, "other.Backend"] });
      await expect(promise).rejects.toBeInstanceOf(ImproperlyConfigured);
      await expect(promise).rejects.toThrow("You have multiple authentication backends configured and therefore must provide the `backend` argument or set the `backend` attribute on the user.");
      expect(session.sessionKey).toBe(key);
    });

    test("a backend that is not a string: ImproperlyConfigured", async () => {
      const promise = login(store.repository.get(), { ...alice, backend: null as unknown as string }, { secretKey: SECRET });
      await expect(promise).rejects.toBeInstanceOf(ImproperlyConfigured);
      await expect(promise).rejects.toThrow("backend must be a dotted import path string (got null).");
    });
  });

  test("siteDjangoVersion 3.2 with DEFAULT_HASHING_ALGORITHM='sha1' writes the sha1 hash", async () => {
    const session = store.repository.get();
    await login(session, alice, { secretKey: SECRET, siteDjangoVersion: "3.2", defaultHashingAlgorithm: "sha1" });
    expect(await session.get("_auth_user_hash")).toBe(getSessionAuthHash(alice.password, SECRET, { algorithm: "sha1" }));
  });

  test("a user without a usable id or password is refused", async () => {
    const session = store.repository.get();
    await expect(login(session, null as unknown as AuthUser, { secretKey: SECRET })).rejects.toThrow(TypeError);
    await expect(login(session, { ...alice, id: undefined as unknown as number }, { secretKey: SECRET })).rejects.toThrow(/user\.id/);
    await expect(login(session, { ...alice, password: null as unknown as string }, { secretKey: SECRET })).rejects.toThrow(/password/);
  });
});

describe("logout", () => {
  test("flushes: row deleted, data gone, no key", async () => {
    const session = store.repository.get();
    await login(session, alice, { secretKey: SECRET });
    await session.save();
    const key = session.sessionKey!;
    await logout(session);
    expect(session.sessionKey).toBeNull();
    expect(await session.keys()).toEqual([]);
    expect(await store.reload(key)).toBeNull();
    expect((await getUser(store.repository.get(key), { secretKey: SECRET, loadUser: async () => alice })).reason).toBe("no-user");
  });
});

describe("updateSessionAuthHash", () => {
  test("after a password change: new key, new hash; other sessions of the user are logged out", async () => {
    const here = store.repository.get();
    await login(here, alice, { secretKey: SECRET });
    await here.save();
    const elsewhere = store.repository.get();
    await login(elsewhere, alice, { secretKey: SECRET });
    await elsewhere.save();

    const changed = { ...alice, password: "pbkdf2_sha256$600000$salt$new" };
    const oldKey = here.sessionKey!;
    await updateSessionAuthHash(here, changed, { secretKey: SECRET });
    await here.save();
    expect(here.sessionKey).not.toBe(oldKey);
    expect(await store.reload(oldKey)).toBeNull();
    expect((await store.reload(here.sessionKey))!._auth_user_hash).toBe(getSessionAuthHash(changed.password, SECRET));

    const loadUser = async () => changed;
    expect((await getUser(store.repository.get(here.sessionKey), { secretKey: SECRET, loadUser })).reason).toBe("verified");
    expect((await getUser(store.repository.get(elsewhere.sessionKey), { secretKey: SECRET, loadUser })).reason).toBe("hash-mismatch");
  });

  test("another user's session (request.user != user): cycled, hash left alone", async () => {
    const session = store.repository.get();
    await login(session, bob, { secretKey: SECRET });
    const bobHash = await session.get("_auth_user_hash");
    const key = session.sessionKey;
    await updateSessionAuthHash(session, alice, { secretKey: SECRET });
    expect(session.sessionKey).not.toBe(key);
    expect(await session.get("_auth_user_hash")).toBe(bobHash);
  });
});
