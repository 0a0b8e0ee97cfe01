import fs from "node:fs";
import { BackgroundError } from "../errors";
import { toRemoteError } from "../transfer/thrown";
import { ConnectionConfig } from "../protocol/messages";
import { KernelServer } from "../protocol/server";
import { createKernel } from "./create";
import { watchParent } from "./parent-watch";

/** When the type checker is built if no frontend has asked for kernel_info by then. */
const WARM_UP_UNASKED_MS = 500;

/** `paralab kernel --config-path FILE`: serve the connection file's sockets until shutdown. */
export async function serveKernel(configPath: string): Promise<void> {
  const config = JSON.parse(fs.readFileSync(configPath, "utf8")) as ConnectionConfig;
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const log = (text: string) => void stderrWrite(text + "\n");
  const server = new KernelServer(config, log);
  // A cell cannot call process.exit while the kernel runs (server/exit-guard.ts); this one can.
  const processExit = process.exit.bind(process);
  const exit = () => {
    void server.close().finally(() => processExit(0));
  };
  const { handler, runner, runners } = createKernel(server, process.cwd(), log, exit);
  watchParent(() => {
    log("paralab: the frontend that started this kernel is gone; shutting down");
    void runner.shutdown(false).finally(exit);
  });
  process.on("SIGINT", () => handler.interrupt());
  // A failure in a cell's background code must not take the kernel down; the cell hears of it.
  const report = (kind: "rejection" | "exception") => (e: unknown) => {
    log(`paralab: ${kind === "rejection" ? "unhandled rejection" : "uncaught exception"}: ${(e as Error)?.stack ?? e}`);
    runners.background.report(new BackgroundError("the kernel", kind, toRemoteError(e)));
  };
  process.on("uncaughtException", report("exception"));
  process.on("unhandledRejection", report("rejection"));
  await server.start((channel, msg) => handler.handle(channel, msg));
  await server.send("iopub", "status", { execution_state: "starting" }, undefined);
  // A frontend asks for kernel_info first, and the type checker is built once that is answered
  // (protocol/handler.ts); one that does not ask still finds it built soon.
  setTimeout(() => runner.warmUp(), WARM_UP_UNASKED_MS);
}
