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
