import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";

/** The `paralab` package: kernel/ in a clone, <prefix>/lib/node_modules/paralab when installed. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..", "..");
/** The command that kernel specs run: a committed file, so its path never depends on a build. */
export const BIN = path.join(PACKAGE_ROOT, "bin", "paralab.js");
/** The prebuilt JupyterLab extension, built by labextension/ into the package (its outputDir). */
export const PREBUILT_EXTENSION = path.join(PACKAGE_ROOT, "labextension");

export const KERNEL_NAME = "paralab";
export const DISPLAY_NAME = "TypeScript (paralab)";
/** The extension's npm name, which is its folder name under labextensions/. */
export const EXTENSION_NAME = "paralab-labextension";

/** Where to install: at most one of the three (none means --user, as with jupyter kernelspec). */
export interface Target {
  user?: boolean;
  sysPrefix?: boolean;
  prefix?: string;
}

/** A Jupyter data directory (kernels/ and labextensions/ live below it) and how it was chosen. */
export interface DataDir {
  dir: string;
  /** The option as the user would type it, for messages: `--user`, `--prefix /opt/x`. */
  option: string;
  /** The environment prefix for --sys-prefix and --prefix, where a jupyter command may live. */
  prefix?: string;
}

export function resolveDataDir(t: Target): DataDir {
  if ([t.user, t.sysPrefix, t.prefix].filter(Boolean).length > 1) {
    throw new Error("give at most one of --user, --sys-prefix, --prefix DIR");
  }
  if (t.prefix) {
    const prefix = path.resolve(t.prefix);
    return { dir: path.join(prefix, "share", "jupyter"), option: `--prefix ${t.prefix}`, prefix };
  }
  if (t.sysPrefix) {
    const prefix = pythonPrefix();
    return { dir: path.join(prefix, "share", "jupyter"), option: `--sys-prefix (${prefix})`, prefix };
  }
  return { dir: userDataDir(), option: "--user" };
}

/** jupyter_core's jupyter_data_dir(), without needing Python. */
function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return path.resolve(process.env.JUPYTER_DATA_DIR);
  const home = os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Jupyter");
  if (process.platform === "win32") return path.join(process.env.APPDATA ?? home, "jupyter");
  return path.join(process.env.XDG_DATA_HOME ?? path.join(home, ".local", "share"), "jupyter");
}

/** sys.prefix of the active Python environment: an activated venv or conda env, else python3's. */
function pythonPrefix(): string {
  const active = process.env.VIRTUAL_ENV ?? process.env.CONDA_PREFIX;
  if (active) return active;
  try {
    return execFileSync("python3", ["-c", "import sys; print(sys.prefix)"], { encoding: "utf8" }).trim();
  } catch (e) {
    throw new Error(
      `--sys-prefix needs the Python environment that runs Jupyter, but none is active (VIRTUAL_ENV and CONDA_PREFIX are unset) and python3 does not run (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Activate that environment first, or use --user or --prefix DIR.`,
      { cause: e },
    );
  }
}
