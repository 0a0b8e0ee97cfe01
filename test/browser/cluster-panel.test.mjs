/* global window, document, MutationObserver */ // (code in page.evaluate / waitForFunction runs in the browser)
// The Parallel panel with a cluster (issue 26, item 3): a real redis-server, two real `paralab
// worker`s and a real JupyterLab whose notebook runs `%cluster URL` and a slow map on it. The panel
// must list the cluster's workers (host, pid, runtimes, ...) and show the map's progress as a
// cluster run, in the light and the dark theme.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, test } from "node:test";
import {
  ROOT,
  colourStats,
  command,
  decodePng,
  freePort,
  installIntoVenv,
  missingPrerequisite,
  notebook,
  openBrowser,
  openNotebook,
  screenshot,
  startCommand,
  waitKernelIdle,
  startLab,
} from "./harness/lab.mjs";

const noRedis = spawnSync("redis-server", ["--version"]).error
  ? "no redis-server (run: bash scripts/setup-redis.sh as root)"
  : undefined;
const skip = missingPrerequisite() ?? noRedis;
const CLI = path.join(ROOT, "kernel", "dist", "cli", "main.js");
const ITEMS = 24;

/** Starts a process and waits for a line of its output that says it is ready. */
async function startProcess(command, args, readyLine, env = process.env) {
  const proc = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let seen = "";
  proc.stdout.on("data", (b) => (seen += b));
  proc.stderr.on("data", (b) => (seen += b));
  const deadline = Date.now() + 60_000;
  while (!seen.includes(readyLine)) {
    if (proc.exitCode !== null) throw new Error(`${command} exited with ${proc.exitCode}: ${seen}`);
    if (Date.now() > deadline) throw new Error(`${command} did not say "${readyLine}" within 60 s: ${seen}`);
    await sleep(50);
  }
  return proc;
}

