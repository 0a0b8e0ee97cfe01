import { newDisplayId, type OutputSink } from "../output";
import type { ParalabRecord } from "../run/records";
import type { LiveChart } from "./live-chart";
import type { DisplayBundle } from "./mime";

/**
 * chart.js and the canvas load on the first chart, not with the kernel: a kernel that never draws
 * starts ~80 ms sooner.
 */
export async function chartBundle(record: ParalabRecord): Promise<DisplayBundle> {
  const { recordBundle } = await import("./mime");
  return recordBundle(record);
}

/** The same, at once: for output that must appear before the call returns (node.visualize()). */
export function chartBundleNow(record: ParalabRecord): DisplayBundle {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { recordBundle } = require("./mime") as typeof import("./mime");
  return recordBundle(record);
}

/**
 * Shows a record's chart without making the cell wait for its PNG: the record (which JupyterLab's
 * extension draws) and its summary at once, in place of the live chart when there is one; the
 * PNG, for other frontends and saved notebooks, completes that same output after the cell's reply
 * and before its idle (OutputSink.afterReply). Drawing and encoding the PNG takes 25–40 ms, most
 * of it zlib, which was most of a short %%parallel cell's time.
 */
export async function showChart(sink: OutputSink, record: ParalabRecord, live?: LiveChart): Promise<void> {
  const { recordBundle } = await import("./mime");
  const first = recordBundle(record, { png: false });
  let displayId = live?.finish(first);
  if (!displayId) {
    displayId = newDisplayId();
    sink.display({ ...first, transient: { display_id: displayId } });
  }
  const id = displayId;
  sink.afterReply(() => sink.display({ ...recordBundle(record), transient: { display_id: id } }, true));
}
