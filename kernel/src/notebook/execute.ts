import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createKernel } from "../server/create";
import { Channel, JupyterMessage } from "../protocol/messages";
import { makeHeader } from "../protocol/wire";
import { PARALAB_MIMES } from "../run/records";
import { WIDGET_STATE_MIME, activeWidgetManager } from "../widgets/manager";
import { renderHtmlReport } from "./html";
import { Notebook, NotebookOutput, OutputCollector, cellSource } from "./nbformat";

export interface RunOptions {
  out?: string;
  html?: string;
  allowErrors?: boolean;
  /** Progress lines; default: stderr. */
  log?: (line: string) => void;
}

/**
 * Executes every code cell of a notebook with an in-process kernel: the same handler, magics and
 * executor as `paralab kernel`, with iopub messages collected into the cells' outputs.
 */
export async function runNotebook(
  nb: Notebook,
  rootDir: string,
  o: RunOptions = {},
): Promise<{ notebook: Notebook; ok: boolean }> {
  const write = process.stderr.write.bind(process.stderr);
  const log = o.log ?? ((line: string) => void write(line + "\n"));
  const shared = new Map<string, NotebookOutput[]>();
  let collector: OutputCollector | undefined;
  let replied: ((content: Record<string, unknown>) => void) | undefined;
  const transport = {
    async send(channel: Channel, msgType: string, content: unknown) {
      if (channel === "iopub") collector?.add(msgType, content as Record<string, unknown>);
      else if (msgType === "execute_reply") replied?.(content as Record<string, unknown>);
    },
  };
  const { handler, runner } = createKernel(transport, rootDir, log, () => undefined);
  const session = randomUUID();
  let ok = true;
  const codeCells = nb.cells.filter((c) => c.cell_type === "code");
  try {
    for (const [i, cell] of codeCells.entries()) {
      collector = new OutputCollector(shared);
      cell.outputs = collector.outputs;
      const reply = new Promise<Record<string, unknown>>((resolve) => (replied = resolve));
      const msg: JupyterMessage = {
        identities: [],
        header: makeHeader("execute_request", session),
        parent_header: {},
        metadata: {},
        content: {
          code: cellSource(cell),
          silent: false,
          store_history: true,
          allow_stdin: false,
          stop_on_error: true,
        },
        buffers: [],
      };
      const started = Date.now();
      handler.handle("shell", msg);
      const content = await reply;
      cell.execution_count = content.execution_count as number;
      const expected = ((cell.metadata.tags as string[] | undefined) ?? []).includes("raises-exception");
      const status = content.status as string;
      log(
        `paralab run: cell ${i + 1}/${codeCells.length} ${status} (${Date.now() - started} ms)${status === "error" ? `: ${content.ename}: ${content.evalue}` : ""}`,
      );
      for (const reading of chartReadings(collector.outputs)) log(`  ${reading}`);
      if (status === "error" && !expected) {
        ok = false;
        if (!o.allowErrors) break;
      }
    }
    saveWidgetState(nb);
  } finally {
    await runner.shutdown(false);
  }
  return { notebook: nb, ok };
}

/**
 * The widgets' last state goes into the notebook's metadata (nbformat's widget-state schema, as
 * nbclient and JupyterLab save it), so the report, nbconvert and a reopened notebook show them.
 */
function saveWidgetState(nb: Notebook): void {
  const saved = activeWidgetManager()?.embedState();
  if (!saved || !Object.keys(saved.state).length) return;
  nb.metadata.widgets = { [WIDGET_STATE_MIME]: saved };
}

/**
 * What a cell's charts measured, in the words of their summaries (speedups, spreads, disturbance
 * notes): a headless run shows its key readings in the terminal, not only in the report.
 */
function chartReadings(outputs: readonly NotebookOutput[]): string[] {
  return outputs
    .filter((o) => o.data && PARALAB_MIMES.some((mime) => mime in o.data!))
    .map((o) => String(o.data!["text/plain"] ?? ""))
    .filter(Boolean);
}

/** `paralab run NOTEBOOK [--out FILE] [--html FILE]`; true when every cell ran without an unexpected error. */
export async function runNotebookFile(file: string, o: RunOptions): Promise<boolean> {
  const where = outputFiles(file, o);
  const { notebook, ok } = await runInItsFolder(readNotebook(file), file, o);
  writeResults(notebook, file, where);
  if (!ok) console.error("paralab run: a cell failed; see its error output in the executed notebook");
  return ok;
}

/** Cells run in the notebook's folder, as under Jupyter: relative paths and imports resolve there. */
export function runInItsFolder(nb: Notebook, file: string, o: RunOptions) {
  const dir = path.dirname(path.resolve(file));
  process.chdir(dir);
  return runNotebook(nb, dir, o);
}

/** Where the executed notebook and the report go, resolved before the run changes folder. */
export function outputFiles(file: string, o: RunOptions): { out: string; html?: string } {
  return {
    out: path.resolve(o.out ?? file.replace(/\.ipynb$/, "") + ".out.ipynb"),
    html: o.html && path.resolve(o.html),
  };
}

/** Writes the executed notebook (and the HTML report, if asked) and says where. */
export function writeResults(notebook: Notebook, file: string, { out, html }: { out: string; html?: string }): void {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(notebook, null, 1) + "\n");
  console.log(`paralab run: executed notebook written to ${out}`);
  if (html) {
    fs.mkdirSync(path.dirname(html), { recursive: true });
    fs.writeFileSync(html, renderHtmlReport(notebook, path.basename(file)));
    console.log(`paralab run: HTML report written to ${html}`);
  }
}

export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(
      `run: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Give the path of an .ipynb file.`,
    );
  }
  let nb: Notebook;
  try {
    nb = JSON.parse(text) as Notebook;
  } catch (e) {
    throw new Error(`run: ${file} is not a notebook: its JSON does not parse (${(e as Error).message}).`);
  }
  if (!Array.isArray(nb?.cells))
    throw new Error(`run: ${file} is not a notebook: it has no "cells" list (nbformat 4).`);
  return nb;
}
