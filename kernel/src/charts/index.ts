/**
 * chart.js configurations for paralab's records (docs/records.md), built by pure functions: the subpath
 * `paralab/charts`. The kernel draws them to PNG (charts/png.ts); the JupyterLab extension imports
 * them unchanged and draws them interactively. So: no node: imports, no DOM, and only
 * `import type` from chart.js (the caller registers chart.js components).
 *
 * Usage in a renderer:
 *   for (const config of chartConfigsFor(mime, data, DARK_THEME)) new Chart(canvas, config);
 */
import {
  checkRecord,
  GRAPH_MIME,
  MONITOR_MIME,
  RUN_MIME,
  SCALING_MIME,
  type GraphRecord,
  type MonitorRecord,
  type RunRecord,
  type ScalingRecord,
} from "../run/records";
import { AnyChartConfiguration, ConfigOptions } from "./layout";
import { graphConfigs } from "./graph";
import { monitorConfig } from "./monitor";
import { compareConfig, runTimelineConfig, runUtilizationConfig, utilizationSource } from "./run";
import { scalingConfig } from "./scaling";
import { ChartTheme, LIGHT_THEME } from "./theme";

export * from "../run/records";
export { formatBytes, formatDuration } from "../format";
export { amdahlCurve, amdahlSpeedup, buildScalingRecord, fitSerialFraction, type ScalingRun } from "./amdahl";
export * from "./layout";
export * from "./theme";
export * from "./cpu-labels";
export { compareConfig, runTimelineConfig, runUtilizationConfig, utilizationSource } from "./run";
export { scalingConfig } from "./scaling";
export { coreHistoryConfig, monitorConfig } from "./monitor";
export { utilizationLines } from "./utilization";
export * from "./graph";
export {
  describeFit,
  isTooShort,
  summarize,
  summarizeGraph,
  summarizeMonitor,
  summarizeRun,
  summarizeScaling,
} from "./summary";

/**
 * The charts for one record, top to bottom: run → timeline, utilization (when
 * there are samples), compare (with --compare); scaling → one; monitor → one; graph → DAG,
 * timeline (once run), work–span.
 * Throws on an unknown MIME type or a record that does not match it.
 */
export function chartConfigsFor(
  mime: string,
  data: unknown,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration[] {
  const problem = checkRecord(mime, data);
  if (problem) throw new TypeError(`paralab charts: ${problem}`);
  switch (mime) {
    case RUN_MIME: {
      const record = data as RunRecord;
      const configs = [runTimelineConfig(record, theme, options)];
      if (utilizationSource(record)) configs.push(runUtilizationConfig(record, theme, options));
      if (record.compare) configs.push(compareConfig(record, theme, options));
      return configs;
    }
    case SCALING_MIME:
      return [scalingConfig(data as ScalingRecord, theme, options)];
    case MONITOR_MIME:
      return [monitorConfig(data as MonitorRecord, theme, options)];
    case GRAPH_MIME:
      return graphConfigs(data as GraphRecord, theme, options);
    default:
      throw new TypeError(`paralab charts: unknown MIME type ${mime}`);
  }
}
