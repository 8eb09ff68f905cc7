// The checks every runtime runs (scripts/test-runtimes.js): plain ES modules and Web-standard
// APIs only, handed the library's modules by the caller, so the same code runs on Node, Bun,
// Deno and workerd. Each check answers a JSON-able record; the script compares the records of
// every runtime with Node's and with what Django wrote and reads.

const EXACT = { minSize: 0, exact: true };

function hexBytes(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Every case of test/vectors/django-*.json (real Django 3.2 and 5.2) as the codecs read and write
 * it: `failures` lists where this runtime disagrees with Django's own strings (decoded JSON,
 * byte-exact encoding); `outcomes` records every result, bad inputs included, for the
 * comparison with Node.
 */
export function vectorChecks({ SessionCodec, SignedCookieCodec, pyJsonDumps, pyJsonLoads }, files) {
  const failures = [];
  const outcomes = {};
  let checked = 0;
  const fail = (what) => failures.push(what);
  for (const file of files) {
    for (const c of file.cases) {
      const secretKey = c.secretKeyHex !== undefined ? hexBytes(c.secretKeyHex) : c.secretKey;
      const silent = { warn() {}, debug() {} };
      const reader = (options = {}) =>
        c.codec === "session"
          ? new SessionCodec({ secretKey, secretKeyFallbacks: c.secretKeyFallbacks, now: () => file.now * 1000, logger: silent, keySalt: c.keySalt, ...options })
          : new SignedCookieCodec({ secretKey, secretKeyFallbacks: c.secretKeyFallbacks, now: () => file.now * 1000, logger: silent, cookieAge: file.cookieAge, salt: c.keySalt, ...options });
      const writer = (options = {}) =>
        c.codec === "session"
          ? new SessionCodec({ secretKey: c.signedWith ?? secretKey, now: () => (c.encodedAt ?? 0) * 1000, logger: silent, keySalt: c.keySalt, compression: EXACT, ...options })
          : new SignedCookieCodec({ secretKey: c.signedWith ?? secretKey, now: () => (c.encodedAt ?? 0) * 1000, logger: silent, salt: c.keySalt, compression: EXACT, ...options });
      const key = `${file.django} ${c.kind}: ${c.name}`;
      const record = (label, result) => ({ label, ok: result.ok, reason: result.reason ?? null, format: result.format ?? null, keyIndex: result.keyIndex ?? null, json: pyJsonDumps(result.data) });
      const outcome = [];
      checked++;
      try {
        if (c.kind === "bad") {
          outcome.push(record("refuse", reader().decodeDetailed(c.encoded)));
          if (c.codec === "session") outcome.push(record("read", reader({ legacyFormat: "read" }).decodeDetailed(c.encoded)));
        } else if (c.kind === "legacy") {
          if (c.codec === "session") {
            const read = reader({ legacyFormat: "read" }).decodeDetailed(c.encoded);
            outcome.push(record("read", read));
            if (!read.ok || pyJsonDumps(read.data) !== c.djangoDecodesJson) fail(`${key}: legacy read`);
            if (c.format === "legacy" && writer({ legacyFormat: "write" }).encode(pyJsonLoads(c.dataJson)) !== c.encoded) fail(`${key}: legacy write`);
          }
        } else if (c.dataJson === undefined) {
          const big = { maxSize: 4 * 1024 * 1024 };
          const read = reader(big).decodeDetailed(c.encoded);
          outcome.push(record("big", read), record("capped", reader().decodeDetailed(c.encoded)));
          if (!read.ok || pyJsonDumps(read.data).length !== c.dataJsonLength) fail(`${key}: big read`);
          if (writer(big).encode(read.data) !== c.encoded) fail(`${key}: big write`);
        } else {
          const read = reader().decodeDetailed(c.encoded);
          outcome.push(record("read", read));
          const exact = c.integralFloats !== true && c.jsKeyOrder !== true;
          if (!read.ok) fail(`${key}: not read (${read.reason})`);
          else if (exact && pyJsonDumps(read.data) !== c.djangoDecodesJson) fail(`${key}: read differs from Django's`);
          if (exact) {
            const value = pyJsonLoads(c.dataJson);
            if (writer().encode(value) !== c.encoded) fail(`${key}: exact encoding differs from Django's`);
            // The default compression (the runtime's zlib) must read back to the same JSON.
            const again = writer({ compression: undefined }).encode(value);
            if (pyJsonDumps(reader().decode(again)) !== c.dataJson) fail(`${key}: default encoding does not read back`);
          }
        }
      } catch (error) {
        fail(`${key}: threw ${error && error.message}`);
      }
      outcomes[key] = outcome;
    }
  }
  return { checked, failures, outcomes };
}

