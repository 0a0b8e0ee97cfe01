/* global window, document */ // (code in page.evaluate / waitForFunction runs in the browser)
// The README's pictures, from real runs in JupyterLab: a %%parallel map of uneven items with its
// chart (docs/screenshots/run-chart.png) and the Parallel panel next to a running cell
// (docs/screenshots/panel.png). Every run takes both screenshots into test/browser/screenshots/
// and checks them; PARALAB_UPDATE_DOCS=1 also copies them to docs/screenshots/.
import assert from "node:assert/strict";
import console from "node:console";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import {
  colourStats,
  command,
  decodePng,
  installIntoVenv,
  missingPrerequisite,
  notebook,
  openBrowser,
  openNotebook,
  ROOT,
  screenshot,
  SCREENSHOTS,
  stableScreenshot,
  startLab,
  waitKernelIdle,
} from "./harness/lab.mjs";

const skip = missingPrerequisite();
const DOCS = path.join(ROOT, "docs", "screenshots");
const UPDATE = process.env.PARALAB_UPDATE_DOCS === "1";
/** README pictures stay small. */
const MAX_BYTES = 200_000;
const SPIN = `function spin(ms: number) {
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) n++;
  return n;
}`;
const UNEVEN_MAP = "%%parallel --map Array.from({ length: 24 }, (_, i) => 20 + (i % 6) * 15) --chunksize 1\nspin(item)";
const LONG_ITEMS = 24;
const LONG_MAP = `%%parallel --map Array.from({ length: ${LONG_ITEMS} }, (_, i) => 400 + (i % 6) * 200) --chunksize 1\nspin(item)`;

/** Starts cell `index` of the current notebook (without moving on) and returns at once. */
async function startCell(page, index) {
  await page.evaluate((i) => {
    const nb = window.jupyterapp.shell.currentWidget.content;
    nb.activeCellIndex = i;
    nb.deselectAll();
  }, index);
  // Not `command()`: its promise resolves only when the cell has run.
  await page.evaluate(() => void window.jupyterapp.commands.execute("notebook:run-cell"));
}

/** Waits until cell `index` has an execution count (its execute_reply came). */
async function waitCellDone(page, index, timeoutMs = 60_000) {
  await page.waitForFunction(
    (i) => window.jupyterapp.shell.currentWidget.content.widgets[i].model.executionCount !== null,
    index,
    { timeout: timeoutMs, polling: 100 },
  );
}

/** Checks a README picture and, with PARALAB_UPDATE_DOCS=1, writes it to docs/screenshots/. */
function checkAndPublish(buf, name, { minWidth }) {
  const png = decodePng(buf);
  const stats = colourStats(png);
  assert.ok(png.width >= minWidth, `${name} is ${png.width} px wide`);
  assert.ok(stats.otherFraction > 0.05 && stats.colours > 50, `${name} is not blank: ${JSON.stringify(stats)}`);
  if (UPDATE) {
    assert.ok(buf.length < MAX_BYTES, `${name} is ${buf.length} bytes (keep README pictures under ${MAX_BYTES})`);
    fs.mkdirSync(DOCS, { recursive: true });
    fs.writeFileSync(path.join(DOCS, `${name}.png`), buf);
    console.log(`# wrote docs/screenshots/${name}.png (${png.width}x${png.height}, ${buf.length} bytes)`);
  }
}

