/**
 * Exercise checks for the teaching notebooks: `check` says pass or fail in words, and `timed`
 * measures a piece of work together with how busy the machine was meanwhile, so that a timing
 * check on a busy machine says "not judged" instead of failing a right answer.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { escapeHtml } from "../format";
import { outputCell, runningCell } from "../cell/current";
import { NOTABLE_OTHER_CORES, OTHER_CORES_MIN_WALL_MS } from "../charts/disturbance";
import { CpuLedger, otherProgramsCores, readCpuLedger } from "../monitor/disturbance";
import { CHECK_MIME, CheckVerdict, Verdict, verdictLine } from "../run/verdict";

export interface Timing<T> {
  value: T;
  /** Wall time of the work, ms (performance.now). */
  wallMs: number;
  /** Cores other programs used meanwhile (read over at least 200 ms); undefined off Linux. */
  otherCores?: number;
  /** Other programs used enough of the machine to disturb the reading. */
  disturbed: boolean;
}

/** The CPU of paralab's process workers is paralab's own, not other programs'. */
function processWorkerPids(): number[] {
  const pools = runningCell()?.runners.pools() ?? [];
  return pools.flatMap((p) =>
    p
      .status()
      .filter((w) => w.kind === "process" && w.state !== "dead")
      .map((w) => w.pid),
  );
}

/**
 * Runs `work` and measures its wall time and what other programs took from the machine meanwhile.
 * Work shorter than /proc/stat's resolution allows (200 ms) is followed by a short wait, so that
 * the machine's load is still read over 200 ms.
 */
export async function timed<T>(work: () => T | Promise<T>): Promise<Timing<Awaited<T>>> {
  if (typeof work !== "function") {
    throw new TypeError(`timed: expected a function to time, got ${typeof work}. Write: await timed(() => work())`);
  }
  const before = readCpuLedger(processWorkerPids());
  const start = performance.now();
  const value = await work();
  const wallMs = performance.now() - start;
  if (wallMs < OTHER_CORES_MIN_WALL_MS) await sleep(OTHER_CORES_MIN_WALL_MS - wallMs);
  const after = readCpuLedger(processWorkerPids());
  const otherCores = before && after ? otherProgramsCores(before, after as CpuLedger) : undefined;
  return { value, wallMs, otherCores, disturbed: (otherCores ?? 0) >= NOTABLE_OTHER_CORES };
}

export interface CheckOptions {
  /** The verdict on the student's work. */
  passed: boolean;
  /** What the check found when it passed, e.g. "the race is gone: 24,000,000 of 24,000,000". */
  pass: string;
  /** What is wrong and how to fix it. */
  fail: string;
  /** The timings the verdict rests on, if any: a fail on a busy machine is "not judged". */
  timing?: Timing<unknown> | readonly Timing<unknown>[];
}

function busyNote(timings: readonly Timing<unknown>[]): string | undefined {
  const cores = Math.max(...timings.map((t) => (t.disturbed ? (t.otherCores ?? 0) : 0)));
  return cores > 0
    ? `measured while other programs used ${cores.toFixed(1)} of the ${os.availableParallelism()} cores`
    : undefined;
}

export function verdictOf(exercise: string, o: CheckOptions): CheckVerdict {
  const timings = o.timing === undefined ? [] : Array.isArray(o.timing) ? o.timing : [o.timing as Timing<unknown>];
  const note = busyNote(timings);
  let verdict: Verdict = o.passed ? "pass" : "fail";
  if (verdict === "fail" && note) verdict = "not judged";
  const message = o.passed ? o.pass : o.fail;
  return {
    exercise,
    verdict,
    message,
    note: note && (verdict === "not judged" ? `${note}: run it again on a quieter machine` : note),
  };
}

const COLOURS: Record<Verdict, string> = { pass: "#1a7f37", fail: "#cf222e", "not judged": "#9a6700" };

/**
 * Shows an exercise's verdict in words: "✔ Exercise 3.1 passed: …" or "✘ Exercise 3.1 not yet: …".
 * `paralab run --check` reads it back from the cell's output.
 */
export function check(exercise: string, options: CheckOptions): void {
  if (typeof exercise !== "string" || !exercise) {
    throw new TypeError(
      `check: the first argument names the exercise, e.g. check("3.1", {...}); got ${String(exercise)}`,
    );
  }
  if (typeof options?.passed !== "boolean") {
    throw new TypeError(
      `check("${exercise}"): passed must be true or false, got ${typeof options?.passed === "undefined" ? "undefined" : JSON.stringify(options.passed)}. Compare explicitly, e.g. passed: count === 24_000_000`,
    );
  }
  const v = verdictOf(exercise, options);
  const line = verdictLine(v);
  const data = {
    [CHECK_MIME]: v,
    "text/plain": line,
    "text/html": `<div style="border-left:4px solid ${COLOURS[v.verdict]};padding:2px 8px"><b style="color:${COLOURS[v.verdict]}">${escapeHtml(line.slice(0, line.indexOf(":") + 1))}</b>${escapeHtml(line.slice(line.indexOf(":") + 1))}</div>`,
  };
  outputCell("check").sink.display({ data, metadata: {} });
}
