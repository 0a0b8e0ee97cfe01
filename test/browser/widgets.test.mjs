/* global window, document */ // (code in page.evaluate / waitForFunction runs in the browser)
// paralab's widgets in a real JupyterLab, drawn by the standard widget manager
// (@jupyter-widgets/jupyterlab-manager from jupyterlab_widgets): a slider renders; dragging it
// reaches the kernel (observe fires, value changes); the kernel's change moves it; a button click
// runs a parallel map whose run chart is drawn, and drawn again, in an Output widget.
// Screenshots: test/browser/screenshots/widgets-*.png.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  installIntoVenv,
  missingPrerequisite,
  notebook,
  openBrowser,
  openNotebook,
  runAll,
  screenshot,
  startLab,
} from "./harness/lab.mjs";

const skip = missingPrerequisite();

const SLIDER_CELL = [
  'import { widgets, parallel } from "paralab";',
  'const s = new widgets.IntSlider({ value: 2, min: 1, max: 8, description: "workers" });',
  "const seen: number[] = [];",
  's.observe("value", (c) => { seen.push(c.new); });',
  "s",
].join("\n");

const BUTTON_CELL = [
  'const run = new widgets.Button({ description: "Run map", button_style: "primary" });',
  "const out = new widgets.Output();",
  "let runs = 0;",
  "run.onClick(async () => {",
  "  runs++;",
  "  const burn = (x: number) => { let y = 0; for (let i = 0; i < 3_000_000; i++) y += Math.sqrt(i + x); return y; };",
  "  await out.capture(() => parallel.map(burn, Array.from({ length: 8 }, (_, i) => i), { workers: 2, quiet: false }), { clear: true });",
  "});",
  "new widgets.VBox({ children: [run, out] })",
].join("\n");

// An anywidget model, opened over paralab's comms: its ES module draws a button that counts clicks
// in the synced `count`.
const ANYWIDGET_CELL = [
  "const counter = new widgets.AnyWidget({",
  "  esm: `export default { render({ model, el }) {",
  "    const b = document.createElement('button');",
  "    b.className = 'paralab-any-counter';",
  "    const show = () => { b.textContent = 'count is ' + model.get('count'); };",
  "    b.onclick = () => { model.set('count', model.get('count') + 1); model.save_changes(); };",
  "    model.on('change:count', show); show(); el.appendChild(b);",
  "  } }`,",
  "  state: { count: 40 },",
  "});",
  "counter",
].join("\n");

// A Play linked to a slider in the page (jslink), inside a Tab with an IntProgress.
const TAB_CELL = [
  "const play = new widgets.Play({ max: 10 });",
  'const linked = new widgets.IntSlider({ max: 10, description: "linked" });',
  'widgets.jslink([play, "value"], [linked, "value"]);',
  "const bar = new widgets.IntProgress({ value: 7, max: 10 });",
  'new widgets.Tab({ children: [new widgets.HBox({ children: [play, linked] }), bar], titles: ["play", "progress"] })',
].join("\n");

/** Runs code in the notebook's kernel from the page; resolves with what it printed. */
function kernelPrint(page, code) {
  return page.evaluate(async (c) => {
    const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
    let text = "";
    const future = kernel.requestExecute({ code: c, store_history: false });
    future.onIOPub = (msg) => {
      if (msg.header.msg_type === "stream") text += msg.content.text;
    };
    await future.done;
    return text;
  }, code);
}

