/* global window, fetch */ // (window: code in page.evaluate runs in the browser)
// Browser test harness: starts JupyterLab from the project's .venv (with the paralab kernel spec and
// labextension installed there), drives Debian's chromium with playwright-core, and compares
// screenshots. Every wait is bounded. Used by test/browser/*.test.mjs.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { PNG } from "pngjs";
import pixelmatch from "pixelmatch";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const VENV = path.join(ROOT, ".venv");
export const SCREENSHOTS = path.join(ROOT, "test", "browser", "screenshots");
export const REFERENCE = path.join(ROOT, "test", "browser", "reference");
export const CHROMIUM = process.env.PARALAB_CHROMIUM ?? "/usr/bin/chromium";
const require = createRequire(import.meta.url);

/** Why the browser tests cannot run here, or undefined when they can. */
export function missingPrerequisite() {
  if (!fs.existsSync(CHROMIUM)) return `no chromium at ${CHROMIUM} (run: bash scripts/setup-chromium.sh as root)`;
  if (!fs.existsSync(path.join(VENV, "bin", "jupyter-lab")))
    return "no .venv with JupyterLab (run: bash scripts/setup-venv.sh)";
  if (!fs.existsSync(path.join(ROOT, "kernel", "dist", "cli", "main.js")))
    return "kernel not built (run: npm run build)";
  if (!fs.existsSync(path.join(ROOT, "kernel", "labextension", "package.json"))) {
    return "labextension not built (run: npm run build)";
  }
  return undefined;
}

/** Installs the kernel spec and the prebuilt extension into .venv (what `npm test` does too). */
export function installIntoVenv() {
  const r = spawnSync(process.execPath, [path.join(ROOT, "kernel", "bin", "paralab.js"), "install", "--prefix", VENV], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`paralab install failed: ${r.stderr || r.stdout}`);
}

