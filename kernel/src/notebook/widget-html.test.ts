/**
 * Widgets in the static report: drawn from the saved widget state (no widget manager).
 * Run alone: node --test kernel/dist/notebook/widget-html.test.js
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WIDGET_STATE_MIME, WIDGET_VIEW_MIME } from "../widgets/manager";
import { renderHtmlReport } from "./html";
import type { Notebook } from "./nbformat";

const model = (model_name: string, state: Record<string, unknown>) => ({
  model_name,
  model_module: "@jupyter-widgets/controls",
  model_module_version: "2.0.0",
  state,
});

const nb: Notebook = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    widgets: {
      [WIDGET_STATE_MIME]: {
        version_major: 2,
        version_minor: 0,
        state: {
          box: model("VBoxModel", { children: ["IPY_MODEL_s", "IPY_MODEL_d", "IPY_MODEL_b", "IPY_MODEL_o"] }),
          s: model("IntSliderModel", { description: "workers", value: 3 }),
          d: model("ToggleButtonsModel", { description: "schedule", _options_labels: ["dynamic", "static"], index: 1 }),
          b: model("ButtonModel", { description: "Run" }),
          o: model("OutputModel", {
            outputs: [
              { output_type: "stream", name: "stdout", text: "ran <fast>\n" },
              { output_type: "display_data", data: { "image/png": "iVBORw0KGgo=", "text/plain": "the chart" } },
            ],
          }),
        },
      },
    },
  },
  cells: [
    {
      cell_type: "code",
      source: "ui",
      metadata: {},
      execution_count: 1,
      outputs: [
        {
          output_type: "execute_result",
          data: { [WIDGET_VIEW_MIME]: { version_major: 2, version_minor: 0, model_id: "box" }, "text/plain": "VBox()" },
        },
      ],
    },
  ],
};

describe("widgets in the HTML report", () => {
  const html = renderHtmlReport(nb, "t.ipynb");

  it("draws each control as its description and value, a selection as its label", () => {
    assert.match(html, /workers<\/span> <code>3<\/code>/);
    assert.match(html, /schedule<\/span> <code>static<\/code>/);
    assert.match(html, /<button disabled>Run<\/button>/);
  });

  it("draws an Output widget's outputs, charts as their PNG, text escaped", () => {
    assert.match(html, /ran &lt;fast&gt;/);
    assert.match(html, /<img src="data:image\/png;base64,iVBORw0KGgo=" alt="the chart">/);
    assert.doesNotMatch(html, /VBox\(\)/, "the view, not its text fallback");
  });

  it("falls back to the text of a view whose state was not saved", () => {
    const bare = { ...nb, metadata: {} };
    assert.match(renderHtmlReport(bare, "t.ipynb"), /VBox\(\)/);
  });
});
