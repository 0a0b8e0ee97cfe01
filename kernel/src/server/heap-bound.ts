import v8 from "node:v8";
import vm from "node:vm";

/**
 * Bounds the kernel's V8 heap between cells.
 *
 * Why: every cell type-checks (tslab builds a new TypeScript program and checker for it, and for a
 * %%parallel body checked against the `paralab` declarations) and that work is kept until the
 * next cell, so it outlives the young generation: 1 MB (a plain cell) to 4.5 MB (a %%parallel
 * --map cell, a chart) of garbage lands in old space per cell. V8 lets old space grow to up to
 * four times what was live after the last full GC before it collects again, and gives the pages
 * back only ~40 s after the kernel goes idle (its memory reducer). Measured over the 500-cell soak
 * (test/soak.py): ~115 MB live, but old space swinging between 200 and 430 MB committed, RSS
 * 400–670 MB, which read as "creep". Native memory (malloc, canvas, zeromq) levels off after
 * ~150 cells; a forced full GC brings RSS back to ~325 MB.
 *
 * So at the end of a cell, when the heap holds more than its live size after the last full GC
 * plus max(that, SLACK), one full GC runs (~75 ms for 100 MB live), on a timer after the cell's
 * reply is on its way. The V8 flag that would do the same (--heap-growing-percent) would also
 * slow allocation-heavy user code (1.3–1.6× on a churn test), so cells run with V8's own sizing.
 */
const SLACK = 96 * 1024 * 1024;

/** What the bound reads and does; tests give their own. */
export interface HeapControls {
  usedBytes(): number;
  collect(): void;
  /** Runs fn soon, after the cell's reply has left. */
  defer(fn: () => void): void;
}

/** A full GC without --expose-gc (which would put `gc` on the cells' global). */
function v8FullGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  v8.setFlagsFromString("--no-expose-gc");
  return gc;
}

let gc: (() => void) | undefined;
const V8_CONTROLS: HeapControls = {
  usedBytes: () => v8.getHeapStatistics().used_heap_size,
  collect: () => (gc ??= v8FullGc())(),
  defer: (fn) => setTimeout(fn, 0).unref(),
};

export class HeapBound {
  #liveAfterGc = 0;
  #pending = false;

  constructor(private readonly controls: HeapControls = V8_CONTROLS) {}

  /** Call when a cell ends: schedules a full GC if cells left much more garbage than V8 needs. */
  afterCell(): void {
    if (this.#pending) return;
    const used = this.controls.usedBytes();
    if (!this.#liveAfterGc) this.#liveAfterGc = used; // the first cell: as good a baseline as any
    if (used <= this.#liveAfterGc + Math.max(this.#liveAfterGc, SLACK)) return;
    this.#pending = true;
    this.controls.defer(() => {
      this.#pending = false;
      this.controls.collect();
      this.#liveAfterGc = this.controls.usedBytes();
    });
  }
}
