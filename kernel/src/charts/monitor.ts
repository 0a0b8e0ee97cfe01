/** The %monitor chart: per-core utilization, updated in place. */
import type { CoreSample, MonitorRecord } from "../run/records";
import { AnyChartConfiguration, baseOptions, ConfigOptions } from "./layout";
import { capitalize, MACHINE_CPU, MACHINE_CPU_SOURCE } from "./cpu-labels";
import { ChartTheme, LIGHT_THEME } from "./theme";
import { utilizationDatasets, utilizationLines } from "./utilization";

/** `%monitor`: per-core utilization over time (seconds since monitoring began). */
export function monitorConfig(
  record: MonitorRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  const start = record.startMs ?? record.samples[0]?.tMs ?? 0;
  const datasets = utilizationDatasets(record.samples, record.cores, (t) => (t - start) / 1000, theme);
  const durationS = record.durationMs > 0 && Number.isFinite(record.durationMs) ? record.durationMs / 1000 : undefined;
  const title =
    record.title ??
    `${capitalize(MACHINE_CPU)} per core (${MACHINE_CPU_SOURCE}, ${record.cores} cores)${record.done ? "" : " — live"}`;
  const base = baseOptions(theme, options, title, 260, true);
  return utilizationLines(datasets, base, theme, options, {
    title: "time since monitor start (s)",
    max: durationS,
    unit: "s",
  });
}

/**
 * The Parallel panel's history: the same per-core lines and mean as %monitor, over the last
 * `seconds`, x in seconds before the newest sample, compact (no title, fills its box).
 */
export function coreHistoryConfig(
  samples: readonly CoreSample[],
  cores: number,
  seconds: number,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration {
  const newest = samples[samples.length - 1]?.tMs ?? 0;
  const datasets = utilizationDatasets(samples, cores, (t) => (t - newest) / 1000, theme);
  const base = baseOptions(theme, options, "", 140, false);
  const config = utilizationLines(datasets, base, theme, options, {
    title: "seconds ago",
    min: -seconds,
    max: 0,
    unit: "s",
  }) as unknown as { options: Record<string, unknown> & { plugins: Record<string, unknown> } };
  config.options.maintainAspectRatio = false;
  config.options.parsing = false;
  config.options.plugins.title = { display: false };
  return config as unknown as AnyChartConfiguration;
}
