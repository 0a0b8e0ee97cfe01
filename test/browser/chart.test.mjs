/* global window, document */ // (code in page.evaluate / waitForFunction runs in the browser)
// The chart renderer in a real JupyterLab: a paralab cell displays a run record; the chart is
// drawn, shows tooltips, zooms, saves a PNG, matches its reference picture, follows the dark
// theme, and is drawn again when the saved notebook is reopened.
import assert from "node:assert/strict";
import console from "node:console";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  colourStats,
  command,
  compareWithReference,
  decodePng,
  displayCell,
  fixtures,
  installIntoVenv,
  missingPrerequisite,
  notebook,
  openBrowser,
  openNotebook,
  runAll,
  screenshot,
  SCREENSHOTS,
  stableScreenshot,
  startLab,
  waitKernelIdle,
} from "./harness/lab.mjs";

const RUN_MIME = "application/vnd.paralab.run.v1+json";
const SCALING_MIME = "application/vnd.paralab.scaling.v1+json";
const MONITOR_MIME = "application/vnd.paralab.monitor.v1+json";
const skip = missingPrerequisite();

/** A cell that shows a live monitor record and replaces it (update_display_data) with the done one. */
function monitorUpdateCell(live, done) {
  return [
    `import { display } from "paralab";`,
    `display.bundle({ "${MONITOR_MIME}": ${JSON.stringify(live)}, "text/plain": "live" }, { displayId: "mon" });`,
    `await new Promise((r) => setTimeout(r, 1500));`,
    `display.update("mon", { "${MONITOR_MIME}": ${JSON.stringify(done)}, "text/plain": "done" });`,
  ].join("\n");
}

