/**
 * Django's messages, both directions, against real Django 5.2 and 3.2 (test/auth/django_messages.py
 * runs Django's own storages: FallbackStorage, SessionStorage, CookieStorage): what Django writes,
 * Node reads (levels, tags, extra tags, is_safedata, the not-finished sentinel and the part in the
 * session); what Node writes, Django reads — byte for byte the cookie Django would set, the same
 * split between cookie and session when the cookie is full, the same consumption.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { DEBUG, DjangoMessages, ERROR, INFO, messageTags, SUCCESS, WARNING, type DjangoMessage, type MessageStorageKind, type MessagesSession } from "../../src/auth";
import { ImproperlyConfigured } from "../../src/core/errors";
import type { DjangoVersion } from "../interop/django-bridge";
import { JsonLinesBridge } from "../support/json-lines-bridge";

const SECRET_KEY = "django-session-messages-secret-0123456789";

interface DjangoOutcome {
  cookie: string | null;
  cookie_deleted: boolean;
  session: string | null;
  messages?: { level: number; message: string; extra_tags: string | null; tags: string; safe: boolean }[];
}


/** A session holding only what messages keep in it. */
function memorySession(initial?: string | null): MessagesSession & { data: Map<string, string> } {
  const data = new Map<string, string>();
  if (initial) data.set("_messages", initial);
  return {
    data,
    get: async (key) => data.get(key),
    set: async (key, value) => void data.set(key, value),
    pop: async (key) => {
      const value = data.get(key) ?? null;
      data.delete(key);
      return value;
    },
  };
}

/** The `messages` cookie a `Set-Cookie` header sets (`null`: none set; `"deleted"`: deleted). */
function cookieOf(header: string | null): string | null | "deleted" {
  if (header === null) return null;
  if (/Max-Age=0/.test(header)) return "deleted";
  const match = /^messages=([^;]*)/.exec(header);
  if (!match) throw new Error(`not a messages cookie: ${header}`);
  return match[1]!;
}

const plain = (m: DjangoMessage) => ({ level: m.level, message: m.message, extra_tags: m.extraTags, tags: messageTags(m), safe: m.safe });

const SAMPLE = [
  { level: SUCCESS, message: "Saved ✓ «ünïcode»", extra_tags: "" },
  { level: WARNING, message: "Check <b>this</b>", extra_tags: "sticky note" },
  { level: ERROR, message: "Failed", extra_tags: "" },
];
/** More than 2,048 bytes of messages: the cookie fills, the rest goes to the session. */
const MANY = Array.from({ length: 40 }, (_, i) => ({
  level: INFO,
  // Text that zlib cannot shrink much, so that the cookie really fills.
  message: `Message ${i} é: ${createHash("sha512").update(String(i)).digest("base64")}`,
  extra_tags: i % 3 ? "" : `t${i}`,
}));

