/**
 * Widgets in the static HTML report: drawn from the widget state saved in the notebook
 * (metadata.widgets, nbformat's widget-state schema), as plain HTML without the widget manager.
 * An Output widget shows its outputs (paralab's charts as their PNG), a box its children, a
 * control its description and value. Interaction needs Jupyter; the report shows the last state.
 */
import { EmbedState, WIDGET_STATE_MIME, WIDGET_VIEW_MIME } from "../widgets/manager";
import type { Notebook, NotebookOutput } from "./nbformat";

type State = Record<string, unknown>;

export function savedWidgetState(nb: Notebook): EmbedState["state"] {
  const widgets = nb.metadata?.widgets as Record<string, EmbedState> | undefined;
  return widgets?.[WIDGET_STATE_MIME]?.state ?? {};
}

/** The HTML of a widget view output, or undefined when the output is not one. */
export function renderWidgetView(
  data: Record<string, unknown>,
  states: EmbedState["state"],
  renderOutput: (out: NotebookOutput) => string,
  escapeHtml: (text: string) => string,
): string | undefined {
  const view = data[WIDGET_VIEW_MIME] as { model_id?: string } | undefined;
  // Without its saved state (not saved, or another kernel's), the view's text fallback shows.
  if (!view?.model_id || !states[view.model_id]) return undefined;
  const seen = new Set<string>();
  const render = (id: string): string => {
    const entry = states[id];
    if (!entry || seen.has(id)) return "";
    seen.add(id);
    const s: State = entry.state;
    const name = entry.model_name.replace(/Model$/, "");
    const children = (Array.isArray(s.children) ? s.children : []).map((ref) => render(refId(ref)));
    const label = (text: unknown) => (text ? `<span class="pl-widget-label">${escapeHtml(String(text))}</span> ` : "");
    switch (name) {
      case "Output":
        return `<div class="pl-widget pl-widget-output">${((s.outputs as NotebookOutput[]) ?? []).map(renderOutput).join("\n")}</div>`;
      case "HBox":
      case "VBox":
      case "Box":
      case "GridBox":
        return `<div class="pl-widget pl-widget-${name.toLowerCase()}" style="display:flex;flex-direction:${name === "HBox" ? "row" : "column"};gap:0.5em">${children.join("")}</div>`;
      case "Tab":
      case "Accordion": {
        const titles = (s.titles as string[] | undefined) ?? [];
        return `<div class="pl-widget pl-widget-${name.toLowerCase()}">${children
          .map((c, i) => `<section><h4>${escapeHtml(titles[i] ?? `${i + 1}`)}</h4>${c}</section>`)
          .join("")}</div>`;
      }
      case "HTML":
      case "HTMLMath":
        return `<div class="pl-widget">${label(s.description)}${String(s.value ?? "")}</div>`;
      case "Button":
        return `<div class="pl-widget"><button disabled>${escapeHtml(String(s.description ?? ""))}</button></div>`;
      default: {
        const labels = s._options_labels as string[] | undefined;
        const index = s.index as number | null | undefined;
        const value = labels && typeof index === "number" ? labels[index] : s.value;
        if (value === undefined) return "";
        const shown = Array.isArray(value) ? value.join(" – ") : String(value);
        return `<div class="pl-widget pl-widget-control">${label(s.description)}<code>${escapeHtml(shown)}</code></div>`;
      }
    }
  };
  return render(view.model_id);
}

function refId(ref: unknown): string {
  return typeof ref === "string" ? ref.replace(/^IPY_MODEL_/, "") : "";
}
