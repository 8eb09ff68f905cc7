import { pyJsonDumps } from "../../core/python-json";
import type { DjangoMessage } from "./message";

/** `MessageEncoder.message_key`. */
const MESSAGE_KEY = "__json_message";

/**
 * `MessageEncoder.default(message)`: `["__json_message", is_safedata, level, message(, extra_tags)]`.
 * Django 4.1+ writes any extra tags that are not None (so `""` too); 3.2 only non-empty ones, and
 * reads a message without them as `extra_tags = None`.
 */
export function messageParts(message: DjangoMessage, emptyTagsWritten: boolean): unknown[] {
  const parts: unknown[] = [MESSAGE_KEY, message.safe ? 1 : 0, message.level, message.message];
  if (emptyTagsWritten ? message.extraTags !== null : message.extraTags) parts.push(message.extraTags);
  return parts;
}

/**
 * `MessageDecoder.process_messages`: a `["__json_message", ...]` list is a message, other lists
 * and dicts are walked, anything else is kept (the not-finished sentinel is a plain string).
 * What Django would fail on (a message list too short, a level that is not an integer) is
 * `undefined`: the caller treats the whole value as unreadable, as Django's decode error does.
 */
export function reviveMessages(value: unknown): unknown {
  if (Array.isArray(value) && value.length > 0) {
    if (value[0] === MESSAGE_KEY) {
      const [, safe, level, text, extraTags] = value as unknown[];
      const intLevel = typeof level === "number" ? level : typeof level === "string" && /^\s*[-+]?\d+\s*$/.test(level) ? Number(level) : NaN;
      if (value.length < 4 || value.length > 5 || !Number.isInteger(intLevel) || typeof text !== "string") return undefined;
      if (extraTags !== undefined && extraTags !== null && typeof extraTags !== "string") return undefined;
      const message: DjangoMessage = { level: intLevel, message: text, extraTags: extraTags === undefined ? null : extraTags, safe: Boolean(safe) };
      return message;
    }
    const items = value.map(reviveMessages);
    return items.includes(undefined) ? undefined : items;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const revived = reviveMessages(item);
      if (revived === undefined) return undefined;
      Object.defineProperty(out, key, { value: revived, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

/**
 * `SessionStorage.serialize_messages`: `MessageEncoder().encode(messages)`, Python's default
 * separators (`", "`), non-ASCII escaped — the string Django keeps under `_messages`.
 */
export function sessionMessagesJson(messages: readonly DjangoMessage[], emptyTagsWritten: boolean): string {
  return `[${messages.map((m) => `[${messageParts(m, emptyTagsWritten).map((part) => pyJsonDumps(part)).join(", ")}]`).join(", ")}]`;
}
