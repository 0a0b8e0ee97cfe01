/**
 * The stretches of a disturbed run in which its workers were ready to run but waited for a core,
 * drawn under the utilization lines of the run chart, when the summary has a note about it. Quiet
 * runs get no such series.
 */
import type { RunRecord } from "../run/records";
import { readDisturbance } from "./disturbance";
import type { XYPoint } from "./layout";
import { ChartTheme, withAlpha } from "./theme";

export const WAITING_LABEL = "workers waiting for a core (mean %)";

export function waitingDataset(
  record: RunRecord,
  toX: (tMs: number) => number,
  theme: ChartTheme,
): Record<string, unknown> | undefined {
  if (!record.disturbance || !readDisturbance(record.disturbance, record.wallMs).noted) return undefined;
  const samples = (record.workerSamples ?? []).filter((s) => s.tMs >= record.startMs - 1);
  if (!samples.some((s) => s.waiting)) return undefined;
  const color = theme.status.error;
  return {
    type: "line",
    label: WAITING_LABEL,
    data: samples.map((s): XYPoint => {
      const waiting = s.waiting ?? [];
      const mean = waiting.length ? waiting.reduce((a, b) => a + b, 0) / waiting.length : 0;
      return { x: toX(s.tMs), y: mean };
    }),
    borderColor: withAlpha(color, 0.7),
    backgroundColor: withAlpha(color, 0.22),
    borderWidth: 1,
    pointRadius: 0,
    pointHitRadius: 4,
    stepped: "before",
    fill: "origin",
    pointStyle: "rect",
  };
}