/** A sample record from the kernel's fixtures (kernel/dist/charts/fixtures.js). */
export function fixtures() {
  return require(path.join(ROOT, "kernel", "dist", "charts", "fixtures.js"));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** A notebook (nbformat 4) with the given kernel spec and code cells. */
export function notebook(kernel, cells) {
  const specs = {
    paralab: { name: "paralab", display_name: "TypeScript (paralab)", language: "typescript" },
    python3: { name: "python3", display_name: "Python 3 (ipykernel)", language: "python" },
  };
  return {
    cells: cells.map((source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })),
    metadata: {
      kernelspec: specs[kernel] ?? { name: kernel, display_name: kernel, language: "python" },
      language_info: { name: specs[kernel]?.language ?? "python" },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

/** A cell that displays `record` under `mime` with the paralab kernel's display API. */
export function displayCell(mime, record) {
  return `import { display } from "paralab";\ndisplay.bundle({ "${mime}": ${JSON.stringify(record)}, "text/plain": "paralab chart" });`;
}

/**
 * Starts JupyterLab on a free port with a fresh root dir holding `files` (name → notebook object),
 * fresh settings and workspaces (so the tests never touch ~/.jupyter), and news checks off.
 * `extraKernels` (name → kernel.json object) go into a private JUPYTER_PATH that takes precedence;
 * `jupyterPath` (data directories) comes before even that. `labextensionsPath`, when given, is the
 * only place JupyterLab loads prebuilt extensions from (not .venv's share/jupyter).
 */
export async function startLab({
  files = {},
  extraKernels = {},
  userSettings = {},
  jupyterPath = [],
  labextensionsPath,
  timeoutMs = 90_000,
} = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "paralab-lab-"));
  const rootDir = path.join(tmp, "root");
  const settingsDir = path.join(tmp, "settings");
  const dataDir = path.join(tmp, "data");
  fs.mkdirSync(rootDir, { recursive: true });
  for (const [name, nb] of Object.entries(files))
    fs.writeFileSync(path.join(rootDir, name), JSON.stringify(nb, null, 1));
  const notification = path.join(settingsDir, "@jupyterlab", "apputils-extension");
  fs.mkdirSync(notification, { recursive: true });
  fs.writeFileSync(
    path.join(notification, "notification.jupyterlab-settings"),
    JSON.stringify({ fetchNews: "false", checkForUpdates: false }),
  );
  for (const [pluginId, values] of Object.entries(userSettings)) {
    const [pkg, plugin] = pluginId.split(":");
    fs.mkdirSync(path.join(settingsDir, pkg), { recursive: true });
    fs.writeFileSync(path.join(settingsDir, pkg, `${plugin}.jupyterlab-settings`), JSON.stringify(values));
  }
  for (const [name, spec] of Object.entries(extraKernels)) {
    const dir = path.join(dataDir, "kernels", name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(spec, null, 1));
  }
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const env = {
    ...process.env,
    JUPYTER_PATH: [...jupyterPath, dataDir].join(path.delimiter),
    JUPYTER_CONFIG_DIR: path.join(tmp, "config"),
    JUPYTER_RUNTIME_DIR: path.join(tmp, "runtime"),
    JUPYTER_PLATFORM_DIRS: "1",
    PYTHONUNBUFFERED: "1",
  };
  const args = [
    "lab",
    "--no-browser",
    `--port=${port}`,
    "--ServerApp.port_retries=0",
    "--ServerApp.ip=127.0.0.1",
    `--IdentityProvider.token=${token}`,
    `--ServerApp.root_dir=${rootDir}`,
    `--LabApp.user_settings_dir=${settingsDir}`,
    `--LabApp.workspaces_dir=${path.join(tmp, "workspaces")}`,
    "--LabApp.expose_app_in_browser=True",
    "--LabApp.news_url=",
    ...(labextensionsPath ?? []).map((dir) => `--LabApp.labextensions_path=${dir}`),
    ...(process.getuid?.() === 0 ? ["--allow-root"] : []),
  ];
  const proc = spawn(path.join(VENV, "bin", "jupyter"), args, { cwd: rootDir, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  proc.stdout.on("data", (d) => (log += d));
  proc.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`jupyter lab exited with ${proc.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${base}/api/status?token=${token}`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`jupyter lab did not answer within ${timeoutMs} ms:\n${log}`);
    }
    await sleep(250);
  }
  return {
    base,
    token,
    rootDir,
    tmp,
    log: () => log,
    url: (p) => `${base}/lab/tree/${p}?token=${token}&reset`,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        const exited = new Promise((resolve) => proc.once("exit", resolve));
        const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
        if (!done) proc.kill("SIGKILL");
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Launches chromium (headless, fresh profile) and opens a page at 1280×900, scale 1. */
export async function openBrowser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "paralab-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--font-render-hinting=none",
      "--force-color-profile=srgb",
    ],
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    timeout: 60_000,
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (err) => errors.push(String(err)));
  page.on("console", (msg) => {
    if (msg.type() === "error" && /paralab/i.test(msg.text())) errors.push(msg.text());
  });
  return {
    page,
    errors,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens a notebook and waits until JupyterLab and its kernel are ready. */
export async function openNotebook(page, lab, name, { timeoutMs = 90_000 } = {}) {
  await page.goto(lab.url(name), { waitUntil: "domcontentloaded", timeout: timeoutMs });
  await page.waitForFunction(() => !!window.jupyterapp?.shell, null, { timeout: timeoutMs });
  await page.waitForSelector(".jp-NotebookPanel .jp-Notebook", { timeout: timeoutMs });
  await waitKernelIdle(page, timeoutMs);
}

/** Waits until the current notebook's kernel is idle. */
export async function waitKernelIdle(page, timeoutMs = 60_000) {
  await page.waitForFunction(
    () => {
      const w = window.jupyterapp.shell.currentWidget;
      const k = w?.sessionContext?.session?.kernel;
      return !!k && k.status === "idle" && k.connectionStatus === "connected";
    },
    null,
    { timeout: timeoutMs, polling: 200 },
  );
}

/** Runs a JupyterLab command with args, and waits for it (run-all-cells: until the cells ran). */
export function command(page, id, args = {}) {
  return page.evaluate(([i, a]) => window.jupyterapp.commands.execute(i, a), [id, args]);
}

/** Starts a JupyterLab command and returns at once, so a test can watch what happens meanwhile. */
export function startCommand(page, id, args = {}) {
  return page.evaluate(
    ([i, a]) => {
      void window.jupyterapp.commands.execute(i, a);
    },
    [id, args],
  );
}

/** Runs all cells of the current notebook and waits until the kernel is idle again. */
export async function runAll(page, timeoutMs = 120_000) {
  await command(page, "notebook:run-all-cells");
  await page.waitForFunction(
    () => {
      const w = window.jupyterapp.shell.currentWidget;
      const cells = w?.content?.widgets ?? [];
      const pending = cells.some((c) => c.model?.type === "code" && c.model.executionCount === null);
      return !pending && w?.sessionContext?.session?.kernel?.status === "idle";
    },
    null,
    { timeout: timeoutMs, polling: 250 },
  );
}

/** Saves a screenshot of `locator` (or the page) to test/browser/screenshots/NAME.png; returns the PNG buffer. */
export async function screenshot(pageOrLocator, name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  const buf = await pageOrLocator.screenshot({ path: file, animations: "disabled" });
  return buf;
}

/** Screenshots `locator` until two shots 300 ms apart are identical (chart animations finished). */
export async function stableScreenshot(locator, name, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  let prev = await locator.screenshot();
  for (;;) {
    await sleep(300);
    const next = await locator.screenshot();
    if (next.equals(prev) || Date.now() > deadline) break;
    prev = next;
  }
  return screenshot(locator, name);
}

export function decodePng(buf) {
  return PNG.sync.read(buf);
}

/** Luminance 0..255 of pixel i of a decoded PNG. */
export function luminance(png, i) {
  const d = png.data;
  return 0.2126 * d[i * 4] + 0.7152 * d[i * 4 + 1] + 0.0722 * d[i * 4 + 2];
}

/** The most frequent colour of a decoded PNG as [r, g, b], and the fraction of pixels with another colour. */
export function colourStats(png) {
  const counts = new Map();
  const n = png.width * png.height;
  for (let i = 0; i < n; i++) {
    const key = (png.data[i * 4] << 16) | (png.data[i * 4 + 1] << 8) | png.data[i * 4 + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [k, c] of counts) {
    if (c > bestCount) {
      best = k;
      bestCount = c;
    }
  }
  return {
    background: [(best >> 16) & 255, (best >> 8) & 255, best & 255],
    otherFraction: 1 - bestCount / n,
    colours: counts.size,
  };
}

/**
 * Compares a screenshot with test/browser/reference/NAME.png. Writes the reference when it is
 * missing or PARALAB_UPDATE_REFERENCE=1, and a diff image next to the screenshots when they differ.
 * Returns {mismatch, total, fraction, created}.
 */
export function compareWithReference(buf, name, { threshold = 0.15 } = {}) {
  const refFile = path.join(REFERENCE, `${name}.png`);
  if (!fs.existsSync(refFile) || process.env.PARALAB_UPDATE_REFERENCE === "1") {
    fs.mkdirSync(REFERENCE, { recursive: true });
    fs.writeFileSync(refFile, buf);
    return { mismatch: 0, total: 0, fraction: 0, created: true };
  }
  const actual = PNG.sync.read(buf);
  const expected = PNG.sync.read(fs.readFileSync(refFile));
  if (actual.width !== expected.width || actual.height !== expected.height) {
    return {
      mismatch: Infinity,
      total: actual.width * actual.height,
      fraction: 1,
      created: false,
      reason: `size ${actual.width}x${actual.height} differs from the reference ${expected.width}x${expected.height}`,
    };
  }
  const { width, height } = actual;
  const diff = new PNG({ width, height });
  const mismatch = pixelmatch(actual.data, expected.data, diff.data, width, height, { threshold });
  if (mismatch > 0) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    fs.writeFileSync(path.join(SCREENSHOTS, `${name}.diff.png`), PNG.sync.write(diff));
  }
  return { mismatch, total: width * height, fraction: mismatch / (width * height), created: false };
}
