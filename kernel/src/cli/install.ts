import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const KERNEL_NAME = "paralab";
export const DISPLAY_NAME = "TypeScript (paralab)";

export interface InstallOptions {
  user?: boolean;
  sysPrefix?: boolean;
  prefix?: string;
}

/** The Jupyter data directory the options point at (kernels/ and labextensions/ live below it). */
export function jupyterDataDir(o: InstallOptions): string {
  if (o.prefix) return path.join(path.resolve(o.prefix), "share", "jupyter");
  if (o.sysPrefix) {
    const prefix =
      process.env.VIRTUAL_ENV ?? execFileSync("python3", ["-c", "import sys; print(sys.prefix)"]).toString().trim();
    return path.join(prefix, "share", "jupyter");
  }
  const xdg =
    process.env.JUPYTER_DATA_DIR ??
    path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local", "share"), "jupyter");
  return xdg;
}

export function kernelSpec(): Record<string, unknown> {
  return {
    argv: [process.execPath, path.resolve(__dirname, "main.js"), "kernel", "--config-path", "{connection_file}"],
    display_name: DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { debugger: false },
  };
}

/** Writes the kernel spec and, when it has been built, the prebuilt labextension. */
export function install(o: InstallOptions): string[] {
  const dataDir = jupyterDataDir(o);
  const kernelDir = path.join(dataDir, "kernels", KERNEL_NAME);
  fs.mkdirSync(kernelDir, { recursive: true });
  fs.writeFileSync(path.join(kernelDir, "kernel.json"), JSON.stringify(kernelSpec(), null, 2));
  const done = [`installed kernel spec "${KERNEL_NAME}" → ${kernelDir}`];
  const built = path.resolve(__dirname, "..", "..", "..", "labextension", "paralab_labextension", "labextension");
  if (isBuiltExtension(built)) {
    const target = path.join(dataDir, "labextensions", "paralab-labextension");
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.cpSync(built, target, { recursive: true });
    done.push(`installed JupyterLab extension "paralab-labextension" → ${target}`);
  } else {
    done.push(`JupyterLab extension not installed: it is not built yet (run npm run build in the repository)`);
  }
  return done;
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
