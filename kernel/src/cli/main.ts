#!/usr/bin/env node
import { Command } from "commander";
import { PARALAB_VERSION } from "../version";
import { installCodeCache } from "./code-cache";
import { install, uninstall } from "./install";
import type { Target } from "./paths";
import type { WorkerOptions } from "./worker";

const program = new Command();
program
  .name("paralab")
  .description("TypeScript Jupyter kernel with %%parallel (worker pool) and %%gpu (gpu.js) cell magics")
  .version(PARALAB_VERSION, "-V, --version");

/** Prints a command's lines; a failure is one line on stderr naming the command, and exit code 1. */
function print(command: string, lines: () => string[]): void {
  try {
    for (const line of lines()) console.log(line);
  } catch (e) {
    console.error(`paralab ${command}: ${(e as Error).message}`);
    process.exit(1);
  }
}

const TARGET_HELP = {
  user: "for the current user (the default)",
  sysPrefix: "into the active Python environment (sys.prefix: $VIRTUAL_ENV, $CONDA_PREFIX or python3's)",
  prefix: "into DIR/share/jupyter",
};

program
  .command("install")
  .description("register the paralab kernel spec and the prebuilt JupyterLab extension with Jupyter")
  .option("--user", TARGET_HELP.user)
  .option("--sys-prefix", TARGET_HELP.sysPrefix)
  .option("--prefix <dir>", TARGET_HELP.prefix)
  .action((o: Target) => print("install", () => install(o)));

program
  .command("uninstall")
  .description("remove the kernel spec and the JupyterLab extension that install wrote")
  .option("--user", TARGET_HELP.user)
  .option("--sys-prefix", TARGET_HELP.sysPrefix)
  .option("--prefix <dir>", TARGET_HELP.prefix)
  .action((o: Target) => print("uninstall", () => uninstall(o)));

program
  .command("kernel")
  .description("run the kernel (Jupyter starts this through the kernel spec)")
  .requiredOption("--config-path <file>", "the connection file Jupyter wrote")
  .action(async (o: { configPath: string }) => {
    // The TypeScript compiler through V8's code cache (cli/code-cache.ts), written once the
    // kernel is ready, so that it also holds what V8 compiled while building the first program.
    const cache = process.env.PARALAB_CODE_CACHE === "0" ? undefined : installCodeCache();
    const { serveKernel } = await import("../server/serve");
    await serveKernel(o.configPath);
    if (cache) setImmediate(() => cache.save());
  });

program
  .command("run")
  .description("execute a notebook headless in this process (no Jupyter needed) and write the results")
  .argument("<notebook>", "the .ipynb file to run")
  .option("--out <file>", "write the executed notebook here (default: NOTEBOOK.out.ipynb)")
  .option("--html <file>", "also write a self-contained HTML report")
  .option("--allow-errors", "run every cell even after one fails")
  .option("--check", "grade the exercises: report each check cell's verdict (exit 1 when one is not yet passed)")
  .option("--solutions [file]", "with --check: fill in the solutions first (default: solutions/NOTEBOOK.md beside it)")
  .action(
    async (
      notebook: string,
      o: { out?: string; html?: string; allowErrors?: boolean; check?: boolean; solutions?: string | boolean },
    ) => {
      if (o.solutions && !o.check) throw new Error("run: --solutions grades the exercises, so it goes with --check.");
      const ok = o.check
        ? await (await import("../notebook/grade")).checkNotebookFile(notebook, o)
        : await (await import("../notebook/execute")).runNotebookFile(notebook, o);
      process.exit(ok ? 0 : 1);
    },
  );

program
  .command("worker")
  .description("serve a cluster's queue: run the tasks that kernels send to Redis (README, Clusters)")
  .requiredOption("--redis <url>", "the cluster's Redis, redis[s]://[:PASSWORD@]HOST:PORT[/QUEUE]")
  .option("--queue <name>", "the queue to serve (default: the URL's path, else paralab)")
  .option("--concurrency <n>", "runtimes, i.e. tasks at once (default: this machine's cores)")
  .option("--memory <mb>", "heap limit of each runtime, in MB (default: as the local pool's workers)")
  .option("--key-file <file>", "the key that signs tasks (default: $PARALAB_CLUSTER_KEY)")
  .option("--outlive-kernel", "when started from a paralab kernel's cell: keep serving after that kernel ends")
  .action(async (o: WorkerOptions) => {
    const { runWorkerCommand } = await import("./worker");
    await runWorkerCommand(o);
  });

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`paralab: ${e.message}`);
  process.exit(1);
});
