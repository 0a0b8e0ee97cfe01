/**
 * The kernel's variables live on one plain object, `exports` in the cells' JavaScript (tslab's
 * converter writes a reference to an earlier cell's `x` as `exports.x`). Each variable is an
 * accessor over the declaring cell's own local, so that:
 * - the declaring cell works on a plain local (top-level loops run at function speed),
 * - later cells read and write that same local (live bindings, as ES modules have): a function
 *   of cell 1 sees what cell 3 assigned, and the other way round,
 * - re-running a declaring cell redefines the accessor (redeclaring `const x` works).
 *
 * Redefining accessors turns an object into V8's slow dictionary mode, after which every
 * `exports.x` in a hot loop is a hash lookup (30x slower). Using the object as a prototype once
 * makes V8 turn it back into a fast object; `refasten` does that after each definition.
 */

export interface BindingHelpers {
  /** A cell's own top-level declaration: `bind(exports, "x", () => x, (v) => { x = v; })`. */
  bind(target: object, name: string, get: () => unknown, set: (value: unknown) => void): void;
  /** An import binding; TypeScript emits `Object.defineProperty(exports, name, { get })`. */
  define(target: object, name: string, descriptor: PropertyDescriptor): void;
  /** A binding that holds a value of its own (a default import, `%%parallel --out NAME`). */
  hold(target: object, name: string, value: unknown): void;
}

export const bindingHelpers: BindingHelpers = {
  bind(target, name, get, set) {
    Object.defineProperty(target, name, { get, set, enumerable: true, configurable: true });
    refasten(target);
  },
  define(target, name, descriptor) {
    // configurable, so that re-running the import (or declaring the name again) can redefine it.
    Object.defineProperty(target, name, { ...descriptor, enumerable: true, configurable: true });
    refasten(target);
  },
  hold(target, name, value) {
    let held = value;
    bindingHelpers.bind(
      target,
      name,
      () => held,
      (v) => (held = v),
    );
  },
};

/** Deletes every binding (kernel reset). */
export function clearBindings(target: Record<string, unknown>): void {
  for (const name of Object.keys(target)) delete target[name];
  refasten(target);
}

function refasten(o: object): void {
  // Making `o` the prototype of a fresh constructor and loading a missing property through it
  // makes V8 give `o` fast properties again (the load's inline cache walks the chain).
  function Probe() {}
  Probe.prototype = o;
  const probe = new (Probe as unknown as new () => Record<string, unknown>)();
  void probe.notAKernelVariable;
}

// The load above only acts once V8 has given `refasten` an inline cache, which it does after a few
// calls (lazy feedback allocation); until then the first definitions would stay slow.
for (let i = 0; i < 20; i++) refasten({ warmUp: i });
