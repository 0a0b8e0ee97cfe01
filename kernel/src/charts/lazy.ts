import type { ParalabRecord } from "../run/records";
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
