/**
 * Values as the widget protocol writes them: a reference to another widget is the string
 * "IPY_MODEL_<model id>" (children, layout, style, jslink's pairs), everything else is JSON or
 * binary. Widgets turn into references on the way out and back into widgets on the way in.
 */
import { asBytes, isBinary } from "./buffers";

const PREFIX = "IPY_MODEL_";

/** Anything with a model id (a kernel-side widget) is written as a reference. */
export function toWire(value: unknown): unknown {
  if (value && typeof value === "object") {
    const id = (value as { modelId?: unknown }).modelId;
    if (typeof id === "string") return PREFIX + id;
    if (Array.isArray(value)) return value.map(toWire);
    if (!isBinary(value) && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)]));
    }
  }
  return value;
}

/** References to widgets this kernel knows become those widgets; others stay strings. */
export function fromWire(value: unknown, lookup: (modelId: string) => unknown): unknown {
  if (typeof value === "string" && value.startsWith(PREFIX)) return lookup(value.slice(PREFIX.length)) ?? value;
  if (Array.isArray(value)) return value.map((v) => fromWire(v, lookup));
  return value;
}

/** Equal as the frontend would see them (JSON, bytes compared by content). */
export function sameWire(a: unknown, b: unknown): boolean {
  if (isBinary(a) || isBinary(b)) {
    if (!isBinary(a) || !isBinary(b)) return false;
    return Buffer.from(asBytes(a)).equals(Buffer.from(asBytes(b)));
  }
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || !a || !b) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameWire((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}
