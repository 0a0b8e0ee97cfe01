/** The graph chart (README, Magics: task graphs; docs/records.md): the DAG, what each worker did, and the work–span figures. */
import type { GraphRecord } from "../run/records";
import { graphDagConfig } from "./graph-dag";
import { graphTimelineConfig } from "./graph-timeline";
import type { AnyChartConfiguration, ConfigOptions } from "./layout";
import { ChartTheme, LIGHT_THEME } from "./theme";
import { workSpanConfig } from "./work-span";

export { graphDagConfig, MAX_DRAWN_NODES } from "./graph-dag";
export { layoutGraph } from "./graph-layout";
export { graphTimelineConfig } from "./graph-timeline";
export { formatWork, timeBounds, workOverWall, workSpanConfig } from "./work-span";

/** Top to bottom: the DAG, the per-worker timeline (once it ran), the work–span chart. */
export function graphConfigs(
  record: GraphRecord,
  theme: ChartTheme = LIGHT_THEME,
  options: ConfigOptions = {},
): AnyChartConfiguration[] {
  const configs = [graphDagConfig(record, theme, options)];
  if (record.ran && record.nodes.some((n) => n.startMs !== undefined))
    configs.push(graphTimelineConfig(record, theme, options));
  configs.push(workSpanConfig(record, theme, options));
  return configs;
}
