/**
 * Writes every chart type, light and dark, to a directory (default /tmp/paralab-charts)
 * so that a person can look at them: node kernel/dist/charts/render-samples.js [DIR]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DARK_THEME, GRAPH_MIME, LIGHT_THEME, MONITOR_MIME, RUN_MIME, SCALING_MIME } from "./index";
import {
  sampleGraphRecord,
  sampleManyTasksRecord,
  sampleMonitorRecord,
  sampleRunRecord,
  sampleScalingRecord,
} from "./fixtures";
import { renderPng } from "./png";

export function renderSamples(dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const cases: [string, string, unknown][] = [
    ["run", RUN_MIME, sampleRunRecord(4, 16)],
    ["run-compare-errors", RUN_MIME, sampleRunRecord(2, 10, { errors: true, compare: true })],
    ["run-16workers", RUN_MIME, sampleRunRecord(16, 80, { cores: 8 })],
    ["run-4000tasks", RUN_MIME, sampleManyTasksRecord(4000, 2)],
    ["scaling", SCALING_MIME, sampleScalingRecord(0.1)],
    ["scaling-s03", SCALING_MIME, sampleScalingRecord(0.3, [1, 2, 3, 4, 6, 8], 2)],
    ["monitor", MONITOR_MIME, sampleMonitorRecord(2, 10)],
    ["monitor-live", MONITOR_MIME, sampleMonitorRecord(4, 20, false)],
    ["graph", GRAPH_MIME, sampleGraphRecord(4)],
    ["graph-before", GRAPH_MIME, sampleGraphRecord(4, { ran: false })],
    ["graph-failed", GRAPH_MIME, sampleGraphRecord(4, { fail: true })],
  ];
  const written: string[] = [];
  for (const [name, mime, record] of cases) {
    for (const theme of [LIGHT_THEME, DARK_THEME]) {
      const file = path.join(dir, `${name}-${theme.name}.png`);
      fs.writeFileSync(file, renderPng(mime, record, theme));
      written.push(file);
    }
  }
  return written;
}

if (require.main === module) {
  for (const f of renderSamples(process.argv[2] ?? "/tmp/paralab-charts")) console.log(f);
}