describe("paralab widgets in JupyterLab", { skip, timeout: 300_000 }, () => {
  let lab;
  let browser;
  let page;

  before(async () => {
    installIntoVenv();
    lab = await startLab({
      files: { "widgets.ipynb": notebook("paralab", [SLIDER_CELL, BUTTON_CELL, ANYWIDGET_CELL, TAB_CELL]) },
    });
    browser = await openBrowser();
    page = browser.page;
    await openNotebook(page, lab, "widgets.ipynb");
    await runAll(page);
  });

  after(async () => {
    await browser?.close();
    await lab?.stop();
  });

  test("the slider renders with its description and value", async () => {
    const slider = page.locator(".widget-slider").first();
    await slider.waitFor({ timeout: 30_000 });
    assert.equal((await slider.locator(".widget-label").first().textContent()).trim(), "workers");
    assert.equal((await slider.locator(".widget-readout").textContent()).trim(), "2");
    await screenshot(slider, "widgets-slider");
  });

  test("dragging the slider reaches the kernel: value changes and observe fires", async () => {
    const track = page.locator(".widget-slider .noUi-target").first();
    const handle = page.locator(".widget-slider .noUi-handle").first();
    const t = await track.boundingBox();
    const h = await handle.boundingBox();
    await page.mouse.move(h.x + h.width / 2, h.y + h.height / 2);
    await page.mouse.down();
    // 1..8 over the track: 6 sits at 5/7 of its width.
    await page.mouse.move(t.x + (t.width * 5) / 7, h.y + h.height / 2, { steps: 12 });
    await page.mouse.up();
    await page.waitForFunction(
      () => document.querySelector(".widget-slider .widget-readout")?.textContent.trim() === "6",
      null,
      { timeout: 10_000 },
    );
    const printed = await kernelPrint(page, "console.log(s.value, seen[seen.length - 1], seen.length > 0)");
    assert.equal(printed.trim(), "6 6 true");
    await screenshot(page.locator(".widget-slider").first(), "widgets-slider-dragged");
  });

  test("the kernel's change moves the slider", async () => {
    await kernelPrint(page, "s.value = 3;");
    await page.waitForFunction(
      () => document.querySelector(".widget-slider .widget-readout")?.textContent.trim() === "3",
      null,
      { timeout: 10_000 },
    );
  });

  test("a button click runs a parallel map and draws its chart in the Output widget, again on the next click", async () => {
    const button = page.locator("button.jupyter-button", { hasText: "Run map" });
    await button.click();
    const chartInOutput = page.locator(".widget-output .jp-paralab-chart");
    await chartInOutput.first().waitFor({ timeout: 60_000 });
    assert.equal((await kernelPrint(page, "console.log(runs)")).trim(), "1");
    await button.click();
    // The click's comm_msg reaches the kernel's shell queue before this execute request, and the
    // kernel answers the request only once the click's handler (the map) has finished.
    assert.equal((await kernelPrint(page, "console.log(runs)")).trim(), "2");
    // { clear: true }: the second chart replaced the first.
    await chartInOutput.first().waitFor({ timeout: 30_000 });
    assert.equal(await chartInOutput.count(), 1);
    const area = page.locator(".jp-Cell").nth(1);
    await screenshot(area, "widgets-button-chart");
  });

  test("an anywidget model renders and its changes reach the kernel", async () => {
    const counter = page.locator("button.paralab-any-counter");
    await counter.waitFor({ timeout: 30_000 });
    assert.equal((await counter.textContent()).trim(), "count is 40");
    await counter.click();
    await counter.click();
    await page.waitForFunction(
      () => document.querySelector("button.paralab-any-counter")?.textContent.trim() === "count is 42",
      null,
      { timeout: 10_000 },
    );
    assert.equal((await kernelPrint(page, "console.log(counter.get('count'))")).trim(), "42");
    await kernelPrint(page, "counter.set({ count: 7 });");
    await page.waitForFunction(
      () => document.querySelector("button.paralab-any-counter")?.textContent.trim() === "count is 7",
      null,
      { timeout: 10_000 },
    );
    await screenshot(counter, "widgets-anywidget");
  });

  test("a Play moves a jslinked slider in the page, inside a Tab with titles", async () => {
    const tabs = page.locator(".jupyter-widget-Collapse-header, .lm-TabBar-tabLabel", { hasText: "progress" });
    await tabs.first().waitFor({ timeout: 30_000 });
    const readout = page.locator(".widget-slider", { hasText: "linked" }).locator(".widget-readout");
    await readout.waitFor({ state: "visible" }); // the first tab is selected
    assert.equal((await readout.textContent()).trim(), "0");
    await kernelPrint(page, "play.value = 4;");
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll(".widget-slider")]
          .find((e) => e.textContent.includes("linked"))
          ?.querySelector(".widget-readout")
          ?.textContent.trim() === "4",
      null,
      { timeout: 10_000 },
    );
    // The link ran in the page; the slider's new value came back to the kernel.
    await page.waitForTimeout(500);
    assert.equal((await kernelPrint(page, "console.log(linked.value)")).trim(), "4");
    await screenshot(page.locator(".widget-tab").first(), "widgets-tab-play");
  });
});
