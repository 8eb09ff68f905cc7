import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let exposed: (() => void) | undefined;

/** A full garbage collection, also where node was started without --expose-gc (Jest). */
export function collectGarbage(): void {
  // Found once: each runInNewContext makes a whole V8 context, garbage of its own.
  if (!exposed) {
    exposed = (globalThis as { gc?: () => void }).gc;
    if (!exposed) {
      setFlagsFromString("--expose-gc");
      exposed = runInNewContext("gc") as () => void;
    }
  }
  exposed();
}