describe("README screenshots from real runs", { skip, timeout: 300_000 }, () => {
  let lab;
  let browser;
  let page;

  before(async () => {
    installIntoVenv();
    lab = await startLab({
      files: { "uneven.ipynb": notebook("paralab", [SPIN, UNEVEN_MAP, LONG_MAP]) },
      userSettings: { "paralab-labextension:plugin": { samplingPeriodMs: 500, historySeconds: 15 } },
    });
    browser = await openBrowser();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await lab?.stop();
  });

  test("run-chart.png: an uneven %%parallel map and its chart", async () => {
    await page.setViewportSize({ width: 1080, height: 1100 });
    await openNotebook(page, lab, "uneven.ipynb");
    await page.evaluate(() => {
      window.jupyterapp.shell.collapseLeft();
      window.jupyterapp.shell.collapseRight();
    });
    await startCell(page, 0);
    await waitCellDone(page, 0);
    await startCell(page, 1);
    await waitCellDone(page, 1);
    await waitKernelIdle(page);
    const cells = page.locator(".jp-Notebook .jp-Cell");
    const chart = cells.nth(1).locator(".jp-paralab-chart");
    await chart.waitFor({ timeout: 30_000 });
    assert.match((await chart.locator("canvas").first().getAttribute("aria-label")) ?? "", /Run timeline: 24 tasks/);
    // The summary line is visible under the chart in JupyterLab too (not only in text/plain).
    const summary = chart.locator(".jp-paralab-chart-summary");
    assert.ok(await summary.isVisible(), "the summary line is shown");
    const words = (await summary.textContent()) ?? "";
    assert.match(
      words,
      /^24 items in 24 tasks on 2 workers \(thread\) in .+ wall, .+ in-task CPU; \d\.\d of 2 workers busy on average;/,
    );
    assert.doesNotMatch(words, /speedup|efficiency/, "no speedup without a serial pass");
    assert.match(
      (await chart.locator("canvas").nth(1).getAttribute("aria-label")) ?? "",
      /Worker CPU during the run \(thread clock, tasks and messaging; \d+ points/,
    );
    await page.waitForFunction((el) => Number(el.dataset.points) > 0, await chart.elementHandle(), {
      timeout: 15_000,
    });
    for (const [i, canvas] of (await chart.locator("canvas").all()).entries()) {
      const png = decodePng(await stableScreenshot(canvas, `docs-run-chart-${i}`));
      assert.ok(colourStats(png).otherFraction > 0.02, `chart ${i} is drawn`);
    }
    // From the top of the spin() cell to the bottom of the chart (not the returned array), with
    // the active-cell marker on the next cell.
    await page.evaluate(() => (window.jupyterapp.shell.currentWidget.content.activeCellIndex = 2));
    await cells.nth(0).scrollIntoViewIfNeeded();
    await page.mouse.move(2, 2);
    const top = await cells.nth(0).boundingBox();
    const chartBox = await chart.boundingBox();
    const bottom = { y: chartBox.y, height: chartBox.height + 8 };
    assert.ok(
      bottom.y + bottom.height <= 1100,
      `the cells and the chart fit in the window (${bottom.y + bottom.height} px)`,
    );
    const clip = {
      x: Math.floor(top.x),
      y: Math.floor(top.y),
      width: Math.ceil(top.width),
      height: Math.ceil(bottom.y + bottom.height - top.y),
    };
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const file = path.join(SCREENSHOTS, "docs-run-chart.png");
    const buf = await page.screenshot({ clip, path: file, animations: "disabled" });
    checkAndPublish(buf, "run-chart", { minWidth: 900 });
  });

  test("panel.png: the Parallel panel next to a running cell", async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await command(page, "paralab:show-panel");
    const panel = page.locator("#paralab-parallel-panel");
    await page.waitForFunction(
      () => document.getElementById("paralab-parallel-panel")?.dataset.state === "connected",
      null,
      { timeout: 30_000 },
    );
    await startCell(page, 2);
    // A third of the items done: the history shows the busy cores, the table busy workers.
    await page
      .waitForFunction(
        (third) =>
          Number(
            document.querySelector("#paralab-parallel-panel .jp-paralab-progress")?.getAttribute("aria-valuenow") ?? 0,
          ) >= third,
        LONG_ITEMS / 3,
        { timeout: 60_000, polling: 100 },
      )
      .catch(async (e) => {
        await screenshot(page, "docs-panel-failed");
        throw e;
      });
    // The running cell and its output in view, next to the panel.
    const cell = page.locator(".jp-Notebook .jp-Cell").nth(2);
    await cell.scrollIntoViewIfNeeded();
    await cell.locator(".jp-InputArea").waitFor({ state: "visible", timeout: 5_000 });
    await page.mouse.move(2, 2);
    const buf = await screenshot(page, "docs-panel");
    const state = await page.evaluate(
      () => window.jupyterapp.shell.currentWidget.content.widgets[2].model.executionState,
    );
    assert.equal(state, "running", "the cell is still running");
    assert.ok((await panel.locator(".jp-paralab-worker.jp-mod-busy").count()) > 0, "busy workers");
    const historyDrawn = colourStats(decodePng(await panel.locator(".jp-paralab-history canvas").screenshot()));
    assert.ok(historyDrawn.otherFraction > 0.02, "the history chart is drawn");
    checkAndPublish(buf, "panel", { minWidth: 1200 });
    await waitCellDone(page, 2);
    await waitKernelIdle(page);
  });

  test("no errors from the extension in the browser console", () => {
    assert.deepEqual(browser.errors, []);
  });
});
