/**
 * Numbers as paralab prints them, in the kernel, the charts and the JupyterLab panel alike.
 * No imports: the labextension loads this through `paralab/charts`.
 */

/** "512 B", "1.2 kB", "34 MB" (SI units, 1 kB = 1000 B). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "? B";
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = bytes / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** Three significant digits in a fitting unit: "2.01 s", "123 ms", "1.23 ms", "45.6 µs", "12.0 ns". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return "? ms";
  const abs = Math.abs(ms);
  if (abs >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  if (abs >= 1 || abs === 0) return `${ms === 0 ? "0" : ms.toPrecision(3)} ms`;
  if (abs >= 0.001) return `${(ms * 1000).toPrecision(3)} µs`;
  return `${(ms * 1e6).toPrecision(3)} ns`;
}

/** Text placed in HTML (element content or a quoted attribute), as the report, checks and live charts show it. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);
}
