import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { DataDir } from "./paths";

/** The Jupyter that will use an installation, as far as it can be found from here. */
export interface JupyterFound {
  /** The jupyter command; bare "jupyter" when it is the one on PATH. */
  command: string;
  /** JupyterLab's version, or undefined when this Jupyter has no JupyterLab. */
  labVersion?: string;
  /** True when this Jupyter's data search path includes the data directory. */
  searchesDataDir: boolean;
}

const TIMEOUT_MS = 60_000;

/**
 * Finds the jupyter command of the data directory's environment (DIR/bin/jupyter for --prefix
 * and --sys-prefix) or else the one on PATH, and asks it two things: its JupyterLab version and
 * whether it looks in the data directory. Undefined when there is no Jupyter at all.
 */
export function findJupyter(target: DataDir): JupyterFound | undefined {
  const local = target.prefix
    ? executableIn(path.join(target.prefix, process.platform === "win32" ? "Scripts" : "bin"))
    : undefined;
  const onPath = (process.env.PATH ?? "").split(path.delimiter).some((dir) => dir && executableIn(dir));
  const command = local ?? (onPath ? "jupyter" : undefined);
  if (!command) return undefined;
  let dataPath: string[] = [];
  try {
    dataPath = JSON.parse(run(command, ["--paths", "--json"])).data ?? [];
  } catch {
    // A jupyter that cannot list its paths is reported by the lab check below, or not at all.
  }
  let labVersion: string | undefined;
  try {
    labVersion = run(command, ["lab", "--version"]).trim().split("\n").pop();
  } catch {
    labVersion = undefined;
  }
  const wanted = realpath(target.dir);
  return { command, labVersion, searchesDataDir: dataPath.some((p) => realpath(p) === wanted) };
}

function executableIn(dir: string): string | undefined {
  for (const name of process.platform === "win32" ? ["jupyter.exe"] : ["jupyter"]) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: "utf8", timeout: TIMEOUT_MS, stdio: ["ignore", "pipe", "pipe"] });
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
