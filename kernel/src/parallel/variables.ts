import { VariableError } from "../errors";
import { SHARED_TAG } from "../sync/tag";
import { findSharedMemory } from "../sync/revive";
import { analyzeScope } from "../lang/scope";
import { kernelOnlyName, NESTED_PARALLELISM_ADVICE } from "../transfer/kernel-only";
import { typeName, withArticle } from "../transfer/type-name";
import { unexport } from "../lang/unexport";
import * as ts from "@tslab/typescript-for-tslab";

/** What a cell sends to its workers: data by structured clone, functions by their source. */
export interface SentVariables {
  data: Record<string, unknown>;
  /** name → JS source of a function expression, defined in the worker before the body runs. */
  functions: Record<string, string>;
}

/**
 * Collects the kernel variables `names` (and, for functions, the kernel variables they use in
 * turn). Throws VariableError naming the variable that cannot be sent, and why.
 */
export function collectVariables(names: Iterable<string>, locals: Record<string, unknown>): SentVariables {
  const sent: SentVariables = { data: {}, functions: {} };
  const pending = [...names];
  const seen = new Set<string>();
  while (pending.length) {
    const name = pending.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    if (!(name in locals)) {
      throw new VariableError(
        `\`${name}\` is not a kernel variable. Define it in a cell first, or remove it from --in/--share.`,
      );
    }
    const value = locals[name];
    const api = kernelOnlyName(value);
    if (api) {
      throw new VariableError(
        `\`${name}\` is paralab's ${api}, which runs on the kernel's pool: a worker has no pool of its own, so ` +
          `nested parallelism is not supported. ${NESTED_PARALLELISM_ADVICE}`,
      );
    }
    if (typeof value === "function") {
      const { source, uses } = functionSource(name, value as (...args: unknown[]) => unknown, locals);
      sent.functions[name] = source;
      pending.push(...uses);
      continue;
    }
    const why = whyNotCloneable(value);
    if (why) {
      throw new VariableError(
        `\`${name}\` ${why} and cannot be cloned to a worker; create it inside the cell or pass plain data.`,
      );
    }
    sent.data[name] = value;
  }
  return sent;
}

/**
 * The function's source, checked to close over nothing but kernel variables and globals; `uses`
 * are the kernel variables it reads (send them too). Throws VariableError naming `name`.
 */
export function functionSource(
  name: string,
  fn: (...args: unknown[]) => unknown,
  locals: Record<string, unknown>,
): { source: string; uses: string[] } {
  // tslab compiles earlier cells' names as exports.f; the worker knows them as f.
  const text = unexport(Function.prototype.toString.call(fn));
  if (/\{\s*\[native code\]\s*\}$/.test(text)) {
    throw new VariableError(
      `\`${name}\` is a built-in or bound function and cannot be sent to a worker by its source; call it inside the cell instead.`,
    );
  }
  if (/^class\b/.test(text)) {
    throw new VariableError(
      `\`${name}\` is a class; classes cannot be sent to workers. Declare the class inside the %%parallel cell.`,
    );
  }
  // Method shorthand ("f() {}") is not an expression on its own; make it one.
  const source = isExpression(text) ? text : `function ${text}`;
  if (!isExpression(source)) {
    throw new VariableError(
      `\`${name}\` is a function whose source cannot be re-created in a worker; define it with function or => at top level.`,
    );
  }
  const { free } = analyzeScope(`(${source})`, ts.ScriptKind.JS);
  const uses: string[] = [];
  for (const id of free) {
    if (id === name || id in locals) {
      if (id !== name) uses.push(id);
    } else if (!(id in globalThis) && id !== "arguments" && id !== "undefined") {
      throw new VariableError(
        `\`${name}\` is a closure over \`${id}\`, which is not a kernel variable, so it cannot be sent to a worker; ` +
          `define the function at top level (taking ${id} as a parameter) or inside the cell.`,
      );
    }
  }
  return { source, uses };
}

