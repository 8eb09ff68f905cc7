import type { Secret } from "../../core/crypto";
import { ImproperlyConfigured } from "../../core/errors";
import type { DjangoVersion } from "../session-auth-hash";
import { serializeSessionCookie, serializeSessionCookieDeletion, type SessionCookieSettings } from "../../core/session-cookie";
import type { TimestampSigner } from "../../core/signer";
import {
  cookieSigner,
  decodeMessagesCookie,
  MESSAGES_COOKIE_NAME,
  MESSAGES_KEY_SALT,
  MESSAGES_MAX_COOKIE_SIZE,
  storeMessagesCookie,
} from "./cookie-messages";
import { INFO, type DjangoMessage } from "./message";
import { reviveMessages, sessionMessagesJson } from "./message-json";

/** `SessionStorage.session_key`. */
export const MESSAGES_SESSION_KEY = "_messages";

/** `MESSAGE_STORAGE`: Django's `FallbackStorage` (the default), `SessionStorage` or `CookieStorage`. */
export type MessageStorageKind = "fallback" | "session" | "cookie";

/** The part of a session messages use: this package's `Session`, or the same methods. */
export interface MessagesSession {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<void>;
  pop(key: string, defaultValue: null): Promise<unknown>;
}

/** Django's settings for messages, by their Django names. */
export interface DjangoMessagesOptions {
  /** `SECRET_KEY`: the messages cookie is signed with Django's cookie signer. */
  secretKey: Secret;
  /** `SECRET_KEY_FALLBACKS` (4.1+): cookies signed with these still read. @default [] */
  secretKeyFallbacks?: readonly Secret[];
  /** `MESSAGE_STORAGE`. @default "fallback" */
  storage?: MessageStorageKind;
  /** `MESSAGE_LEVEL`: messages below it are not recorded (DEBUG is dropped by default). @default 20 (INFO) */
  level?: number;
  /** `CookieStorage.max_cookie_size`. @default 2048 */
  maxCookieSize?: number;
  /**
   * The cookie's attributes, which Django takes from the session cookie's settings:
   * `SESSION_COOKIE_DOMAIN`, `_SECURE`, `_HTTPONLY`, `_SAMESITE` (path `/`).
   * @default { domain: null, secure: false, httpOnly: true, sameSite: "Lax" }
   */
  cookie?: Partial<Omit<SessionCookieSettings, "name" | "path">>;
  /**
   * The Django version the site runs: 3.2 writes a message's extra tags only when non-empty (4.1+
   * writes `""` too). Both read either form.
   * @default "5.2"
   */
  siteDjangoVersion?: DjangoVersion;
  /** The clock of the cookie's timestamp (Django's `time.time()`). @default Date.now */
  now?: () => number;
}

/** What `commit()` asks of the response: a `Set-Cookie` header for `messages`, or nothing. */
export interface MessagesCommit {
  /** The `Set-Cookie` value (to set or delete the `messages` cookie), or `null`. */
  setCookie: string | null;
  /** Messages that fit nowhere (CookieStorage alone, over its size). Django raises under DEBUG. */
  unstored: DjangoMessage[];
}

/** One request's messages: the stored ones (read lazily) and those added during the request. */
export interface DjangoMessagesRequest {
  /** The request's `messages` cookie value (undefined when absent). */
  cookie: string | undefined;
  /** The session (needed for "fallback" and "session"). */
  session?: MessagesSession;
}

/** The backends of one request, cookie first (FallbackStorage's order). */
interface Backends {
  cookie?: Backend;
  session?: Backend;
  /** CookieStorage marks a bad cookie used, so that it is deleted (FallbackStorage does not). */
  badCookie(): boolean;
  /** The `Set-Cookie` the cookie backend asked for. */
  header(): string | null;
}

