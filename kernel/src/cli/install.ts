import fs from "node:fs";
import path from "node:path";
import { PARALAB_VERSION } from "../version";
import { findJupyter } from "./jupyter";
import {
  BIN,
  DISPLAY_NAME,
  DataDir,
  EXTENSION_NAME,
  KERNEL_NAME,
  PACKAGE_ROOT,
  PREBUILT_EXTENSION,
  Target,
  resolveDataDir,
} from "./paths";

export { DISPLAY_NAME, KERNEL_NAME } from "./paths";

export function kernelSpec(): Record<string, unknown> {
  return {
    // The node that runs this install, and the committed bin: both stay where they are for as
    // long as this installation of paralab exists.
    argv: [process.execPath, BIN, "kernel", "--config-path", "{connection_file}"],
    // glibc raises its mmap threshold to the size of each large block freed (up to 32 MB), so
    // after the first PNG chart the canvases' pixel buffers (~1–4 MB each) come from the main
    // malloc heap, which then fragments and is not trimmed: it grew 13 → 60 MB over the first
    // ~50 chart cells of the soak. A fixed threshold (glibc's default, 128 kB) keeps them in
    // mmaps that go back to the system when freed (13 → 23 MB). Other C libraries ignore it.
    env: { MALLOC_MMAP_THRESHOLD_: "131072" },
    display_name: DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { debugger: false },
  };
}

/**
 * Writes the kernel spec and copies the prebuilt JupyterLab extension into the data directory;
 * returns what it did and the next step, as lines for the user.
 */
export function install(t: Target): string[] {
  const target = resolveDataDir(t);
  checkPackage();
  const kernelDir = path.join(target.dir, "kernels", KERNEL_NAME);
  fs.mkdirSync(kernelDir, { recursive: true });
  fs.writeFileSync(path.join(kernelDir, "kernel.json"), JSON.stringify(kernelSpec(), null, 2) + "\n");
  const extensionDir = path.join(target.dir, "labextensions", EXTENSION_NAME);
  fs.rmSync(extensionDir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(extensionDir), { recursive: true });
  fs.cpSync(PREBUILT_EXTENSION, extensionDir, { recursive: true });
  restoreSchemaPackageJson(extensionDir);
  return [
    `Installed paralab ${PARALAB_VERSION} for Jupyter (${target.option}):`,
    `  kernel spec "${KERNEL_NAME}" (${DISPLAY_NAME}) → ${kernelDir}`,
    `  JupyterLab extension "${EXTENSION_NAME}" → ${extensionDir}`,
    ...npxNote(),
    ...nextStep(target),
  ];
}

/** Removes what install wrote into the data directory; returns what it did, as lines. */
export function uninstall(t: Target): string[] {
  const target = resolveDataDir(t);
  const removed: string[] = [];
  const kernelDir = path.join(target.dir, "kernels", KERNEL_NAME);
  if (fs.existsSync(kernelDir)) {
    fs.rmSync(kernelDir, { recursive: true, force: true });
    removed.push(`  kernel spec "${KERNEL_NAME}" ← ${kernelDir}`);
  }
  const extensionDir = path.join(target.dir, "labextensions", EXTENSION_NAME);
  if (fs.existsSync(extensionDir)) {
    fs.rmSync(extensionDir, { recursive: true, force: true });
    removed.push(`  JupyterLab extension "${EXTENSION_NAME}" ← ${extensionDir}`);
  }
  if (removed.length === 0) {
    return [
      `paralab is not installed in ${target.dir} (${target.option}): nothing to remove.`,
      "If you installed it with another option, run paralab uninstall with that one (--user, --sys-prefix or --prefix DIR).",
    ];
  }
  const global = PACKAGE_ROOT.split(path.sep).includes("node_modules");
  return [
    `Removed paralab from Jupyter (${target.option}):`,
    ...removed,
    ...(global ? ["The paralab command itself stays until: npm uninstall -g paralab"] : []),
  ];
}

