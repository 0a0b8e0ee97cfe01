import { recordBundle } from "../charts/mime";
import { MonitorRecord } from "../charts/records";
import { newDisplayId } from "../display";
import { Sampler } from "../monitor/sampler";
import { Magic } from "./registry";

const UPDATE_EVERY_MS = 1000;

/** `%monitor [--duration S]`: a live per-core utilization chart in the cell output. */
export function monitorMagic(sampler: Sampler): Magic {
  return {
    name: "monitor",
    kinds: ["line"],
    summary: "live per-core CPU utilization chart in the cell output",
    synopsis: "[--duration S]",
    description:
      "Shows per-core utilization and keeps updating it in place for S seconds (default 30), while you\n" +
      "run other cells. Run a %%parallel cell next and watch the cores fill up.",
    options: [
      {
        flag: "--duration",
        type: "number",
        metavar: "S",
        help: "how long to keep sampling (default 30 s)",
        example: "30",
      },
    ],
    async run(_call, options, ctx) {
      const durationMs = ((options.duration as number | undefined) ?? 30) * 1000;
      const displayId = newDisplayId();
      const startMs = Date.now();
      const record = (done: boolean): MonitorRecord => ({
        version: 1,
        kind: "monitor",
        cores: sampler.cores,
        startMs,
        samples: sampler.samplesBetween(startMs, Date.now() + 1),
        durationMs,
        done,
      });
      sampler.busy(true);
      sampler.sampleNow();
      const sink = ctx.sink;
      sink.display({ ...recordBundle(record(false)), transient: { display_id: displayId } });
      const timer = setInterval(() => {
        const done = Date.now() - startMs >= durationMs;
        sink.display({ ...recordBundle(record(done)), transient: { display_id: displayId } }, true);
        if (done) {
          clearInterval(timer);
          sampler.busy(false);
        }
      }, UPDATE_EVERY_MS);
      timer.unref();
    },
  };
}