/**
 * Hono's middleware over the signed-cookie engine, serving requests through `app.request()`:
 * the Django-made login cookie is read, a write answers a cookie for Django to read back.
 */
export async function honoChecks({ Hono, djangoSession, SignedCookieSessionStore }, { secretKey, djangoCookie }) {
  const repository = new SignedCookieSessionStore({ secretKey, logger: { warn() {}, debug() {} } });
  const app = new Hono();
  app.use(djangoSession({ repository }));
  app.get("/whoami", async (c) => c.json({ userId: (await c.get("session").get("_auth_user_id")) ?? null, backend: (await c.get("session").get("_auth_user_backend")) ?? null }));
  app.post("/cart", async (c) => {
    const session = c.get("session");
    await session.set("cart", ["spam", "eggs", "é"]);
    return c.json({ ok: true });
  });
  const whoami = await app.request("/whoami", { headers: { cookie: `sessionid=${djangoCookie}` } });
  const anonymous = await app.request("/whoami");
  const cart = await app.request("/cart", { method: "POST", headers: { cookie: `sessionid=${djangoCookie}` } });
  const setCookie = cart.headers.get("set-cookie") ?? "";
  const written = /^sessionid=([^;]*)/.exec(setCookie)?.[1] ?? null;
  return {
    whoami: { status: whoami.status, body: await whoami.json() },
    anonymous: { status: anonymous.status, body: await anonymous.json(), setCookie: anonymous.headers.get("set-cookie") },
    cart: { status: cart.status, vary: cart.headers.get("vary"), httpOnly: /;\s*HttpOnly/i.test(setCookie), sameSite: /SameSite=([A-Za-z]+)/.exec(setCookie)?.[1] ?? null },
    // Signed with this runtime's clock: compared through Django, not byte for byte.
    writtenCookie: written,
  };
}

/** The db engine (DjangoSessionRepository over SqlRowAdapter and `pg`) on a real PostgreSQL. */
export async function dbChecks({ DjangoSessionRepository, SqlRowAdapter, pg }, { secretKey, databaseUrl, djangoSessionKey }) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const executor = {
    dialect: "postgres",
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    execute: async (sql, params) => (await pool.query(sql, params)).rowCount ?? 0,
    isUniqueViolation: (error) => error?.code === "23505",
  };
  try {
    const repository = new DjangoSessionRepository({ secretKey, adapter: new SqlRowAdapter(executor), logger: { warn() {}, debug() {} } });
    // A row Django wrote (the script inserted Django's own session_data under this key).
    const django = repository.get(djangoSessionKey);
    const djangoUser = (await django.get("_auth_user_id")) ?? null;
    // A session of our own: create, read back through a fresh Session, delete.
    const ours = repository.get();
    await ours.set("visits", 3);
    await ours.save();
    const key = ours.sessionKey;
    const again = repository.get(key);
    const visits = (await again.get("visits")) ?? null;
    const existed = await repository.exists(key);
    await repository.delete(key);
    return { djangoUser, visits, existed, existsAfterDelete: await repository.exists(key), keyLength: key?.length ?? 0 };
  } finally {
    await pool.end();
  }
}