describe.each<DjangoVersion>(["5.2", "3.2"])("real Django %s", (version) => {
  let django: JsonLinesBridge<DjangoOutcome>;
  beforeAll(() => {
    django = new JsonLinesBridge<DjangoOutcome>(version, join(__dirname, "django_messages.py"));
  });
  afterAll(() => django.close());

  const messages = (storage: MessageStorageKind, level?: number) =>
    new DjangoMessages({ secretKey: SECRET_KEY, storage, siteDjangoVersion: version, ...(level === undefined ? {} : { level }) });

  /** A cookie value without its timestamp and signature (they depend on the second it was made). */
  const payload = (cookie: string | null | undefined) => (typeof cookie === "string" ? cookie.split(":")[0] : cookie);

  async function nodeWrites(storage: MessageStorageKind, list: typeof SAMPLE, level?: number) {
    const session = memorySession();
    const request = messages(storage, level).forRequest({ cookie: undefined, session });
    for (const m of list) request.add(m.level, m.message, m.extra_tags);
    const commit = await request.commit();
    return { cookie: cookieOf(commit.setCookie), session: session.data.get("_messages") ?? null, unstored: commit.unstored };
  }

  test.each<MessageStorageKind>(["fallback", "cookie", "session"])("%s: what Node adds is what Django writes, byte for byte, and Django reads it back", async (storage) => {
    const fromDjango = await django.request({ op: "write", storage, messages: SAMPLE });
    const fromNode = await nodeWrites(storage, SAMPLE);
    expect(payload(fromNode.cookie)).toBe(payload(fromDjango.cookie));
    expect(fromNode.session).toBe(fromDjango.session);
    const read = await django.request({ op: "read", storage, cookie: fromNode.cookie, session: fromNode.session });
    // Django 3.2 does not store empty extra tags, and reads them back as None.
    const extraTags = (tags: string) => (version === "3.2" && !tags ? null : tags);
    expect(read.messages).toEqual(
      SAMPLE.map((m) => ({ ...m, extra_tags: extraTags(m.extra_tags), tags: [m.extra_tags, { 25: "success", 30: "warning", 40: "error" }[m.level]].filter(Boolean).join(" "), safe: false })),
    );
  });

  test.each<MessageStorageKind>(["fallback", "cookie", "session"])("%s: what Django adds, Node reads (tags, extra tags, is_safedata), consumes, and clears as Django does", async (storage) => {
    const written = await django.request({ op: "write", storage, messages: [...SAMPLE, { level: INFO, message: "<i>safe</i>", safe: true }] });
    const session = memorySession(written.session);
    const request = messages(storage).forRequest({ cookie: written.cookie ?? undefined, session });
    const read = (await request.getMessages()).map(plain);
    const djangoRead = await django.request({ op: "read", storage, cookie: written.cookie, session: written.session });
    expect(read).toEqual(djangoRead.messages);
    expect(read.at(-1)).toMatchObject({ message: "<i>safe</i>", safe: true, tags: "info" });
    const commit = await request.commit();
    // After reading, both delete what they read: the cookie (deleted) and/or the session key.
    expect({ cookie: cookieOf(commit.setCookie), session: session.data.get("_messages") ?? null }).toEqual({
      cookie: djangoRead.cookie_deleted ? "deleted" : djangoRead.cookie,
      session: djangoRead.session,
    });
  });

  test("fallback with a full cookie: the oldest stay in the cookie with Django's sentinel, the newest go to the session — the same split as Django's", async () => {
    const fromDjango = await django.request({ op: "write", storage: "fallback", messages: MANY });
    const fromNode = await nodeWrites("fallback", MANY);
    expect(fromDjango.cookie!.length).toBeLessThanOrEqual(2048);
    expect(fromDjango.session).not.toBeNull();
    expect({ ...fromNode, cookie: payload(fromNode.cookie) }).toEqual({ cookie: payload(fromDjango.cookie), session: fromDjango.session, unstored: [] });
    // Node reads Django's split whole, in order.
    const request = messages("fallback").forRequest({ cookie: fromDjango.cookie!, session: memorySession(fromDjango.session) });
    expect((await request.getMessages()).map((m) => m.message)).toEqual(MANY.map((m) => m.message));
  });

  test("cookie storage alone, over its size: the oldest are dropped, as Django drops them", async () => {
    const fromDjango = await django.request({ op: "write", storage: "cookie", messages: MANY });
    const fromNode = await nodeWrites("cookie", MANY);
    expect(payload(fromNode.cookie)).toBe(payload(fromDjango.cookie));
    const read = await django.request({ op: "read", storage: "cookie", cookie: fromNode.cookie });
    expect(read.messages!.map((m) => m.message)).toEqual(MANY.slice(MANY.length - read.messages!.length).map((m) => m.message));
    expect(fromNode.unstored.map((m) => m.message)).toEqual(MANY.slice(0, MANY.length - read.messages!.length).map((m) => m.message));
  });

  test("MESSAGE_LEVEL: DEBUG is not recorded by default, and is with level 10; empty messages never", async () => {
    const list = [{ level: DEBUG, message: "debug", extra_tags: "" }, { level: INFO, message: "", extra_tags: "" }, { level: INFO, message: "info", extra_tags: "" }];
    for (const level of [undefined, DEBUG]) {
      const fromDjango = await django.request({ op: "write", storage: "cookie", messages: list, ...(level === undefined ? {} : { level }) });
      expect(payload((await nodeWrites("cookie", list, level)).cookie)).toBe(payload(fromDjango.cookie));
    }
  });

  test("a tampered or foreign cookie is no message on either side; CookieStorage deletes it, FallbackStorage leaves it", async () => {
    const { cookie } = await django.request({ op: "write", storage: "cookie", messages: SAMPLE });
    const tampered = `${cookie!.slice(0, -3)}${cookie!.endsWith("a") ? "bcd" : "abc"}`;
    for (const storage of ["cookie", "fallback"] as const) {
      const request = messages(storage).forRequest({ cookie: tampered, session: memorySession() });
      expect(await request.getMessages()).toEqual([]);
      const djangoRead = await django.request({ op: "read", storage, cookie: tampered });
      expect(djangoRead.messages).toEqual([]);
      expect(cookieOf((await request.commit()).setCookie)).toBe(djangoRead.cookie_deleted ? "deleted" : djangoRead.cookie);
    }
    // Another SECRET_KEY's cookie is tampered too.
    const other = new DjangoMessages({ secretKey: "another-secret-key-entirely-0123456789" }).forRequest({ cookie: cookie!, session: memorySession() });
    expect(await other.getMessages()).toEqual([]);
  });
});

describe("configuration", () => {
  test("mistakes are refused at construction, saying what to pass", () => {
    expect(() => new DjangoMessages({ secretKey: SECRET_KEY, storage: "db" as never })).toThrow(/MESSAGE_STORAGE/);
    expect(() => new DjangoMessages({ secretKey: SECRET_KEY, level: 2.5 })).toThrow(ImproperlyConfigured);
    expect(() => new DjangoMessages({ secretKey: SECRET_KEY }).forRequest({ cookie: undefined })).toThrow(/pass forRequest\(\{ cookie, session \}\)/);
    expect(() => new DjangoMessages({ secretKey: "" })).toThrow(ImproperlyConfigured);
  });
});
