/**
 * Finds what in a value structured clone refuses (postMessage, a process's advanced IPC), so that
 * an error can name it and its path instead of "could not be cloned". Only used after a send
 * failed, so it may clone sub-values to find the culprit.
 */

import { typeName, withArticle } from "./type-name";

export interface Uncloneable {
  /** Where in the value, e.g. "" (the value itself), ".cb", "[2].handler". */
  path: string;
  /** What it is, with an article: "a function", "a Symbol", "a WeakMap", "a Promise". */
  what: string;
  /** How to return or pass data instead. */
  fix: string;
}

/** Children looked at per object when searching (the search stops at the first culprit). */
const MAX_CHILDREN = 1000;

/** The first part of `value` that cannot be structured-cloned, or undefined when it all can. */
export function findUncloneable(value: unknown): Uncloneable | undefined {
  if (cloneable(value)) return undefined;
  return search(value, "", new Set());
}

function search(value: unknown, path: string, seen: Set<object>): Uncloneable {
  if (typeof value === "object" && value !== null && !seen.has(value)) {
    seen.add(value);
    for (const [key, child] of children(value)) {
      if (!cloneable(child)) return search(child, path + key, seen);
    }
  }
  return { path, ...describe(value) };
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function children(value: object): [string, unknown][] {
  const out: [string, unknown][] = [];
  if (value instanceof Map) {
    for (const [k, v] of value) {
      if (out.length >= MAX_CHILDREN) break;
      out.push([`.get(${label(k)}) (key)`, k], [`.get(${label(k)})`, v]);
    }
  } else if (value instanceof Set) {
    for (const v of value) {
      if (out.length >= MAX_CHILDREN) break;
      out.push([` (a Set member)`, v]);
    }
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length && i < MAX_CHILDREN; i++) out.push([`[${i}]`, value[i]]);
  } else {
    for (const k of Object.keys(value).slice(0, MAX_CHILDREN)) {
      out.push([
        /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`,
        (value as Record<string, unknown>)[k],
      ]);
    }
  }
  return out;
}

function label(key: unknown): string {
  return typeof key === "string" ? JSON.stringify(key) : typeof key === "object" ? "{…}" : String(key);
}

function describe(value: unknown): { what: string; fix: string } {
  if (typeof value === "function") {
    // An anonymous function a body evaluates to takes the name of the variable that holds the
    // body's value in the worker (parallel/compile.ts: $value, $value1, ...): not the user's name.
    const given = (value as { name?: string }).name;
    const name = given && !/^\$value\d*$/.test(given) ? given : undefined;
    return {
      what: name ? `a function (${name})` : "a function",
      fix: `return data, or call it: ${name || "fn"}()`,
    };
  }
  if (typeof value === "symbol") {
    return { what: "a Symbol", fix: "return data instead, e.g. its description: sym.description" };
  }
  if (value instanceof Promise) return { what: "a Promise", fix: "await it before returning: await p" };
  const what = withArticle(typeName(value));
  if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) {
    return { what, fix: "return data, e.g. a Map or an array of the values it holds" };
  }
  return { what, fix: "return plain data (numbers, strings, arrays, plain objects, typed arrays, Maps, Sets)" };
}
