#!/usr/bin/env node
import { Command } from "commander";
import { PARALAB_VERSION } from "../version";
import { install } from "./install";

const program = new Command();
program
  .name("paralab")
  .description("TypeScript Jupyter kernel with %%parallel (worker pool) and %%gpu (gpu.js) cell magics")
  .version(PARALAB_VERSION, "-V, --version");

program
  .command("install")
  .description("register the paralab kernel spec (and the JupyterLab extension) with Jupyter")
  .option("--user", "install for the current user (default)")
  .option("--sys-prefix", "install into the active Python environment (sys.prefix)")
  .option("--prefix <dir>", "install into DIR/share/jupyter")
  .action((o: { user?: boolean; sysPrefix?: boolean; prefix?: string }) => {
    const chosen = [o.user, o.sysPrefix, o.prefix].filter(Boolean).length;
    if (chosen > 1) program.error("paralab install: give at most one of --user, --sys-prefix, --prefix DIR");
    for (const line of install(o)) console.log(line);
  });

program
  .command("kernel")
  .description("run the kernel (Jupyter starts this through the kernel spec)")
  .requiredOption("--config-path <file>", "the connection file Jupyter wrote")
  .action(async (o: { configPath: string }) => {
    const { serveKernel } = await import("../kernel/serve");
    await serveKernel(o.configPath);
  });

program
  .command("run")
  .description("execute a notebook headless in this process (no Jupyter needed) and write the results")
  .argument("<notebook>", "the .ipynb file to run")
  .option("--out <file>", "write the executed notebook here (default: NOTEBOOK.out.ipynb)")
  .option("--html <file>", "also write a self-contained HTML report")
  .option("--allow-errors", "run every cell even after one fails")
  .action(async (notebook: string, o: { out?: string; html?: string; allowErrors?: boolean }) => {
    const { runNotebookFile } = await import("../notebook/run");
    const ok = await runNotebookFile(notebook, o);
    process.exit(ok ? 0 : 1);
  });

program
  .command("worker")
  .description("serve a cluster's queue: run the tasks that kernels send to Redis (SPEC §3.3.2)")
  .requiredOption("--redis <url>", "the cluster's Redis, redis[s]://[:PASSWORD@]HOST:PORT[/QUEUE]")
  .option("--queue <name>", "the queue to serve (default: the URL's path, else paralab)")
  .option("--concurrency <n>", "runtimes, i.e. tasks at once (default: this machine's cores)")
  .option("--key-file <file>", "the key that signs tasks (default: $PARALAB_CLUSTER_KEY)")
  .action(async (o: { redis: string; queue?: string; concurrency?: string; keyFile?: string }) => {
    const { runWorkerCommand } = await import("./worker");
    await runWorkerCommand(o);
  });

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`paralab: ${e.message}`);
  process.exit(1);
});
