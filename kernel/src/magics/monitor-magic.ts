import { chartBundle } from "../charts/lazy";
import { MonitorRecord } from "../run/records";
import { newDisplayId } from "../output";
import { Magic } from "./registry";

const UPDATE_EVERY_MS = 1000;
const DEFAULT_SECONDS = 10;

/** `%monitor [--duration S]`: a live per-core utilization chart in the cell output. */
export const monitorMagic: Magic = {
  name: "monitor",
  kinds: ["line"],
  summary: "live per-core CPU utilization chart in the cell output",
  synopsis: "[--duration S]",
  description:
    "Shows per-core utilization and updates it in place every second for S seconds (default 10).\n" +
    "Put code below the %monitor line in the same cell to watch it run: the chart then follows\n" +
    "that code until it finishes (or for S seconds when --duration is given).",
  options: [
    {
      flag: "--duration",
      type: "number",
      metavar: "S",
      help: "how long to keep sampling (default 10 s, or while the code below runs)",
      example: "30",
    },
  ],
  async run(_call, options, ctx) {
    const sampler = ctx.sampler;
    const given = options.duration as number | undefined;
    // Alone in a cell: S seconds (default 10). Above code in the same cell: while that code
    // runs, or S seconds when given.
    const durationMs = (given ?? (ctx.followedByCode ? Infinity : DEFAULT_SECONDS)) * 1000;
    const displayId = newDisplayId();
    const startMs = Date.now();
    const record = (done: boolean): MonitorRecord => ({
      version: 1,
      kind: "monitor",
      cores: sampler.cores,
      startMs,
      samples: sampler.samplesBetween(startMs, Date.now() + 1),
      durationMs: Number.isFinite(durationMs) ? durationMs : Date.now() - startMs,
      done,
    });
    const sink = ctx.sink;
    sampler.busy(true);
    sampler.sampleNow();
    sink.display({ ...(await chartBundle(record(false))), transient: { display_id: displayId } });
    ctx.background(async (rest) => {
      let restFinished = false;
      void rest.then(() => (restFinished = true));
      try {
        while (!ctx.signal.aborted) {
          await sleep(UPDATE_EVERY_MS, ctx.signal);
          const elapsed = Date.now() - startMs;
          const done = elapsed >= durationMs || (given === undefined && ctx.followedByCode && restFinished);
          sampler.sampleNow();
          sink.display({ ...(await chartBundle(record(done))), transient: { display_id: displayId } }, true);
          if (done) {
            sink.stream(
              "stdout",
              `Monitored ${sampler.cores} cores; sampling cost ${sampler.overheadPercent.toFixed(2)}% of one core.\n`,
            );
            return;
          }
        }
      } finally {
        sampler.busy(false);
      }
    });
  },
};

/** Resolves after ms, or at once when the cell is interrupted. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
