import v8 from "node:v8";
import vm from "node:vm";
import { PerformanceObserver, constants, performance } from "node:perf_hooks";

/**
 * Bounds the kernel's V8 heap, and keeps its collector off the workers' cores while a run is measured.
 *
 * Why a bound between cells: every cell type-checks (tslab builds a new TypeScript program and
 * checker for it, and for a %%parallel body checked against the `paralab` declarations) and that
 * work is kept until the next cell, so it outlives the young generation: 1 MB (a plain cell) to
 * 4.5 MB (a %%parallel --map cell, a chart) of garbage lands in old space per cell. V8 lets old
 * space grow to up to four times what was live after the last full GC before it collects again,
 * and gives the pages back only ~40 s after the kernel goes idle (its memory reducer). Measured
 * over the 500-cell soak (test/soak.py): ~115 MB live, but old space swinging between 200 and 430
 * MB committed, RSS 400–670 MB, which read as "creep". So at the end of a cell, when the heap holds
 * more than its live size plus max(that, SLACK), one full GC runs (~75 ms for 100 MB live), on a
 * timer after the cell's reply is on its way, or when the next cell starts if that comes first. The V8 flag that would do the same
 * (--heap-growing-percent) would also slow allocation-heavy user code (1.3–1.6× on a churn test).
 *
 * Why before timed work: when V8 collects on its own, it marks the heap concurrently, on helper
 * threads that take the cores from the pool's workers. The first such collection after start-up
 * comes early (the type checker, built after the kernel answered, triples a ~30 MB heap) and
 * landed in notebook 02's dynamic run: the workers waited for a core 23–32% of their in-task time,
 * 1.1 of 2 busy instead of 1.6. Later ones start sooner: at +31% of a 107 MB live heap in
 * notebook 07. So when the heap has grown by a quarter of its live size (and RUN_SLACK) since the
 * last full GC, one runs before a run's clock starts (~70 ms for 100 MB live; once in a kernel's
 * first runs, then every few runs that follow new type checks): not timed as the run's. Not at
 * every cell's start: a plain cell (the first `1+1`) would pay it for nothing.
 */
const SLACK = 96 * 1024 * 1024;
const RUN_SLACK = 16 * 1024 * 1024;
const RUN_GC_SPACING = 10;

/** What the bound reads and does; tests give their own. */
export interface HeapControls {
  usedBytes(): number;
  collect(): void;
  /** Runs fn soon, after the cell's reply has left. */
  defer(fn: () => void): void;
  /** Calls fn after each full GC, V8's own included, with how long it took. */
  onFullGc(fn: (ms: number) => void): void;
  nowMs(): number;
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
  onFullGc: (fn) => {
    const observer = new PerformanceObserver((list) => {
      const major = list
        .getEntries()
        .filter((e) => (e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
      if (major.length) fn(Math.max(...major.map((e) => e.duration)));
    });
    observer.observe({ entryTypes: ["gc"] });
  },
  nowMs: () => performance.now(),
};

export class HeapBound {
  /** Used bytes after the last full GC; 0 until one was seen. */
  #liveAfterGc = 0;
  #pending = false;
  /** When the last full GC ended, and how long it took. */
  #lastFullGc = { endMs: -Infinity, ms: 0 };

  constructor(private readonly controls: HeapControls = V8_CONTROLS) {
    controls.onFullGc((ms) => {
      // Read a little after the GC (observers are told later): what the cells allocated since counts as live.
      this.#liveAfterGc = this.controls.usedBytes();
      this.#lastFullGc = { endMs: this.controls.nowMs(), ms };
    });
  }

  /** Call when a cell ends: schedules a full GC if cells left much more garbage than V8 needs. */
  afterCell(): void {
    if (this.#pending) return;
    const used = this.controls.usedBytes();
    if (!this.#liveAfterGc) this.#liveAfterGc = used; // no full GC seen yet: as good a baseline as any
    if (used <= this.#liveAfterGc + Math.max(this.#liveAfterGc, SLACK)) return;
    this.#pending = true;
    this.controls.defer(() => this.beforeCell());
  }

  /**
   * Call when a cell starts, before its code: a collection still pending from the last cell runs
   * now. A client that sends the next cell at once (`paralab run`, nbclient) can have it start
   * before the timer fires, and the timer would then pause the cell's code ~75 ms at its first
   * await (notebook 07's check saw a 50 ms timer fire after 103 ms).
   */
  beforeCell(): void {
    if (!this.#pending) return;
    this.#pending = false;
    this.#collect();
  }

  /**
   * Call before work whose time matters: collects now if V8 could start its own, concurrent
   * collection during it. Not sooner after the last full GC than RUN_GC_SPACING times its length:
   * a loop of small maps, each allocating its results, would otherwise stop for one every few calls
   * (mean +25% over 300 maps of 100,000 numbers), where V8's own, concurrent, costs them little.
   */
  beforeTimedWork(): void {
    const last = this.#lastFullGc;
    if (this.controls.nowMs() - last.endMs < RUN_GC_SPACING * last.ms) return;
    const used = this.controls.usedBytes();
    if (!this.#liveAfterGc) this.#liveAfterGc = used;
    if (used > this.#liveAfterGc + Math.max(this.#liveAfterGc / 4, RUN_SLACK)) this.#collect();
  }

  #collect(): void {
    const startMs = this.controls.nowMs();
    this.controls.collect();
    const endMs = this.controls.nowMs();
    this.#lastFullGc = { endMs, ms: endMs - startMs };
    this.#liveAfterGc = this.controls.usedBytes();
  }
}

let kernelHeap: HeapBound | undefined;

/** The kernel process's one bound (its heap is one, whoever runs cells or starts runs). */
export function theKernelHeap(): HeapBound {
  return (kernelHeap ??= new HeapBound());
}
