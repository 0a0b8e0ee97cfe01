import { inspect } from "node:util";
import type { RemoteError } from "../errors";

/**
 * Anything thrown or rejected, as the kernel shows it: an Error (or Error-like object) by name,
 * message and stack; any other value as the user wrote it, saying it is not an Error.
 */
export function toRemoteError(e: unknown): RemoteError {
  if (e instanceof Error || (typeof e === "object" && e !== null && "message" in e)) {
    const err = e as Error;
    return { name: String(err.name ?? "Error"), message: String(err.message), stack: err.stack };
  }
  return { name: "Error", message: describeThrown(e) };
}

const ERROR_ADVICE = "throw new Error(...) to get a message and a stack";

/**
 * A thrown value that is not an Error, as the user wrote it: `{"a":1} (a thrown object, not an
 * Error; ...)`; null and undefined by name (typeof null is "object", but it is not one).
 */
export function describeThrown(e: unknown): string {
  if (e === null) return `null was thrown, not an Error; ${ERROR_ADVICE}`;
  if (e === undefined) {
    return `undefined was thrown (throw undefined, or a promise rejected with no reason), not an Error; ${ERROR_ADVICE}`;
  }
  let text: string | undefined;
  if (typeof e === "object" && e !== null) {
    try {
      text = JSON.stringify(e);
    } catch {
      // cycles, BigInt: fall back to inspect
    }
    if (text === undefined || text === "{}") text = inspect(e, { depth: 2, breakLength: Infinity });
    return `${text} (a thrown ${Array.isArray(e) ? "array" : "object"}, not an Error; ${ERROR_ADVICE})`;
  }
  return `${typeof e === "string" ? JSON.stringify(e) : String(e)} (a thrown ${typeof e}, not an Error; throw new Error(...) to get a stack)`;
}