describe("Parallel panel with a cluster", { skip, timeout: 300_000 }, () => {
  const procs = [];
  const workers = [];
  let url;
  let lab;
  let browser;
  let page;
  const panel = () => page.locator("#paralab-parallel-panel");
  const section = () => panel().locator(".jp-paralab-cluster-section");

  before(async () => {
    installIntoVenv();
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paralab-cluster-panel-"));
    procs.push(
      await startProcess(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
        "Ready to accept connections",
      ),
    );
    url = `redis://127.0.0.1:${port}`;
    // The kernel (started by the lab below) inherits the key from this process's environment.
    process.env.PARALAB_CLUSTER_KEY = "browser-cluster-key-0123456789abcdef";
    for (const concurrency of [1, 2]) {
      const w = await startProcess(
        process.execPath,
        [CLI, "worker", "--redis", url, "--concurrency", String(concurrency)],
        "serving queue",
      );
      procs.push(w);
      workers.push({ pid: w.pid, runtimes: concurrency });
    }
    const spin =
      "function spin(ms: number): number {\n  const end = Date.now() + ms;\n  let n = 0;\n  while (Date.now() < end) n++;\n  return n;\n}";
    lab = await startLab({
      files: {
        "cluster.ipynb": notebook("paralab", [
          `%cluster ${url}`,
          spin,
          `%%parallel --map Array.from({ length: ${ITEMS} }, (_, i) => i) --chunksize 1 --quiet\nspin(300);\nitem`,
        ]),
      },
      userSettings: { "paralab-labextension:plugin": { samplingPeriodMs: 250, historySeconds: 30 } },
    });
    browser = await openBrowser();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
    await lab?.stop();
    for (const p of procs.reverse()) p.kill("SIGKILL");
  });

  test("the cluster's workers and a cluster map's progress show in the panel", async () => {
    await openNotebook(page, lab, "cluster.ipynb");
    await command(page, "paralab:show-panel");
    await page.waitForFunction(
      () => document.querySelector("#paralab-parallel-panel")?.dataset.state === "connected",
      null,
      { timeout: 30_000 },
    );
    assert.equal(await section().isVisible(), false, "no cluster section before %cluster");
    // The run lasts a few seconds and the panel shows it only while it lasts: the page records
    // every run state and cluster table the panel shows, and the test reads that record afterwards.
    await page.evaluate(() => {
      const root = document.getElementById("paralab-parallel-panel");
      const seen = (window.paralabClusterStates = []);
      new MutationObserver(() => {
        const progress = root.querySelector(".jp-paralab-progress");
        seen.push({
          where: root.querySelector(".jp-paralab-run")?.dataset.where ?? null,
          label: root.querySelector(".jp-paralab-run-label")?.firstChild?.textContent ?? null,
          tag: root.querySelector(".jp-paralab-run-where")?.textContent ?? null,
          max: progress?.getAttribute("aria-valuemax") ?? null,
          now: progress ? Number(progress.getAttribute("aria-valuenow")) : null,
          busy: [...root.querySelectorAll(".jp-paralab-cluster-worker td:nth-child(4)")].reduce(
            (n, td) => n + Number(td.textContent),
            0,
          ),
        });
      }).observe(root, { subtree: true, childList: true, attributes: true });
    });
    await startCommand(page, "notebook:run-all-cells");
    await page.waitForFunction(
      () =>
        document.querySelectorAll("#paralab-parallel-panel .jp-paralab-cluster-worker").length === 2 &&
        document.querySelector("#paralab-parallel-panel .jp-paralab-progress") !== null,
      null,
      { timeout: 60_000, polling: 100 },
    );
    await screenshot(panel(), "panel-cluster-running");
    await waitKernelIdle(page, 120_000);

    const rows = await section()
      .locator(".jp-paralab-cluster-worker")
      .evaluateAll((trs) =>
        trs.map((tr) => ({
          host: tr.dataset.host,
          pid: Number(tr.dataset.pid),
          runtimes: Number(tr.dataset.runtimes),
          cells: [...tr.cells].map((td) => td.textContent),
          detail: tr.nextElementSibling?.textContent ?? "",
        })),
      );
    const byPid = (a, b) => a.pid - b.pid;
    assert.deepEqual(
      rows.map(({ host, pid, runtimes }) => ({ host, pid, runtimes })).sort(byPid),
      workers.map((w) => ({ host: os.hostname(), ...w })).sort(byPid),
      "one row per worker: its host, pid and runtimes",
    );
    for (const r of rows) {
      const [host, pid, runtimes, busy, tasks] = r.cells;
      assert.deepEqual([host, pid, runtimes], [r.host, String(r.pid), String(r.runtimes)]);
      assert.match(busy, /^\d+$/);
      assert.match(tasks, /^\d+$/);
      // Its process's readings, on the line under it.
      assert.match(r.detail, /^CPU (\d+%|–) · \d+(\.\d+)? (B|kB|MB|GB) memory · heartbeat \d+\.\d s ago$/);
    }
    const heading = await section().locator(".jp-paralab-section-title").textContent();
    assert.equal(heading, "Cluster (2 workers on 1 host)");
    const line = await section().locator(".jp-paralab-cluster-line").textContent();
    assert.ok(line.startsWith(`${url}/paralab · queue paralab · 3 runtimes`), line);

    const states = await page.evaluate(() => window.paralabClusterStates);
    const shown = (what, ok) => assert.ok(states.some(ok), `${what}; the panel showed ${JSON.stringify(states)}`);
    shown("the map's progress, as a run on the cluster", (s) => s.where === "cluster" && s.max === String(ITEMS));
    shown("items done while it ran", (s) => s.where === "cluster" && s.now > 0 && s.now <= ITEMS);
    shown(
      "the run's label says where it runs",
      (s) => s.label === `map over ${ITEMS} items` && s.tag === "on the cluster",
    );
    shown("busy cluster workers while it ran", (s) => s.busy > 0);
    // Every item was done by the cluster's workers: their tasks add up to the map's.
    await page.waitForFunction(
      ([n]) =>
        [...document.querySelectorAll("#paralab-parallel-panel .jp-paralab-cluster-worker td:nth-child(5)")].reduce(
          (a, td) => a + Number(td.textContent),
          0,
        ) >= n,
      [ITEMS],
      { timeout: 10_000, polling: 250 },
    );
    const statusText = (await page.locator(".jp-paralab-status").textContent()) ?? "";
    assert.match(statusText, /^paralab: \d+ workers? · cluster 2 workers · machine CPU \d+%$/);
  });

  test("the cluster section reads well in the light and the dark theme", async () => {
    const light = decodePng(await screenshot(section(), "panel-cluster-light"));
    const dark = await (async () => {
      await command(page, "apputils:change-theme", { theme: "JupyterLab Dark" });
      await page.waitForFunction(() => document.body.dataset.jpThemeLight === "false", null, { timeout: 30_000 });
      await sleep(500);
      try {
        return decodePng(await screenshot(section(), "panel-cluster-dark"));
      } finally {
        await command(page, "apputils:change-theme", { theme: "JupyterLab Light" });
      }
    })();
    const lum = ([r, g, b]) => 0.2126 * r + 0.7152 * g + 0.0722 * b;
    assert.ok(lum(colourStats(light).background) > 180, `light background ${colourStats(light).background}`);
    assert.ok(lum(colourStats(dark).background) < 80, `dark background ${colourStats(dark).background}`);
    // Text is drawn on both: a fair share of pixels differs from the background.
    for (const [name, png] of [
      ["light", light],
      ["dark", dark],
    ])
      assert.ok(colourStats(png).otherFraction > 0.02, `${name}: the table's text is drawn`);
  });

  test("no errors from the extension in the browser console", () => {
    assert.deepEqual(browser.errors, []);
  });
});
