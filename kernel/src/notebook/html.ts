import fs from "node:fs";
import path from "node:path";
import { marked } from "marked";
import { escapeHtml } from "../format";
import { Notebook, NotebookOutput, cellSource } from "./nbformat";
import { renderWidgetView, savedWidgetState } from "./widget-html";

type WidgetStates = ReturnType<typeof savedWidgetState>;

// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
const ANSI = /\u001b\[[0-9;]*m/g;

function renderOutput(out: NotebookOutput, widgets: WidgetStates = {}): string {
  if (out.output_type === "stream") {
    return `<pre class="pl-stream pl-${out.name}">${escapeHtml(out.text ?? "")}</pre>`;
  }
  if (out.output_type === "error") {
    return `<pre class="pl-error">${escapeHtml((out.traceback ?? [`${out.ename}: ${out.evalue}`]).join("\n").replace(ANSI, ""))}</pre>`;
  }
  const data = out.data ?? {};
  const widget = renderWidgetView(data, widgets, (o) => renderOutput(o, widgets), escapeHtml);
  if (widget !== undefined) return widget;
  if (typeof data["image/png"] === "string") {
    const alt = escapeHtml(String(data["text/plain"] ?? "chart"));
    return `<figure class="pl-figure"><img src="data:image/png;base64,${data["image/png"]}" alt="${alt}"><figcaption>${alt}</figcaption></figure>`;
  }
  if (typeof data["text/html"] === "string") return `<div class="pl-html">${data["text/html"]}</div>`;
  if (typeof data["text/markdown"] === "string")
    return `<pre class="pl-markdown">${escapeHtml(data["text/markdown"] as string)}</pre>`;
  if (data["text/plain"] !== undefined) return `<pre class="pl-result">${escapeHtml(String(data["text/plain"]))}</pre>`;
  return "";
}

/** The repository's style/ (variables shared with the labextension, then the report's own), copied
 * to dist/style/ by the build; read when a report is written so that the page is self-contained. */
const STYLE_DIR = path.join(__dirname, "..", "style");
const STYLESHEETS = ["variables.css", "report.css"];

function reportStyle(): string {
  return STYLESHEETS.map((name) => {
    const file = path.join(STYLE_DIR, name);
    try {
      return fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new Error(
        `the report's stylesheet ${file} is missing (${(e as NodeJS.ErrnoException).code}); in a clone, run: npm run build`,
      );
    }
  }).join("\n");
}

/** A self-contained HTML page with every cell, its outputs and charts (PNG inlined). */
export function renderHtmlReport(nb: Notebook, title: string): string {
  const widgets = savedWidgetState(nb);
  const cells = nb.cells.map((cell) => {
    const src = escapeHtml(cellSource(cell));
    if (cell.cell_type === "markdown") {
      // The notebook's own text, as the notebook would show it (the report is the author's page).
      return `<section class="pl-markdown-cell">${marked.parse(cellSource(cell), { async: false })}</section>`;
    }
    if (cell.cell_type !== "code") return `<pre class="pl-raw-cell">${src}</pre>`;
    const outputs = (cell.outputs ?? []).map((o) => renderOutput(o, widgets)).join("\n");
    return `<section class="pl-cell"><div class="pl-count">[${cell.execution_count ?? " "}]</div><pre class="pl-code">${src}</pre>${outputs}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} — paralab report</title>
<style>\n${reportStyle()}</style></head>
<body class="paralab-report"><h1>${escapeHtml(title)} — paralab report</h1>
${cells.join("\n")}
</body></html>
`;
}
