/**
 * A call's arguments split into what travels as data and where input nodes' values go: nodes may
 * sit anywhere in arrays and plain objects (Dask's delayed accepts the same). Pure.
 */
import type { ArgRef } from "../run/graphs";

export interface SplitArgs<N> {
  /** The arguments with null in place of each node (containers holding nodes are copied). */
  template: unknown[];
  refs: { path: (string | number)[]; node: N }[];
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Finds the nodes in `args` (`nodeOf` recognises one). Throws when a node hides where it cannot
 * be replaced (a Map, a Set, a class instance): the message says where to put it instead.
 */
export function splitArgs<N>(args: readonly unknown[], nodeOf: (v: unknown) => N | undefined): SplitArgs<N> {
  const refs: SplitArgs<N>["refs"] = [];
  const seen = new Set<object>();
  const walk = (value: unknown, path: (string | number)[]): unknown => {
    const node = nodeOf(value);
    if (node !== undefined) {
      refs.push({ path, node });
      return null;
    }
    if (value === null || typeof value !== "object" || ArrayBuffer.isView(value) || seen.has(value)) return value;
    seen.add(value);
    try {
      if (Array.isArray(value)) {
        const before = refs.length;
        const copy = value.map((v, i) => walk(v, [...path, i]));
        return refs.length > before ? copy : value;
      }
      if (isPlainObject(value)) {
        const before = refs.length;
        const copy: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) copy[k] = walk(v, [...path, k]);
        return refs.length > before ? copy : value;
      }
      if (value instanceof Map || value instanceof Set) {
        for (const v of value.values()) {
          if (nodeOf(v) !== undefined) {
            throw new TypeError(
              `a delayed value sits inside a ${value instanceof Map ? "Map" : "Set"} (argument ${formatPath(path)}); ` +
                "put delayed values in arrays or plain objects, or pass them as arguments of their own",
            );
          }
        }
      }
      return value;
    } finally {
      seen.delete(value);
    }
  };
  const template = args.map((a, i) => walk(a, [i]));
  return { template, refs };
}

/** Puts values at paths into a copy of `template` (only the containers on the paths are copied). */
export function fillArgs(
  template: readonly unknown[],
  fills: readonly { path: ArgRef["path"]; value: unknown }[],
): unknown[] {
  const root = [...template];
  const copied = new Set<unknown>([root]);
  for (const { path, value } of fills) {
    let target = root as unknown as Record<string | number, unknown>;
    for (let i = 0; i < path.length - 1; i++) {
      let next = target[path[i]] as Record<string | number, unknown>;
      if (!copied.has(next)) {
        next = (Array.isArray(next) ? [...next] : { ...next }) as Record<string | number, unknown>;
        copied.add(next);
        target[path[i]] = next;
      }
      target = next;
    }
    target[path[path.length - 1]] = value;
  }
  return root;
}

/** "0", "1[2].x" */
export function formatPath(path: readonly (string | number)[]): string {
  return path.map((p, i) => (i === 0 ? String(p) : typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
}