interface Backend {
  /** `_get()`: `null` when the backend was not used (no cookie, no session key). */
  get(): Promise<{ messages: DjangoMessage[] | null; allRetrieved: boolean }>;
  /** `_store(messages, response, remove_oldest)`: what it could not store. */
  store(messages: DjangoMessage[], removeOldest: boolean): Promise<DjangoMessage[]>;
}

/**
 * `django.contrib.messages`: read the messages a Django view added (`getMessages`, which consumes
 * them as iterating Django's storage does) and add messages that the next Django page shows
 * (`add`), in the same storage, with the same bytes. Call `commit()` before the session is saved
 * and put its `setCookie` on the response, as Django's `MessageMiddleware.process_response` does.
 *
 * ```ts
 * const messages = djangoMessages.forRequest({ cookie: readSessionCookie(req.headers.cookie, "messages"), session });
 * messages.add(SUCCESS, "Saved");
 * const { setCookie } = await messages.commit(); // then save the session, redirect to a Django page
 * ```
 */
export class DjangoMessages {
  private readonly kind: MessageStorageKind;
  private readonly level: number;
  private readonly maxCookieSize: number;
  private readonly signer: TimestampSigner;
  private readonly cookie: SessionCookieSettings;
  private readonly emptyTagsWritten: boolean;

  constructor(options: DjangoMessagesOptions) {
    if (!options || typeof options !== "object" || !options.secretKey || options.secretKey.length === 0) {
      throw new ImproperlyConfigured("DjangoMessages needs options: { secretKey } (Django's SECRET_KEY, non-empty).");
    }
    this.emptyTagsWritten = (options.siteDjangoVersion ?? "5.2") !== "3.2";
    const kind = options.storage ?? "fallback";
    if (kind !== "fallback" && kind !== "session" && kind !== "cookie") {
      throw new ImproperlyConfigured(`DjangoMessages: storage must be "fallback", "session" or "cookie" (MESSAGE_STORAGE), got ${JSON.stringify(kind)}.`);
    }
    const level = options.level ?? INFO;
    if (!Number.isInteger(level)) throw new ImproperlyConfigured(`DjangoMessages: level must be an integer (MESSAGE_LEVEL), got ${String(level)}.`);
    this.kind = kind;
    this.level = level;
    this.maxCookieSize = options.maxCookieSize ?? MESSAGES_MAX_COOKIE_SIZE;
    this.signer = cookieSigner(options.secretKey, options.secretKeyFallbacks ?? [], MESSAGES_KEY_SALT, options.now);
    this.cookie = { domain: null, secure: false, httpOnly: true, sameSite: "Lax", ...options.cookie, name: MESSAGES_COOKIE_NAME, path: "/" };
  }

  /** The storage of one request (`request._messages`). */
  forRequest(request: DjangoMessagesRequest): RequestMessages {
    if (this.kind !== "cookie" && !request.session) {
      throw new ImproperlyConfigured(`DjangoMessages: the "${this.kind}" storage keeps messages in the session; pass forRequest({ cookie, session }).`);
    }
    return new RequestMessages(this.backends(request), this.kind, this.level);
  }

