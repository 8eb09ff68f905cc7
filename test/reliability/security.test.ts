import { pbkdf2Sync } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { inspect } from "node:util";
import { DjangoSessionRepository, SessionCodec, SignedCookieCodec, Signer, TimestampSigner, type SessionLogger } from "../../src";
import { checkPassword, getUser, login, type AuthUser } from "../../src/auth";
import { SessionMiddlewareCore } from "../../src/low-level";
import { memoryAdapter } from "./support/fuzz";

// Security properties as tests: signatures are compared in constant time, nothing secret reaches
// a log or an error message, and login always gives an anonymous session a new key.

const SRC = join(__dirname, "..", "..", "src");
const SECRET = "security-test-secret-key-5b8e0c2a9d71";
const DATA = "private-session-value-41c9e2";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "generated" ? [] : sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

describe("signature and hash checks are constant-time", () => {
  test("constantTimeEqual compares with crypto.timingSafeEqual on both paths, a length mismatch included", () => {
    // On Node, Bun and Deno the core's comparisons (constantTimeEqual, asciiConstantTimeEqual) end in the node platform's safeEqual.
    const source = readFileSync(join(SRC, "core", "platform", "node-platform.ts"), "utf8");
    const body = source.slice(source.indexOf("  function safeEqual"));
    const fn = body.slice(0, body.indexOf("\n  }\n"));
    expect(fn.match(/timingSafeEqual\(/g)).toHaveLength(2);
    // The only comparison is of the lengths, which are public (Django's constant_time_compare too).
    expect(fn.replace("x.length !== y.length", "")).not.toMatch(/===|!==|\.equals\(|Buffer\.compare/);
  });

  test("no signature, hash or MAC in src/ is compared with ===, !==, equals() or Buffer.compare", () => {
    const suspicious: string[] = [];
    // A name that holds a signature or digest, compared with anything but null, undefined or a literal.
    const name = String.raw`[\w.]*(?:[sS]ig|[sS]ignature|[hH]ash|[dD]igest|[mM]ac|[eE]xpected|[cC]omputed)\w*`;
    const operand = String.raw`(?!null\b|undefined\b|["'\x60]|\d)[\w.(]`;
    const patterns = [new RegExp(`\\b${name}\\s*[!=]==\\s*${operand}`), new RegExp(`${operand}[\\w.)]*\\s*[!=]==\\s*${name}\\b`), /\.equals\(/, /Buffer\.compare\(/];
    // Lengths are public: comparing them is how every constant-time compare starts.
    const lengthsOnly = /[\w.]*[lL]ength\s*[!=]==\s*[\w.]*[lL]ength\b/g;
    for (const file of sourceFiles(SRC)) {
      readFileSync(file, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (line.trim().startsWith("//") || line.trim().startsWith("*")) return;
          if (patterns.some((p) => p.test(line.replace(lengthsOnly, "")))) suspicious.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(suspicious).toEqual([]);
  });

  test("every file in src/ that computes a MAC, hash or key derivation compares through constantTimeEqual / timingSafeEqual", () => {
    // Walks src/ (a new file cannot escape): whatever computes an HMAC, a hash or a KDF output
    // either compares in constant time or is listed here with the reason it compares nothing.
    const computesOnly: Record<string, string> = {
      "auth/session-auth-hash.ts": "makes the session auth hash; get-user.ts and login.ts compare it",
      "cli/doctor/schema-checks.ts": "md5 of table and column: Django's index name, no secret",
      "adapters/typeorm/django-session-entity.ts": "md5 of table and column: Django's index name, no secret",
      "adapters/sql/sql-row-adapter.ts": "sha256 of a statement's SQL text: its prepared-statement name, no secret",
    };
    // platform.hmac/digest: the core's runtime-neutral hashing (src/core/platform).
    const computes = /\b(?:createHmac|createHash|saltedHmac|getSessionAuthHash|pbkdf2(?:Sync|Callback)?|scrypt(?:Sync|Callback)?|platform\.(?:hmac|digest))\(/;
    const comparesInConstantTime = /\b(?:constantTimeEqual|timingSafeEqual)\(/;
    const code = (file: string) =>
      readFileSync(file, "utf8")
        .split("\n")
        .filter((line) => !/^\s*(?:\/\/|\*|\/\*)/.test(line))
        .join("\n");
    const computing = sourceFiles(SRC)
      .map((file) => ({ file: relative(SRC, file).split(sep).join("/"), text: code(file) }))
      .filter(({ text }) => computes.test(text));
    const unchecked = computing.filter(({ file, text }) => !comparesInConstantTime.test(text) && !(file in computesOnly)).map(({ file }) => file);
    expect(unchecked).toEqual([]);
    // The detector still sees the checkers (signer, codec, getUser, login, hashers), and no
    // exemption outlives its file or starts comparing.
    expect(computing.filter(({ text }) => comparesInConstantTime.test(text)).length).toBeGreaterThanOrEqual(5);
    const stale = Object.keys(computesOnly).filter((file) => !computing.some((c) => c.file === file && !comparesInConstantTime.test(c.text)));
    expect(stale).toEqual([]);
  });

  describe("and at run time, timingSafeEqual is what decides", () => {
    // The module object itself (src/core/crypto.ts reads the property at each call).
    const cryptoModule = require("node:crypto") as typeof import("node:crypto");
    let spy: jest.SpyInstance;
    beforeEach(() => {
      spy = jest.spyOn(cryptoModule, "timingSafeEqual");
    });
    afterEach(() => spy.mockRestore());

    test.each([
      ["Signer.unsign, good signature", () => new Signer({ key: SECRET }).unsign(new Signer({ key: SECRET }).sign("v"))],
      ["Signer.verify, bad signature", () => new Signer({ key: SECRET }).verify("v:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")],
      ["TimestampSigner, a fallback key", () => new TimestampSigner({ key: "new", fallbackKeys: [SECRET] }).verify(new TimestampSigner({ key: SECRET }).sign("v"))],
      ["SessionCodec.decode, tampered", () => new SessionCodec({ secretKey: SECRET, logger: quiet }).decode("e30:1r31eq:tamperedtamperedtamperedtamperedtampered0")],
      ["SessionCodec.decode, legacy format", () => new SessionCodec({ secretKey: SECRET, logger: quiet, legacyFormat: "read" }).decode(new SessionCodec({ secretKey: SECRET, legacyFormat: "write" }).encode({ a: 1 }))],
      ["SignedCookieCodec.decode", () => new SignedCookieCodec({ secretKey: SECRET, logger: quiet }).decode(new SignedCookieCodec({ secretKey: SECRET }).encode({ a: 1 }))],
    ])("%s", (_name, check) => {
      check();
      expect(spy).toHaveBeenCalled();
    });

    test("checkPassword (pbkdf2_sha256) and getUser's session hash check", async () => {
      const encoded = `pbkdf2_sha256$1000$salt$${pbkdf2Sync("pw", "salt", 1000, 32, "sha256").toString("base64")}`;
      spy.mockClear();
      await checkPassword("wrong", encoded);
      expect(spy).toHaveBeenCalled();
      const user: AuthUser = { id: 7, password: encoded };
      const repository = new DjangoSessionRepository({ secretKey: SECRET, adapter: memoryAdapter(), logger: quiet });
      const session = repository.get();
      await login(session, user, { secretKey: SECRET });
      spy.mockClear();
      await getUser(session, { secretKey: SECRET, loadUser: async () => ({ ...user, password: "pbkdf2_sha256$1000$other$hash=" }) });
      expect(spy).toHaveBeenCalled();
    });
  });
});

const quiet: SessionLogger = { warn() {}, debug() {}, error() {} };

/** A logger that keeps everything, as text, as a JSON-lines logger would write it. */
function textLogger() {
  const lines: string[] = [];
  const push = (level: string) => (message: string, context: Record<string, unknown>) => void lines.push(`${level} ${message} ${inspect(context, { depth: 8 })} ${JSON.stringify(context)}`);
  return { lines, logger: { warn: push("warn"), debug: push("debug"), error: push("error") } satisfies SessionLogger };
}

function expectNothingSecret(texts: string[], secrets: string[]): void {
  for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
}

describe("secrets, session keys and session data never reach a log or an error message", () => {
  test("the codecs, on every kind of bad input", () => {
    const { lines, logger } = textLogger();
    const now = 1_700_000_000_000;
    const codec = new SessionCodec({ secretKey: SECRET, logger, now: () => now, maxSize: 2048 });
    const cookies = new SignedCookieCodec({ secretKey: SECRET, logger, now: () => now + 86_400_000 * 30 });
    const good = codec.encode({ note: DATA });
    const signer = new TimestampSigner({ key: SECRET, salt: codec.keySalt, now: () => now });
    const inputs = [
      good.slice(0, -3) + "abc", // bad signature
      `${good}x`,
      signer.sign("!!!not-base64!!!"), // bad base64
      signer.sign(`.${Buffer.from(`not zlib ${DATA}`).toString("base64url")}`), // bad zlib
      signer.sign(Buffer.from(`{"note": "${DATA}"`).toString("base64url")), // bad JSON around the data
      codec.encode({ big: DATA.repeat(200) }), // too large for this codec
      new SessionCodec({ secretKey: SECRET }).encode({ note: DATA }).replace(/^./, "Z"),
      Buffer.from(`${"0".repeat(40)}:{"note":"${DATA}"}`).toString("base64"), // legacy format, bad hash
    ];
    for (const input of inputs) {
      const result = codec.decodeDetailed(input);
      expect(result.ok).toBe(false);
      expectNothingSecret([inspect(result, { depth: 8 })], [SECRET]);
    }
    cookies.decodeDetailed(new SignedCookieCodec({ secretKey: SECRET, now: () => now }).encode({ note: DATA })); // expired
    expect(lines.length).toBeGreaterThanOrEqual(inputs.length);
    expectNothingSecret(lines, [SECRET, DATA, ...inputs.map((i) => i.slice(0, 20))]);
  });

  test("the repository and the middleware, through failing, hung and interrupted storage", async () => {
    const { lines, logger } = textLogger();
    const store = memoryAdapter();
    const repository = new DjangoSessionRepository({ secretKey: SECRET, adapter: store, logger });
    const seeded = repository.get();
    await seeded.set("note", DATA);
    await seeded.save();
    const realKey = seeded.sessionKey!;
    const messages: string[] = [];
    const record = (error: unknown) => messages.push(`${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}\n${(error as Error)?.stack}`);
    // Storage that fails the way ORMs fail: the statement and its parameters ride on the error.
    const failing = (message: string) => () =>
      Promise.reject(
        Object.assign(new Error(message), {
          query: "UPDATE django_session SET session_data = $1 WHERE session_key = $2",
          parameters: [DATA, realKey, SECRET],
          detail: `Key (session_key)=(${realKey})`,
        }),
      );
    const hung = () => new Promise<never>(() => undefined);
    // Loading fails; deleting hangs (storageTimeout).
    const broken = new DjangoSessionRepository({ secretKey: SECRET, logger, storageTimeout: 0.05, adapter: { ...store, load: failing("connection terminated"), delete: hung } });
    const core = new SessionMiddlewareCore({ repository: broken });
    const opened = core.open(`sessionid=${realKey}`);
    await opened.session.get("note").catch(record);
    await broken.delete(realKey).catch(record);
    // Loading works, saving fails: through the middleware's commit.
    const saveBroken = new DjangoSessionRepository({ secretKey: SECRET, logger, adapter: { ...store, update: failing("deadlock detected") } });
    const saveCore = new SessionMiddlewareCore({ repository: saveBroken });
    const toSave = saveCore.open(`sessionid=${realKey}`);
    await toSave.session.set("note", `${DATA}!`);
    await saveCore.commit(toSave, 200).catch(record);
    // A concurrent logout between load and save: SessionInterrupted.
    const healthyCore = new SessionMiddlewareCore({ repository });
    const interrupted = healthyCore.open(`sessionid=${realKey}`);
    await interrupted.session.set("x", 1);
    store.rows.delete(realKey);
    await healthyCore.commit(interrupted, 200).catch(record);
    // Secrets passed the wrong way (the messages of other options quote the bad value, on purpose).
    for (const options of [{ secretKey: SECRET, secretKeyFallbacks: SECRET }, { secretKey: SECRET, secretKeyFallbacks: [SECRET, ""] }, { secretKey: [SECRET] }, { secretKey: { value: SECRET } }]) {
      try {
        new DjangoSessionRepository({ ...(options as object), adapter: store } as never);
      } catch (error) {
        record(error);
      }
    }
    expect(messages.length).toBeGreaterThanOrEqual(6);
    expect(messages.join("\n")).toMatch(/SessionStorageError/);
    expect(messages.join("\n")).toMatch(/SessionInterrupted/);
    expectNothingSecret([...messages, ...lines], [SECRET, realKey, DATA]);
  });
});

describe("login gives the session a new key (no session fixation)", () => {
  const user: AuthUser = { id: 42, password: "pbkdf2_sha256$1000$salt$aGFzaA==" };
  const other: AuthUser = { id: 43, password: "pbkdf2_sha256$1000$salt$b3RoZXI=" };

  async function stored(repository: DjangoSessionRepository, data: Record<string, unknown>): Promise<string> {
    const s = repository.get();
    await s.update(data);
    await s.save();
    return s.sessionKey!;
  }

  test("an anonymous session an attacker planted: new key, old row gone, its data kept (Django's cycle_key)", async () => {
    const store = memoryAdapter();
    const repository = new DjangoSessionRepository({ secretKey: SECRET, adapter: store, logger: quiet });
    const planted = await stored(repository, { cart: [1, 2] });
    const session = repository.get(planted);
    expect(await login(session, user, { secretKey: SECRET })).toEqual({ session: "cycled" });
    await session.save();
    expect(session.sessionKey).not.toBe(planted);
    expect(store.rows.has(planted)).toBe(false);
    expect(await repository.get(session.sessionKey).toObject()).toMatchObject({ cart: [1, 2], _auth_user_id: "42" });
    expect(await repository.get(planted).toObject()).toEqual({});
  });

  test("a new session (no key yet) gets one of its own; another user's session is flushed under a new key", async () => {
    const store = memoryAdapter();
    const repository = new DjangoSessionRepository({ secretKey: SECRET, adapter: store, logger: quiet });
    const fresh = repository.get();
    await login(fresh, user, { secretKey: SECRET });
    await fresh.save();
    expect(fresh.sessionKey).toMatch(/^[a-z0-9]{32}$/);

    const theirs = repository.get(fresh.sessionKey);
    expect(await login(theirs, other, { secretKey: SECRET })).toEqual({ session: "flushed" });
    await theirs.save();
    expect(theirs.sessionKey).not.toBe(fresh.sessionKey);
    expect(await theirs.toObject()).toEqual(expect.not.objectContaining({ cart: expect.anything() }));
    expect(store.rows.has(fresh.sessionKey!)).toBe(false);
  });

  test("1,000 logins on anonymous sessions: never the same key twice, never the planted one", async () => {
    const repository = new DjangoSessionRepository({ secretKey: SECRET, adapter: memoryAdapter(), logger: quiet });
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const planted = await stored(repository, { i });
      const session = repository.get(planted);
      await login(session, user, { secretKey: SECRET });
      await session.save();
      expect(session.sessionKey).not.toBe(planted);
      expect(seen.has(session.sessionKey!)).toBe(false);
      seen.add(session.sessionKey!);
      seen.add(planted);
    }
  });
});