describe("paralab chart renderer in JupyterLab", { skip, timeout: 300_000 }, () => {
  let lab;
  let browser;
  let page;

  before(async () => {
    installIntoVenv();
    const f = fixtures();
    lab = await startLab({
      files: {
        "charts.ipynb": notebook("paralab", [
          displayCell(RUN_MIME, f.sampleRunRecord(4, 16, { cores: 2 })),
          displayCell(SCALING_MIME, f.sampleScalingRecord()),
          monitorUpdateCell(f.sampleMonitorRecord(2, 10, false), f.sampleMonitorRecord(2, 10, true)),
          "%monitor --duration 3",
        ]),
      },
    });
    browser = await openBrowser();
    page = browser.page;
    await openNotebook(page, lab, "charts.ipynb");
    await runAll(page);
  });

  after(async () => {
    await browser?.close();
    await lab?.stop();
  });

  test("the run record is drawn as a timeline and a utilization chart", async () => {
    const chart = page.locator(".jp-paralab-chart").first();
    await chart.waitFor({ timeout: 30_000 });
    assert.equal(await chart.locator("canvas").count(), 2, "timeline + per-core utilization");
    // The PNG fallback is not shown: the live renderer won.
    assert.equal(await page.locator(".jp-OutputArea-output img").count(), 0);
    for (const [i, name] of [
      [0, "run-timeline-light"],
      [1, "run-utilization-light"],
    ]) {
      const png = decodePng(await stableScreenshot(chart.locator("canvas").nth(i), name));
      const stats = colourStats(png);
      assert.ok(png.width > 400 && png.height > 100, `canvas ${i} is ${png.width}x${png.height}`);
      assert.ok(
        stats.otherFraction > 0.05,
        `canvas ${i} has drawn pixels (${(stats.otherFraction * 100).toFixed(1)}%)`,
      );
    }
    assert.match((await chart.locator("canvas").first().getAttribute("aria-label")) ?? "", /Run timeline: 16 tasks/);
    await screenshot(page, "notebook-run-chart-light");
  });

  test("hovering a task bar shows worker, index and duration", async () => {
    const canvas = page.locator(".jp-paralab-chart").first().locator("canvas").first();
    const box = await canvas.boundingBox();
    let tooltip = "";
    // Sweep the lanes until the pointer is on a bar (the fixture's bars fill most of the plot).
    outer: for (let fy = 0.3; fy <= 0.85; fy += 0.08) {
      for (let fx = 0.2; fx <= 0.9; fx += 0.1) {
        await page.mouse.move(box.x + box.width * fx, box.y + box.height * fy);
        await page.waitForTimeout(120);
        tooltip = (await canvas.getAttribute("data-tooltip")) ?? "";
        if (tooltip) break outer;
      }
    }
    assert.match(tooltip, /^worker w\d+ \| item \d+: [\d.]+ ms \(/, `tooltip text: ${tooltip}`);
    await page.waitForTimeout(400);
    await screenshot(canvas, "run-timeline-tooltip");
    await page.mouse.move(5, 5);
    await page.waitForTimeout(400);
  });

  test("the light chart matches its reference picture", async () => {
    const canvas = page.locator(".jp-paralab-chart").first().locator("canvas").first();
    const buf = await stableScreenshot(canvas, "run-timeline-light");
    const cmp = compareWithReference(buf, "run-timeline-light");
    if (cmp.created) console.log("# wrote reference test/browser/reference/run-timeline-light.png");
    assert.ok(
      cmp.fraction < 0.02,
      `${cmp.reason ?? ""} ${cmp.mismatch} of ${cmp.total} pixels differ from the reference`,
    );
  });

  test("zoom buttons change the time axis and reset restores it", async () => {
    const chart = page.locator(".jp-paralab-chart").first();
    await chart.hover();
    const before = await chart.locator("canvas").first().screenshot();
    await chart.locator(".jp-paralab-zoom-in").click();
    await chart.locator(".jp-paralab-zoom-in").click();
    assert.equal(await chart.getAttribute("data-zoomed"), "true");
    const zoomed = await chart.locator("canvas").first().screenshot();
    assert.ok(!zoomed.equals(before), "the zoomed chart looks different");
    // Ctrl+wheel zooms too; double-click resets.
    const box = await chart.locator("canvas").first().boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await chart.locator(".jp-paralab-zoom-reset").click();
    assert.equal(await chart.getAttribute("data-zoomed"), "false");
    await page.keyboard.down("Control");
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -200);
    await page.keyboard.up("Control");
    await page.waitForFunction((el) => el.dataset.zoomed === "true", await chart.elementHandle(), { timeout: 5000 });
    await chart.locator("canvas").first().dblclick();
    assert.equal(await chart.getAttribute("data-zoomed"), "false");
    await page.mouse.move(5, 5);
  });

  test("Save PNG downloads the charts as one PNG", async () => {
    const chart = page.locator(".jp-paralab-chart").first();
    await chart.hover();
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: 15_000 }),
      chart.locator(".jp-paralab-save-png").click(),
    ]);
    assert.equal(download.suggestedFilename(), "paralab-run.png");
    const file = await download.path();
    const png = decodePng(fs.readFileSync(file));
    const canvases = await chart.locator("canvas").evaluateAll((cs) => cs.map((c) => [c.width, c.height]));
    assert.equal(png.width, Math.max(...canvases.map((c) => c[0])));
    assert.equal(
      png.height,
      canvases.reduce((a, c) => a + c[1], 0),
    );
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(SCREENSHOTS, "saved-paralab-run.png"));
    await page.mouse.move(5, 5);
  });

  test("the scaling record is drawn", async () => {
    const chart = page.locator(".jp-paralab-chart").nth(1);
    await chart.scrollIntoViewIfNeeded();
    const png = decodePng(await stableScreenshot(chart.locator("canvas").first(), "scaling-light"));
    assert.ok(colourStats(png).otherFraction > 0.03);
    assert.match(
      (await chart.locator("canvas").first().getAttribute("aria-label")) ?? "",
      /Scaling: Amdahl serial fraction/,
    );
  });

  test("update_display_data redraws a monitor chart in place", async () => {
    const chart = page.locator(".jp-paralab-chart").nth(2);
    await chart.scrollIntoViewIfNeeded();
    const canvas = chart.locator("canvas");
    assert.equal(await canvas.count(), 1);
    assert.equal(await canvas.getAttribute("aria-label"), "Machine CPU per core (all programs, 2 cores)");
    const png = decodePng(await stableScreenshot(canvas, "monitor-done-light"));
    assert.ok(colourStats(png).otherFraction > 0.03);
  });

  test("a live %monitor chart grows while its cell runs and is drawn when it is done", async () => {
    // Run the `%monitor --duration 3` cell again, on its own, and read its chart while it runs.
    await page.evaluate(() => {
      const nb = window.jupyterapp.shell.currentWidget.content;
      nb.activeCellIndex = 3;
      nb.deselectAll();
      // Not awaited: the command's promise resolves only when the cell has run.
      void window.jupyterapp.commands.execute("notebook:run-cell");
    });
    /** Waits until the cell's chart is live (or done), has more than `after` points, and the cell runs (or not). */
    const waitChart = async ({ after, live, timeout }) => {
      const handle = await page.waitForFunction(
        ([n, wantLive]) => {
          const cell = window.jupyterapp.shell.currentWidget.content.widgets[3];
          const chart = cell.node.querySelector(".jp-paralab-chart");
          const label = chart?.querySelector("canvas")?.getAttribute("aria-label") ?? "";
          const points = Number(chart?.dataset.points ?? 0);
          const running = cell.model.executionCount === null;
          const isLive = / — live$/.test(label);
          if (!chart || points <= n || isLive !== wantLive || running !== wantLive) return false;
          return { points, label };
        },
        [after, live],
        { timeout, polling: 50 },
      );
      return handle.jsonValue();
    };
    const chart = page.locator(".jp-Notebook .jp-Cell").nth(3).locator(".jp-paralab-chart");
    const first = await waitChart({ after: 0, live: true, timeout: 20_000 });
    assert.match(first.label, /^Machine CPU per core \(all programs, \d+ cores\) — live$/);
    const shot1 = await screenshot(chart.locator("canvas"), "monitor-live-1");
    // The kernel sends an update_display_data every second while the cell runs.
    const second = await waitChart({ after: first.points, live: true, timeout: 5_000 });
    const shot2 = await screenshot(chart.locator("canvas"), "monitor-live-2");
    assert.ok(second.points > first.points, `samples ${first.points} → ${second.points}`);
    assert.ok(!shot1.equals(shot2), "the live chart is redrawn in place");
    // The last update (done: true) drops "— live" from the title, and the cell ends.
    const done = await waitChart({ after: second.points - 1, live: false, timeout: 15_000 });
    assert.match(done.label, /^Machine CPU per core \(all programs, \d+ cores\)$/);
    assert.ok(done.points >= second.points, `final samples ${done.points}`);
    assert.equal(await chart.count(), 1, "updated in place, not appended");
    const png = decodePng(await stableScreenshot(chart.locator("canvas"), "monitor-light"));
    assert.ok(colourStats(png).otherFraction > 0.03, "the final chart is drawn");
    await waitKernelIdle(page);
  });

  test("the chart follows the dark theme", async () => {
    const canvas = page.locator(".jp-paralab-chart").first().locator("canvas").first();
    await canvas.scrollIntoViewIfNeeded();
    const lightPng = decodePng(await stableScreenshot(canvas, "run-timeline-light"));
    const lightChart = page.locator(".jp-paralab-chart").first();
    const lightStats = colourStats(decodePng(await lightChart.screenshot()));
    await command(page, "apputils:change-theme", { theme: "JupyterLab Dark" });
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === "false", null, { timeout: 30_000 });
    const darkBuf = await stableScreenshot(canvas, "run-timeline-dark");
    const dark = decodePng(darkBuf);
    const darkStats = colourStats(
      decodePng(await screenshot(page.locator(".jp-paralab-chart").first(), "run-chart-dark")),
    );
    const lum = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
    assert.ok(lum(lightStats.background) > 180, `light background ${lightStats.background}`);
    assert.ok(lum(darkStats.background) < 80, `dark background ${darkStats.background}`);
    // Foreground: in the title rows, the ink (pixels unlike the background) is darker than the
    // background in the light theme and lighter in the dark theme.
    const ink = (png) => {
      const { background } = colourStats(png);
      const bg = lum(background);
      let sum = 0;
      let n = 0;
      for (let i = 0; i < png.width * 40; i++) {
        const d = png.data;
        const l = lum([d[i * 4], d[i * 4 + 1], d[i * 4 + 2]]);
        if (Math.abs(l - bg) > 60) {
          sum += l;
          n++;
        }
      }
      return { bg, ink: n ? sum / n : bg, n };
    };
    const li = ink(lightPng);
    const di = ink(dark);
    assert.ok(li.n > 50 && li.ink < li.bg - 80, `light: dark text on light ground ${JSON.stringify(li)}`);
    assert.ok(di.n > 50 && di.ink > di.bg + 80, `dark: light text on dark ground ${JSON.stringify(di)}`);
    await screenshot(page, "notebook-run-chart-dark");
    const cmp = compareWithReference(darkBuf, "run-timeline-dark");
    assert.ok(
      cmp.fraction < 0.02,
      `${cmp.reason ?? ""} ${cmp.mismatch} of ${cmp.total} pixels differ from the dark reference`,
    );
    await command(page, "apputils:change-theme", { theme: "JupyterLab Light" });
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === "true", null, { timeout: 30_000 });
  });

  test("a saved notebook reopens with its charts drawn", async () => {
    await command(page, "docmanager:save");
    await page.waitForFunction(() => !window.jupyterapp.shell.currentWidget?.context?.model?.dirty, null, {
      timeout: 15_000,
    });
    const saved = JSON.parse(fs.readFileSync(path.join(lab.rootDir, "charts.ipynb"), "utf8"));
    assert.ok(
      saved.cells[0].outputs.some((o) => o.data?.[RUN_MIME]),
      "the record is stored in the notebook",
    );
    await command(page, "application:close-all");
    await page.waitForFunction(() => !document.querySelector(".jp-NotebookPanel"), null, { timeout: 15_000 });
    await command(page, "docmanager:open", { path: "charts.ipynb" });
    const chart = page.locator(".jp-paralab-chart").first();
    await chart.waitFor({ timeout: 30_000 });
    const png = decodePng(await stableScreenshot(chart.locator("canvas").first(), "reopened-run-timeline"));
    assert.ok(colourStats(png).otherFraction > 0.05, "drawn without running the cell");
  });

  test("no errors from the extension in the browser console", () => {
    assert.deepEqual(browser.errors, []);
  });
});