function isExpression(source: string): boolean {
  const file = ts.createSourceFile("f.js", `(${source})`, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  return (file as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length === 0;
}

const CLONEABLE = new Set<unknown>([
  Object.prototype,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  RegExp.prototype,
  ArrayBuffer.prototype,
  SharedArrayBuffer.prototype,
  DataView.prototype,
  Error.prototype,
  null,
]);

/** Why a value cannot be structured-cloned (checked on the top level and one level down), or undefined. */
export function whyNotCloneable(value: unknown, depth = 0): string | undefined {
  if (value === null || typeof value !== "object") {
    return typeof value === "symbol" ? "is a Symbol" : typeof value === "function" ? "holds a function" : undefined;
  }
  if (ArrayBuffer.isView(value) || value instanceof Error || isTagged(value)) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (!CLONEABLE.has(proto)) {
    if (value instanceof Promise) return "is a Promise (await it first)";
    const cls = (proto?.constructor?.name as string | undefined) ?? "object";
    return `is ${/^[AEIOU]/.test(cls) ? "an" : "a"} ${cls}`;
  }
  if (depth >= 1) return undefined;
  const children =
    value instanceof Map
      ? [...value.values()]
      : Array.isArray(value)
        ? value.slice(0, 100)
        : Object.values(value).slice(0, 100);
  for (const child of children) {
    const why = whyNotCloneable(child, depth + 1);
    if (why) return `holds a value that ${why}`;
  }
  return undefined;
}

/** paralab's shared primitives (Mutex, SharedQueue, ...) are revived in the worker. */
function isTagged(value: object): boolean {
  return SHARED_TAG in value;
}

/**
 * --share names that hold no shared memory: each worker gets a copy, silently unless said.
 * Returns one note per such name.
 */
export function copiedNotShared(
  shareVars: readonly string[],
  data: Record<string, unknown>,
  flag = "--share",
): string[] {
  return shareVars
    .filter((name) => name in data && !findSharedMemory(data[name]))
    .map((name) => {
      const value = data[name];
      const what = Array.isArray(value)
        ? "a plain Array"
        : ArrayBuffer.isView(value)
          ? `${withArticle(value.constructor.name)} on an ordinary ArrayBuffer`
          : withArticle(typeName(value));
      const n = Array.isArray(value) || ArrayBuffer.isView(value) ? (value as ArrayLike<unknown>).length : "n";
      return (
        `Note: ${flag} ${name}: \`${name}\` is ${what}, not shared memory, so each worker got its own copy ` +
        `(what a worker writes stays on that worker). To share it, allocate it shared: ` +
        `import { shared } from "paralab"; const ${name} = shared.float64(${n}) (or shared.int32), then fill it.`
      );
    });
}

/**
 * Map items that are class instances: structured clone sends their data, not their class, so a
 * worker sees plain objects without the methods. Returns a note naming the classes, or undefined.
 */
export function lostClasses(items: readonly unknown[], label = "--map items"): string | undefined {
  const classes = new Map<string, number>();
  const limit = Math.min(items.length, 1000);
  for (let i = 0; i < limit; i++) {
    const name = className(items[i]);
    if (name && !classes.has(name)) classes.set(name, i);
  }
  if (!classes.size) return undefined;
  const names = [...classes.keys()];
  const first = names[0];
  return (
    `Note: ${label} are instances of ${names.join(", ")} (item ${classes.get(first)} is ${withArticle(first)}); ` +
    `a worker gets plain copies of their data without ${names.length > 1 ? "their classes'" : `${first}'s`} methods ` +
    `(structured clone copies data, not classes), so calling a method on item fails there. ` +
    `Call the methods in the kernel first (e.g. map over xs.map((x) => x.value())), or pass plain data and functions that take it.`
  );
}

/** The class of an instance whose prototype has methods structured clone would drop, or undefined. */
function className(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value) || value instanceof Error)
    return undefined;
  const proto = Object.getPrototypeOf(value) as object | null;
  if (CLONEABLE.has(proto) || isTagged(value)) return undefined;
  const ctor = (proto as { constructor?: { name?: string } }).constructor;
  return ctor?.name || "an anonymous class";
}
