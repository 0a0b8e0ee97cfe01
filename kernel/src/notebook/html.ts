import { marked } from "marked";
import { Notebook, NotebookOutput, cellSource } from "./nbformat";

// eslint-disable-next-line no-control-regex -- ANSI colour codes start with ESC
const ANSI = /\u001b\[[0-9;]*m/g;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);
}

function renderOutput(out: NotebookOutput): string {
  if (out.output_type === "stream") {
    return `<pre class="pl-stream pl-${out.name}">${escapeHtml(out.text ?? "")}</pre>`;
  }
  if (out.output_type === "error") {
    return `<pre class="pl-error">${escapeHtml((out.traceback ?? [`${out.ename}: ${out.evalue}`]).join("\n").replace(ANSI, ""))}</pre>`;
  }
  const data = out.data ?? {};
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

const STYLE = `
body { font-family: system-ui, sans-serif; max-width: 960px; margin: 2rem auto; padding: 0 1rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.4rem; }
.pl-cell { border-left: 3px solid #d0d7de; margin: 1.2rem 0; padding-left: .8rem; }
.pl-code { background: #f6f8fa; padding: .6rem; overflow-x: auto; border-radius: 4px; }
.pl-count { color: #57606a; font-size: .8rem; }
pre { white-space: pre-wrap; margin: .4rem 0; font-size: .85rem; }
.pl-stderr { background: #fff8c5; }
.pl-error { background: #ffebe9; color: #82071e; padding: .4rem; }
.pl-figure img { max-width: 100%; }
.pl-figure figcaption { color: #57606a; font-size: .8rem; white-space: pre-wrap; }
.pl-markdown-cell { margin: 1.2rem 0; line-height: 1.5; }
.pl-markdown-cell code { background: rgba(127, 127, 127, 0.15); padding: 0 .2em; border-radius: 3px; }
.pl-markdown-cell table { border-collapse: collapse; }
.pl-markdown-cell td, .pl-markdown-cell th { border: 1px solid #d0d7de; padding: .2rem .5rem; }
@media (prefers-color-scheme: dark) {
  body { background: #0d1117; color: #e6edf3; }
  .pl-code { background: #161b22; }
  .pl-stderr { background: #3b2e00; }
  .pl-error { background: #4a1014; color: #ffdcd7; }
}`;

/** A self-contained HTML page with every cell, its outputs and charts (PNG inlined). */
export function renderHtmlReport(nb: Notebook, title: string): string {
  const cells = nb.cells.map((cell) => {
    const src = escapeHtml(cellSource(cell));
    if (cell.cell_type === "markdown") {
      // The notebook's own text, as the notebook would show it (the report is the author's page).
      return `<section class="pl-markdown-cell">${marked.parse(cellSource(cell), { async: false })}</section>`;
    }
    if (cell.cell_type !== "code") return `<pre class="pl-raw-cell">${src}</pre>`;
    const outputs = (cell.outputs ?? []).map(renderOutput).join("\n");
    return `<section class="pl-cell"><div class="pl-count">[${cell.execution_count ?? " "}]</div><pre class="pl-code">${src}</pre>${outputs}</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} — paralab report</title>
<style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)} — paralab report</h1>
${cells.join("\n")}
</body></html>
`;
}
