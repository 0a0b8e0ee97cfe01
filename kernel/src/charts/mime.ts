/**
 * Display bundles for paralab charts (docs/records.md): the record as JSON for the
 * labextension, a PNG for other frontends, and a sentence for consoles.
 */
import { LIGHT_THEME, type ChartTheme } from "./theme";
import { renderPng } from "./png";
import {
  GRAPH_MIME,
  MONITOR_MIME,
  RUN_MIME,
  SCALING_MIME,
  mimeOfRecord,
  type ParalabMime,
  type ParalabRecord,
} from "../run/records";
import { summarize } from "./summary";

export { GRAPH_MIME, MONITOR_MIME, RUN_MIME, SCALING_MIME };
export { summarizeGraph, summarizeMonitor, summarizeRun, summarizeScaling } from "./summary";

/** A Jupyter display_data / execute_result payload. */
export interface DisplayBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface BundleOptions {
  /** Theme of the PNG (default light: classic Notebook, nbconvert and GitHub are light). */
  theme?: ChartTheme;
  widthPx?: number;
  /** Leave the PNG out (e.g. a live monitor update that only JupyterLab draws). */
  png?: boolean;
}

/**
 * `{ data: { [mime]: record, "image/png": base64, "text/plain": text }, metadata: {} }`.
 * If drawing the PNG fails, the bundle is still returned without it (the JSON and the
 * text are the contract; the PNG is a fallback) and the text says why.
 */
export function displayBundle(
  mime: ParalabMime | string,
  record: unknown,
  text: string,
  options: BundleOptions = {},
): DisplayBundle {
  const data: Record<string, unknown> = { [mime]: record };
  let plain = text;
  if (options.png !== false) {
    try {
      const png = renderPng(mime, record, options.theme ?? LIGHT_THEME, options.widthPx ?? 800, text);
      data["image/png"] = png.toString("base64");
    } catch (err) {
      plain += `\n(chart image unavailable: ${err instanceof Error ? err.message : String(err)})`;
    }
  }
  data["text/plain"] = plain;
  return { data, metadata: {} };
}

/** The bundle for any record, with its own summary as text. */
export function recordBundle(record: ParalabRecord, options: BundleOptions = {}): DisplayBundle {
  return displayBundle(mimeOfRecord(record), record, summarize(record), options);
}