  private backends(request: DjangoMessagesRequest): Backends {
    let setCookie: string | null = null;
    let badCookie = false;
    const cookie: Backend = {
      get: async () => {
        if (!request.cookie) return { messages: null, allRetrieved: true };
        const decoded = decodeMessagesCookie(this.signer, request.cookie);
        if (!decoded.ok) {
          badCookie = true;
          return { messages: null, allRetrieved: true };
        }
        return { messages: decoded.messages, allRetrieved: decoded.allRetrieved };
      },
      store: async (messages, removeOldest) => {
        const { value, unstored } = storeMessagesCookie(this.signer, messages, { removeOldest, maxCookieSize: this.maxCookieSize, emptyTagsWritten: this.emptyTagsWritten });
        setCookie = value === null ? serializeSessionCookieDeletion(this.cookie) : serializeSessionCookie(this.cookie, value, null, Date.now());
        return unstored;
      },
    };
    const session = request.session;
    const sessionBackend: Backend | undefined = session && {
      get: async () => {
        const data = await session.get(MESSAGES_SESSION_KEY);
        if (data === undefined || data === null || data === "") return { messages: null, allRetrieved: true };
        // Django 4.1+ and 3.2 keep the JSON string; any other stored shape is read as it is.
        let parsed: unknown = data;
        if (typeof data === "string") {
          try {
            parsed = JSON.parse(data);
          } catch {
            return { messages: null, allRetrieved: true };
          }
        }
        const revived = reviveMessages(parsed);
        return { messages: Array.isArray(revived) ? (revived as DjangoMessage[]) : null, allRetrieved: true };
      },
      store: async (messages) => {
        if (messages.length > 0) await session.set(MESSAGES_SESSION_KEY, sessionMessagesJson(messages, this.emptyTagsWritten));
        else await session.pop(MESSAGES_SESSION_KEY, null);
        return [];
      },
    };
    const backends: Backends = { badCookie: () => badCookie, header: () => setCookie };
    if (this.kind !== "session") backends.cookie = cookie;
    if (sessionBackend && this.kind !== "cookie") backends.session = sessionBackend;
    return backends;
  }
}

/** A request's messages: Django's `BaseStorage` with `FallbackStorage`'s order. */
export class RequestMessages {
  private queued: DjangoMessage[] = [];
  private loaded: DjangoMessage[] | null = null;
  private used = false;
  private addedNew = false;
  private readonly usedBackends = new Set<Backend>();

  /** @internal */
  constructor(
    private readonly backends: Backends,
    private readonly kind: MessageStorageKind,
    private readonly level: number,
  ) {}

  /** `storage.add(level, message, extra_tags)`: queued unless empty or under `MESSAGE_LEVEL`. */
  add(level: number, message: string, extraTags = ""): void {
    if (!message) return;
    if (!Number.isInteger(level)) throw new TypeError(`A message level is an integer (constants.SUCCESS is 25), got ${String(level)}.`);
    if (level < this.level) return;
    this.addedNew = true;
    this.queued.push({ level, message: String(message), extraTags: String(extraTags), safe: false });
  }

  /** Iterating `get_messages(request)`: every message, stored and new; they are consumed. */
  async getMessages(): Promise<DjangoMessage[]> {
    const loaded = await this.load();
    this.used = true;
    loaded.push(...this.queued);
    this.queued = [];
    return [...loaded];
  }

  /** `MessageMiddleware.process_response` → `storage.update(response)`. */
  async commit(): Promise<MessagesCommit> {
    let unstored: DjangoMessage[] = [];
    if (this.used) unstored = await this.store(this.queued);
    else if (this.addedNew) unstored = await this.store([...(await this.load()), ...this.queued]);
    return { setCookie: this.backends.header(), unstored };
  }

  private ordered(): Backend[] {
    return [this.backends.cookie, this.backends.session].filter((b): b is Backend => b !== undefined);
  }

  private async load(): Promise<DjangoMessage[]> {
    if (this.loaded) return this.loaded;
    const all: DjangoMessage[] = [];
    for (const backend of this.ordered()) {
      const { messages, allRetrieved } = await backend.get();
      // FallbackStorage: a backend that was not used ends the search.
      if (messages === null) break;
      if (messages.length > 0) this.usedBackends.add(backend);
      all.push(...messages);
      if (allRetrieved) break;
    }
    if (this.kind === "cookie" && this.backends.badCookie()) this.used = true;
    this.loaded = all;
    return all;
  }

  private async store(messages: DjangoMessage[]): Promise<DjangoMessage[]> {
    if (this.kind !== "fallback") {
      const [only] = this.ordered();
      return only ? only.store(messages, true) : messages;
    }
    let rest = messages;
    for (const backend of this.ordered()) {
      if (rest.length > 0) rest = await backend.store(rest, false);
      else if (this.usedBackends.delete(backend)) await backend.store([], false);
    }
    return rest;
  }
}
