/**
 * A temporary Jupyter data dir with the kernel specs the benchmark compares (paralab from this
 * build, tslab from node_modules); given to Python as JUPYTER_PATH, removed afterwards, so
 * nothing is installed into the user's Jupyter dirs.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KERNEL_NAME, kernelSpec } from "../cli/install";

export interface KernelSpecDir {
  env: { JUPYTER_PATH: string };
  remove(): void;
}

/** `extra`: more specs by name (the deno section adds Deno's). */
export function makeKernelSpecs(extra: Record<string, unknown> = {}): KernelSpecDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paralab-bench-"));
  const tslabBin = path.join(path.dirname(require.resolve("tslab/package.json")), "bin", "tslab");
  const specs: Record<string, unknown> = {
    [KERNEL_NAME]: kernelSpec(),
    tslab: {
      argv: [process.execPath, tslabBin, "kernel", "--config-path", "{connection_file}"],
      display_name: "TypeScript (tslab)",
      language: "typescript",
    },
    ...extra,
  };
  for (const [name, spec] of Object.entries(specs)) {
    fs.mkdirSync(path.join(dir, "kernels", name), { recursive: true });
    fs.writeFileSync(path.join(dir, "kernels", name, "kernel.json"), JSON.stringify(spec, null, 2));
  }
  return { env: { JUPYTER_PATH: dir }, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
