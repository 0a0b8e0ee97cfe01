/* global window, document */ // (code in page.evaluate / waitForFunction runs in the browser)
// JupyterLab in Chromium on a paralab installed as users install it: test/test_install.py runs
//   node test/browser/installed-lab.mjs DATA_DIR
// after `npm install -g` and `paralab install --prefix`, with DATA_DIR the Jupyter data directory
// that install wrote. That directory comes first on JUPYTER_PATH (so its kernel spec wins over
// .venv's) and is the only place JupyterLab loads prebuilt extensions from: what the page shows
// comes from the installed package. Runs a notebook with a %%parallel cell, opens the Parallel
// panel, and prints one JSON line of what it saw; exits 1 with the reason when something fails.
// (Not a *.test.mjs file: `node --test test/browser/` does not pick it up on its own.)
import console from "node:console";
import path from "node:path";
import process from "node:process";
import { command, missingPrerequisite, notebook, openBrowser, openNotebook, runAll, startLab } from "./harness/lab.mjs";

const CELLS = ["process.argv[1]", "%%parallel --workers 2\nrank * 10"];

async function main(dataDir) {
  const lab = await startLab({
    files: { "installed.ipynb": notebook("paralab", CELLS) },
    jupyterPath: [dataDir],
    labextensionsPath: [path.join(dataDir, "labextensions")],
  });
  let browser;
  try {
    browser = await openBrowser();
    const { page } = browser;
    await openNotebook(page, lab, "installed.ipynb");
    const federated = await page.evaluate(() =>
      JSON.parse(document.getElementById("jupyter-config-data").textContent).federated_extensions.map((e) => e.name),
    );
    await runAll(page);
    const outputs = await page.evaluate(() =>
      window.jupyterapp.shell.currentWidget.content.widgets.map((cell) => cell.model.outputs.toJSON()),
    );
    // The extension's renderer: one chart widget per run record, drawn on canvases.
    const charts = await page
      .locator(".jp-paralab-chart")
      .filter({ has: page.locator("canvas") })
      .count();
    await command(page, "paralab:show-panel");
    const panel = page.locator("#paralab-parallel-panel");
    await panel.waitFor({ state: "visible", timeout: 15_000 });
    await page.waitForFunction(
      () => document.querySelector("#paralab-parallel-panel")?.dataset.state === "connected",
      null,
      { timeout: 30_000 },
    );
    await page.waitForFunction(
      () => document.querySelectorAll("#paralab-parallel-panel .jp-paralab-core").length > 0,
      null,
      {
        timeout: 15_000,
      },
    );
    const seen = {
      federated,
      outputs,
      charts,
      panelState: await panel.getAttribute("data-state"),
      cores: await panel.locator(".jp-paralab-core").count(),
      pageErrors: browser.errors,
    };
    console.log(JSON.stringify(seen));
  } catch (e) {
    throw new Error(`${e.message}\n--- jupyter lab log ---\n${lab.log()}`, { cause: e });
  } finally {
    await browser?.close();
    await lab.stop();
  }
}

const dataDir = process.argv[2];
const skip = missingPrerequisite();
if (!dataDir) {
  console.error(
    "usage: node test/browser/installed-lab.mjs DATA_DIR (the Jupyter data directory paralab install wrote)",
  );
  process.exit(2);
} else if (skip) {
  console.error(`cannot drive JupyterLab here: ${skip}`);
  process.exit(1);
}
main(path.resolve(dataDir)).catch((e) => {
  console.error(e.stack ?? String(e));
  process.exit(1);
});
