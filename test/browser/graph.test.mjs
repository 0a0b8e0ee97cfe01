// The task graph chart in a real JupyterLab: a notebook builds a graph with delayed, draws it with
// visualize() and runs it with compute(); the extension draws both charts live with chart.js (DAG,
// per-worker timeline, work–span), not the PNG fallback, and the timeline zooms.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  colourStats,
  decodePng,
  installIntoVenv,
  missingPrerequisite,
  notebook,
  openBrowser,
  openNotebook,
  runAll,
  screenshot,
  stableScreenshot,
  startLab,
} from "./harness/lab.mjs";

const skip = missingPrerequisite();

const GRAPH_CELL = `import { delayed, compute } from "paralab";
const load = delayed((part: number): number[] => Array.from({ length: 1000 }, (_, i) => part + i));
const stats = delayed((xs: number[]) => xs.reduce((a, b) => a + b, 0));
const merge = delayed((...s: number[]) => s.reduce((a, b) => a + b, 0));
const result = merge(...[0, 1, 2, 3].map((p) => stats(load(p))));
result.visualize();`;

describe("paralab task graph chart in JupyterLab", { skip, timeout: 300_000 }, () => {
  let lab;
  let browser;
  let page;

  before(async () => {
    installIntoVenv();
    lab = await startLab({
      files: {
        "graph.ipynb": notebook("paralab", [GRAPH_CELL, "const [r] = await compute(result, { workers: 2 });\nr"]),
      },
    });
    browser = await openBrowser();
    page = browser.page;
    await openNotebook(page, lab, "graph.ipynb");
    await runAll(page);
  });

  after(async () => {
    await browser?.close();
    await lab?.stop();
  });

  test("visualize() is drawn before running: the DAG and the work–span chart", async () => {
    const chart = page.locator(".jp-paralab-chart").first();
    await chart.waitFor({ timeout: 60_000 });
    const canvases = chart.locator("canvas");
    assert.equal(await canvases.count(), 2, "DAG + work–span (no timeline before running)");
    assert.match(
      (await canvases.nth(0).getAttribute("aria-label")) ?? "",
      /^Task graph: 9 tasks, 3 levels, not run yet/,
    );
    assert.match(
      (await canvases.nth(1).getAttribute("aria-label")) ?? "",
      /each task counted as 1\): T1 = 9 tasks, T∞ = 3 tasks/,
    );
    const png = decodePng(await stableScreenshot(canvases.nth(0), "graph-before-dag-light"));
    assert.ok(colourStats(png).otherFraction > 0.02, "the DAG has drawn nodes and edges");
  });

  test("compute() draws what happened: DAG by worker, timeline, work–span; no PNG fallback", async () => {
    const chart = page.locator(".jp-paralab-chart").nth(1);
    await chart.waitFor({ timeout: 60_000 });
    await chart.scrollIntoViewIfNeeded();
    const canvases = chart.locator("canvas");
    assert.equal(await canvases.count(), 3);
    assert.match((await canvases.nth(0).getAttribute("aria-label")) ?? "", /coloured by the worker that ran each/);
    assert.match(
      (await canvases.nth(1).getAttribute("aria-label")) ?? "",
      /^What each worker did: 9 tasks on 2 thread workers/,
    );
    assert.match((await canvases.nth(2).getAttribute("aria-label")) ?? "", /^Work–span: T1 = .* parallelism T1\/T∞ = /);
    assert.equal(await page.locator(".jp-OutputArea-output img").count(), 0, "the live renderer won over the PNG");
    for (const [i, name] of [
      [0, "graph-dag-light"],
      [1, "graph-timeline-light"],
      [2, "graph-work-span-light"],
    ]) {
      const png = decodePng(await stableScreenshot(canvases.nth(i), name));
      assert.ok(png.width > 400 && png.height > 100, `canvas ${i} is ${png.width}x${png.height}`);
      assert.ok(colourStats(png).otherFraction > 0.02, `canvas ${i} has drawn pixels`);
    }
    await screenshot(chart, "notebook-graph-chart-light");
  });

  test("the graph's timeline zooms", async () => {
    const chart = page.locator(".jp-paralab-chart").nth(1);
    await chart.hover();
    const zoomIn = chart.locator(".jp-paralab-zoom-in");
    assert.equal(await zoomIn.isVisible(), true);
    await zoomIn.click();
    assert.equal(await chart.getAttribute("data-zoomed"), "true");
    await chart.locator(".jp-paralab-zoom-reset").click();
    assert.equal(await chart.getAttribute("data-zoomed"), "false");
  });
});
