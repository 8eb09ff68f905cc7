import type { SessionChanges } from "../core/session";
import type { SessionData } from "../core/session-codec";

/**
 * The merge of a compare-and-swap save that lost the race: this request's own changes (the
 * top-level keys it set or deleted; everything, after a `clear()`) re-applied onto the data
 * another request stored meanwhile. Keys this request never touched keep the stored values.
 * Pure: `stored` and `ours` are left as they are.
 */
export function mergeSessionChanges(stored: SessionData, ours: SessionData, changes: SessionChanges): SessionData {
  const merged: SessionData = {};
  if (!changes.cleared) {
    for (const name of Object.keys(stored)) define(merged, name, stored[name]);
  }
  for (const [name, change] of changes.keys) {
    if (change.type === "delete") delete merged[name];
    else define(merged, name, ours[name]);
  }
  return merged;
}

// defineProperty: a "__proto__" key stays an ordinary own property.
function define(target: SessionData, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}