/**
 * Fails before writing anything when this paralab cannot work: the prebuilt extension is
 * missing, or zeromq's native addon does not load (npm 11 skips zeromq's install script in a
 * global install unless allowed; that script only builds the addon when no prebuilt one fits).
 */
function checkPackage(): void {
  if (!isBuiltExtension(PREBUILT_EXTENSION)) {
    throw new Error(
      `the prebuilt JupyterLab extension is missing from ${PREBUILT_EXTENSION}. In a clone of paralab, run: npm run build; otherwise reinstall the package: npm install -g paralab`,
    );
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loading is the check
    require("zeromq");
  } catch (e) {
    throw new Error(
      `the kernel cannot run here: zeromq's native addon does not load (${(e as Error).message.split("\n")[0]}). zeromq ships prebuilt addons for common platforms; for this one it must be built from source by its install script, which npm skips unless allowed: npm install -g --allow-scripts=zeromq paralab (needs cmake and a C++ compiler).`,
      { cause: e },
    );
  }
}

/** A finished prebuilt extension: the builder writes jupyterlab._build into its package.json last. */
function isBuiltExtension(dir: string): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    return Boolean(pkg.jupyterlab?._build?.load);
  } catch {
    return false;
  }
}

/**
 * The builder leaves a copy of package.json as schemas/<name>/package.json.orig, where JupyterLab's
 * settings API reads the extension's version; npm never packs *.orig files, so the installed
 * package lacks it and it is written again here.
 */
function restoreSchemaPackageJson(extensionDir: string): void {
  const orig = path.join(extensionDir, "schemas", EXTENSION_NAME, "package.json.orig");
  if (fs.existsSync(path.dirname(orig)) && !fs.existsSync(orig)) {
    fs.copyFileSync(path.join(extensionDir, "package.json"), orig);
  }
}

/** `npx paralab install` outside a clone runs from npm's cache, which npm may clear later. */
function npxNote(): string[] {
  if (!PACKAGE_ROOT.split(path.sep).includes("_npx")) return [];
  return [
    `Note: this paralab runs from npx's cache (${PACKAGE_ROOT}), which npm may clear; the kernel spec points there. To keep it: npm install -g paralab && paralab install`,
  ];
}

/** What to do next: start JupyterLab, or get it first. */
function nextStep(target: DataDir): string[] {
  const jupyter = findJupyter(target);
  if (!jupyter) {
    return [
      "Jupyter is not installed here (no jupyter command on PATH), and the kernel needs it. Install JupyterLab 4:",
      "  pip install jupyterlab        (or: conda install -c conda-forge jupyterlab)",
      `then start it with \`jupyter lab\` and pick "${DISPLAY_NAME}" in the Launcher.`,
      "Without Jupyter, `paralab run NOTEBOOK.ipynb --html report.html` executes a notebook and writes a report.",
    ];
  }
  const lines: string[] = [];
  if (!jupyter.searchesDataDir) {
    lines.push(
      `Note: ${jupyter.command} does not look in ${target.dir}. Start it with JUPYTER_PATH=${target.dir} (or install with --user, or --sys-prefix in its Python environment).`,
    );
  }
  if (!jupyter.labVersion) {
    lines.push(
      `${jupyter.command} has no JupyterLab, which shows paralab's charts and Parallel panel. Install it: pip install jupyterlab`,
    );
  } else if (Number(jupyter.labVersion.split(".")[0]) !== 4) {
    lines.push(
      `JupyterLab ${jupyter.labVersion} cannot load this extension, which is built for JupyterLab 4. Upgrade: pip install "jupyterlab>=4,<5"`,
    );
  } else {
    lines.push(`Next: start JupyterLab with \`${jupyter.command} lab\` and pick "${DISPLAY_NAME}" in the Launcher.`);
  }
  return lines;
}
