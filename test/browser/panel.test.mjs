/* global window, document, MutationObserver */ // (code in page.evaluate / waitForFunction runs in the browser)
// The Parallel panel and the status bar item in a real JupyterLab, over the paralab.monitor comm
// of the real paralab kernel: one bar per core, live updates, workers, run progress, restart,
// following the active notebook and kernel restarts, and the message for other kernels.
import assert from "node:assert/strict";
import os from "node:os";
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
  screenshot,
  startCommand,
  startLab,
  waitKernelIdle,
} from "./harness/lab.mjs";

const skip = missingPrerequisite();
const PERIOD_MS = 250;
const ITEMS = 24;
const SLOW_MAP = [
  "function spin(ms: number): number {\n  const end = Date.now() + ms;\n  let n = 0;\n  while (Date.now() < end) n++;\n  return n;\n}",
  `%%parallel --map Array.from({ length: ${ITEMS} }, (_, i) => i) --chunksize 1 --quiet\nspin(150);\nitem`,
];

describe("Parallel panel and status bar item", { skip, timeout: 300_000 }, () => {
  let lab;
  let browser;
  let page;
  const panel = () => page.locator("#paralab-parallel-panel");

  async function lastSampleMs() {
    return Number((await panel().getAttribute("data-last-sample-ms")) ?? 0);
  }

  async function waitNewSample(afterMs, timeoutMs = 10_000) {
    await page.waitForFunction(
      ([t]) => Number(document.getElementById("paralab-parallel-panel")?.dataset.lastSampleMs ?? 0) > t,
      [afterMs],
      { timeout: timeoutMs, polling: 100 },
    );
    return lastSampleMs();
  }

  before(async () => {
    installIntoVenv();
    lab = await startLab({
      files: {
        "python.ipynb": notebook("python3", ["1 + 1"]),
        "paralab.ipynb": notebook("paralab", SLOW_MAP),
      },
      userSettings: { "paralab-labextension:plugin": { samplingPeriodMs: PERIOD_MS, historySeconds: 30 } },
    });
    browser = await openBrowser();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await lab?.stop();
  });

  test("a python3 notebook: the panel says it needs the paralab kernel", async () => {
    await openNotebook(page, lab, "python.ipynb");
    await command(page, "paralab:show-panel");
    await panel().waitFor({ state: "visible", timeout: 15_000 });
    const message = panel().locator(".jp-paralab-panel-message");
    await page.waitForFunction(
      () => document.querySelector("#paralab-parallel-panel")?.dataset.state === "not-paralab",
      null,
      { timeout: 15_000 },
    );
    assert.equal(
      await message.textContent(),
      "The Parallel panel needs the paralab kernel (TypeScript (paralab)); this notebook uses Python 3 (ipykernel).",
    );
    assert.equal(await page.locator(".jp-paralab-status").isVisible(), false, "no status bar item for python3");
    await screenshot(page, "panel-python3");
  });

  test("a paralab notebook: one bar per core, updating, and the status bar item", async () => {
    await command(page, "docmanager:open", { path: "paralab.ipynb" });
    await page.waitForFunction(() => window.jupyterapp.shell.currentWidget?.context?.path === "paralab.ipynb", null, {
      timeout: 30_000,
    });
    await waitKernelIdle(page, 60_000);
    await page.waitForFunction(
      () => document.querySelector("#paralab-parallel-panel")?.dataset.state === "connected",
      null,
      { timeout: 30_000 },
    );
    // Samples keep coming at the configured period (settings: samplingPeriodMs 250).
    const t1 = await waitNewSample(0);
    assert.equal(await panel().locator(".jp-paralab-core").count(), os.cpus().length, "one bar per core");
    const t2 = await waitNewSample(t1);
    const t3 = await waitNewSample(t2);
    assert.ok(t3 - t1 < PERIOD_MS * 8, `two samples within ${t3 - t1} ms (period ${PERIOD_MS} ms)`);
    const percents = await panel()
      .locator(".jp-paralab-core")
      .evaluateAll((els) => els.map((e) => Number(e.dataset.percent)));
    assert.ok(
      percents.every((p) => p >= 0 && p <= 100),
      `percentages ${percents}`,
    );
    const status = page.locator(".jp-paralab-status");
    await status.waitFor({ timeout: 10_000 });
    assert.match((await status.textContent()) ?? "", /^paralab: \d+ workers? · machine CPU \d+%$/);
    const history = decodePng(await panel().locator(".jp-paralab-history canvas").screenshot());
    assert.ok(colourStats(history).otherFraction > 0.02, "the history chart is drawn");
    assert.match(
      (await panel().locator(".jp-paralab-kernel-line").textContent()) ?? "",
      /^Kernel: .+ memory · CPU \d+%/,
    );
    await screenshot(page, "panel-paralab-idle");
  });

  test("a running %%parallel cell shows progress in items, busy workers and busy cores", async () => {
    // The run lasts a few seconds and the panel shows it only while it lasts, so the page records
    // every state the panel shows; the assertions read that record once the kernel is idle.
    await page.evaluate(() => {
      const root = document.getElementById("paralab-parallel-panel");
      const seen = (window.paralabPanelStates = []);
      new MutationObserver(() => {
        const progress = root.querySelector(".jp-paralab-progress");
        if (!progress) return;
        seen.push({
          max: progress.getAttribute("aria-valuemax"),
          now: Number(progress.getAttribute("aria-valuenow")),
          stats: root.querySelector(".jp-paralab-run-stats")?.textContent ?? "",
          workers: root.querySelectorAll(".jp-paralab-worker").length,
          maxCore: Math.max(...[...root.querySelectorAll(".jp-paralab-core")].map((e) => Number(e.dataset.percent))),
        });
      }).observe(root, { subtree: true, childList: true, attributes: true });
    });
    await startCommand(page, "notebook:run-all-cells");
    await panel().locator(".jp-paralab-progress").waitFor({ timeout: 30_000 });
    await screenshot(page, "panel-paralab-running");
    await waitKernelIdle(page, 60_000);
    await page.waitForFunction(
      () => document.querySelector("#paralab-parallel-panel .jp-paralab-run .jp-paralab-muted") !== null,
      null,
      { timeout: 10_000 },
    );
    const states = await page.evaluate(() => window.paralabPanelStates);
    const shown = (what, ok) => assert.ok(states.some(ok), `${what}; the panel showed ${JSON.stringify(states)}`);
    assert.ok(states.length > 0, "the panel showed the run");
    assert.ok(
      states.every((s) => s.max === String(ITEMS)),
      `progress out of ${ITEMS}: ${JSON.stringify(states)}`,
    );
    shown("some items done while running", (s) => s.now > 0 && s.now <= ITEMS);
    shown("the run line counts items", (s) => /^\d+ \/ 24 items \(\d+%\)/.test(s.stats));
    shown("the workers table has rows", (s) => s.workers > 0);
    shown("a core over 50% busy", (s) => s.maxCore > 50);
    const tasks = await panel()
      .locator(".jp-paralab-worker td:nth-child(3)")
      .evaluateAll((tds) => tds.reduce((a, td) => a + Number(td.textContent), 0));
    assert.ok(tasks >= ITEMS, `tasks done by the workers: ${tasks}`);
  });

  test("Restart workers (palette command) restarts the pool", async () => {
    assert.equal(await page.evaluate(() => window.jupyterapp.commands.isEnabled("paralab:restart-workers")), true);
    await command(page, "paralab:restart-workers");
    const toast = page.locator(".Toastify__toast", { hasText: /paralab: restarted \d+ workers?/ });
    await toast.first().waitFor({ timeout: 30_000 });
    assert.equal(
      await page.evaluate(() => window.jupyterapp.commands.label("paralab:restart-workers")),
      "Restart workers",
    );
  });

  test("the panel follows the active notebook", async () => {
    await command(page, "docmanager:open", { path: "python.ipynb" });
    await page.waitForFunction(
      () => document.querySelector("#paralab-parallel-panel")?.dataset.state === "not-paralab",
      null,
      { timeout: 15_000 },
    );
    await command(page, "docmanager:open", { path: "paralab.ipynb" });
    await page.waitForFunction(
      () => document.querySelector("#paralab-parallel-panel")?.dataset.state === "connected",
      null,
      { timeout: 15_000 },
    );
  });

  test("the panel reconnects after a kernel restart, and its first sample has every core", async () => {
    const before = await lastSampleMs();
    // Record the core bars the panel draws from the new comm's first sample.
    await page.evaluate(() => {
      const node = document.getElementById("paralab-parallel-panel");
      window.paralabFirstSample = undefined;
      let left = false;
      const observer = new MutationObserver(() => {
        if (node.dataset.state !== "connected") left = true;
        else if (left) {
          window.paralabFirstSample = {
            cores: node.querySelectorAll(".jp-paralab-core").length,
            tMs: Number(node.dataset.lastSampleMs),
          };
          observer.disconnect();
        }
      });
      observer.observe(node, { attributes: true, attributeFilter: ["data-state", "data-last-sample-ms"] });
    });
    await page.evaluate(() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart());
    await waitKernelIdle(page, 60_000);
    const first = await (
      await page.waitForFunction(() => window.paralabFirstSample, null, { timeout: 30_000, polling: 100 })
    ).jsonValue();
    assert.ok(first.tMs > before, `a sample of the new kernel (${first.tMs} > ${before})`);
    assert.equal(first.cores, os.cpus().length, "the first sample after the restart has one bar per core");
    await waitNewSample(first.tMs, 15_000);
  });

  test("the panel in the dark theme", async () => {
    await command(page, "apputils:change-theme", { theme: "JupyterLab Dark" });
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === "false", null, { timeout: 30_000 });
    // The history chart is drawn again in the dark colours with the next samples.
    await waitNewSample(await waitNewSample(await lastSampleMs()));
    const png = decodePng(await screenshot(panel(), "panel-paralab-dark"));
    const [r, g, b] = colourStats(png).background;
    assert.ok(0.2126 * r + 0.7152 * g + 0.0722 * b < 80, `dark panel background ${[r, g, b]}`);
    await command(page, "apputils:change-theme", { theme: "JupyterLab Light" });
  });

  test("no errors from the extension in the browser console", () => {
    assert.deepEqual(browser.errors, []);
  });
});
