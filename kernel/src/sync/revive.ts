import { Barrier } from "./barrier";
import { Mutex } from "./mutex";
import { SharedQueue } from "./queue";
import { Semaphore } from "./semaphore";
import { SHARED_TAG } from "./tag";
import { isShared } from "../transfer/bytes";
import { withArticle } from "../transfer/type-name";

type Tagged = { [SHARED_TAG]: string } & Record<string, unknown>;

function isTagged(v: unknown): v is Tagged {
  return typeof v === "object" && v !== null && typeof (v as Tagged)[SHARED_TAG] === "string";
}

function reviveOne(v: unknown): unknown {
  if (!isTagged(v)) return v;
  if (v instanceof Mutex || v instanceof Semaphore || v instanceof Barrier || v instanceof SharedQueue) return v;
  switch (v[SHARED_TAG]) {
    case "Mutex":
      return new Mutex(v.state as Int32Array);
    case "Semaphore":
      return new Semaphore(v.state as Int32Array);
    case "Barrier":
      return new Barrier(v.state as Int32Array);
    case "SharedQueue":
      return new SharedQueue({ ctl: v.ctl as Int32Array, data: v.data as Uint8Array });
    default:
      return v;
  }
}

/**
 * Turns cloned shared objects (plain `{__paralab: "Mutex", ...}`) back into their classes: the
 * value itself, and the elements of a top-level array or plain object (in place).
 */
export function reviveShared(value: unknown): unknown {
  const top = reviveOne(value);
  if (top !== value) return top;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = reviveOne(value[i]);
  } else if (isPlainObject(value)) {
    for (const k of Object.keys(value)) value[k] = reviveOne(value[k]);
  }
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/**
 * Describes the first shared-memory value found in `value` (bounded walk), or undefined.
 * Used to refuse sending shared memory to process workers.
 */
export function findSharedMemory(value: unknown, depth = 0): string | undefined {
  if (typeof value !== "object" || value === null || depth > 3) return undefined;
  if (isShared(value)) return "a SharedArrayBuffer";
  if (ArrayBuffer.isView(value)) {
    return isShared(value.buffer) ? `${withArticle(value.constructor.name)} on a SharedArrayBuffer` : undefined;
  }
  if (isTagged(value)) return `a shared ${value[SHARED_TAG]}`;
  const children = Array.isArray(value)
    ? value.slice(0, 1000)
    : value instanceof Map
      ? [...value.values()].slice(0, 1000)
      : Object.values(value).slice(0, 1000);
  for (const c of children) {
    const found = findSharedMemory(c, depth + 1);
    if (found) return found;
  }
  return undefined;
}
