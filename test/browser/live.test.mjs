/* global window, document, MutationObserver */ // (code in page.evaluate / waitForFunction runs in the browser)
// Live run charts in a real JupyterLab (SPEC §5, issue #25): a ~3-second %%parallel map's chart
// appears while it runs, grows (bars in their lanes, utilization lines extending, "running: …"
// under it) through update_display_data of one output at most ~4 times a second without a PNG,
// and the final update (with the PNG) replaces it in place.
import assert from "node:assert/strict";
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
  stableScreenshot,
  startCommand,
  startLab,
  waitKernelIdle,
} from "./harness/lab.mjs";

const RUN_MIME = "application/vnd.paralab.run.v1+json";
const skip = missingPrerequisite();
// 48 sleeps of 120 ms on 2 workers: about 3 s, whatever else the machine does.
const MAP_CELL =
  "%%parallel --map Array.from({length: 48}, (_, i) => i) --workers 2 --chunksize 1\n" +
  "await new Promise((r) => setTimeout(r, 120)); item";

describe("live run chart in JupyterLab", { skip, timeout: 300_000 }, () => {
  let lab;
  let browser;
  let page;

  before(async () => {
    installIntoVenv();
    lab = await startLab({
      files: { "live.ipynb": notebook("paralab", ["%%parallel --workers 2 --quiet\nrank", MAP_CELL]) },
    });
    browser = await openBrowser();
    page = browser.page;
    await openNotebook(page, lab, "live.ipynb");
  });

  after(async () => {
    await browser?.close();
    await lab?.stop();
  });

  test("a 3-second map's chart grows while it runs and ends as the final chart", async () => {
    // Every chart message the browser receives, and every state of the chart it draws.
    await page.evaluate((mime) => {
      const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      const seen = (window.paralabLive = { messages: [], renders: [] });
      kernel.iopubMessage.connect((_, msg) => {
        const data = msg.content?.data;
        if (!data?.[mime]) return;
        seen.messages.push({
          type: msg.header.msg_type,
          t: Date.now(),
          state: data[mime].live?.state ?? "final",
          done: data[mime].live?.done,
          png: "image/png" in data,
          bytes: JSON.stringify(data).length,
        });
      });
      new MutationObserver(() => {
        const chart = document.querySelector(".jp-paralab-chart");
        if (chart && seen.renders[seen.renders.length - 1] !== chart.dataset.renders)
          seen.renders.push(chart.dataset.renders);
      }).observe(document.querySelector(".jp-Notebook"), { subtree: true, childList: true, attributes: true });
    }, RUN_MIME);
    await startCommand(page, "notebook:run-all-cells");
    const chart = page.locator(".jp-Notebook .jp-paralab-chart");
    // Mid-run: the live chart, with some bars in both lanes and the running line under it.
    await page.waitForFunction(
      () => window.paralabLive.messages.some((m) => m.state === "running" && m.done >= 12),
      null,
      { timeout: 60_000, polling: 50 },
    );
    const live = page.locator('.jp-paralab-chart[data-live="running"]');
    await live.waitFor({ timeout: 5_000 });
    await live.scrollIntoViewIfNeeded();
    assert.match((await live.locator(".jp-paralab-chart-summary").textContent()) ?? "", /^running: \d+ of 48 items, /);
    assert.match((await live.locator("canvas").first().getAttribute("aria-label")) ?? "", /^Running: \d+ of 48 items/);
    const mid = decodePng(await screenshot(live, "live-run-chart-midrun"));
    assert.ok(colourStats(mid).otherFraction > 0.02, "the live chart has drawn bars");
    // The Parallel panel links to it: the link makes the running cell (the second) active.
    await page.evaluate(() => (window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0));
    await command(page, "paralab:show-panel");
    const link = page.locator("#paralab-parallel-panel .jp-paralab-show-chart");
    await link.waitFor({ timeout: 10_000 });
    await link.click();
    assert.equal(await page.evaluate(() => window.jupyterapp.shell.currentWidget.content.activeCellIndex), 1);
    await screenshot(page, "live-run-panel-link");
    // The panel narrows the notebook, and a narrow timeline squeezes its lanes (the charts keep
    // their aspect ratio): close it for the final picture.
    await page.evaluate(() => window.jupyterapp.shell.collapseRight());

    await waitKernelIdle(page, 90_000);
    const final = page.locator('.jp-paralab-chart[data-live="final"]');
    await final.waitFor({ timeout: 10_000 });
    await stableScreenshot(final, "live-run-chart-final");
    const where = await page.evaluate(() => {
      const cells = window.jupyterapp.shell.currentWidget.content.widgets;
      const outs = cells[1].model.outputs;
      const models = Array.from({ length: outs.length }, (_, j) => Object.keys(outs.get(j).data).join(","));
      return [
        `models: ${models.join(" | ")}`,
        `cells in DOM: ${document.querySelectorAll(".jp-Notebook .jp-Cell").length}`,
        `charts: ${window.paralabLive.messages.map((m) => `${m.type}:${m.state}`).join(" ")}`,
        ...[...document.querySelectorAll(".jp-Notebook .jp-paralab-chart")].map(
          (c) => `${c.dataset.live} attached ${c.isConnected} visible ${c.offsetParent !== null}`,
        ),
      ];
    });
    assert.equal(await chart.count(), 1, `one chart output: the live one replaced in place; ${where.join("; ")}`);
    assert.match(
      (await final.locator(".jp-paralab-chart-summary").textContent()) ?? "",
      /^48 items in 48 tasks on 2 workers/,
    );

    const { messages, renders } = await page.evaluate(() => window.paralabLive);
    const running = messages.filter((m) => m.state === "running");
    const last = messages[messages.length - 1];
    assert.equal(messages[0].type, "display_data");
    assert.ok(
      messages.slice(1).every((m) => m.type === "update_display_data"),
      JSON.stringify(messages),
    );
    assert.ok(running.length >= 5, `${running.length} live updates in a ~3 s map`);
    assert.ok(
      running.every((m) => !m.png && m.bytes < 200_000),
      "live updates carry no PNG and stay small",
    );
    assert.ok(last.state === "final" && last.png, "the final update has the PNG");
    const seconds = (running[running.length - 1].t - running[0].t) / 1000;
    assert.ok(running.length - 1 <= seconds * 4 + 2, `${running.length} updates in ${seconds} s: at most ~4 a second`);
    assert.ok(renders.length >= 3, `the chart was drawn again as it grew: ${renders}`);
  });
});
