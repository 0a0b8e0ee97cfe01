import fs from "node:fs";
import { ConnectionConfig } from "../protocol/messages";
import { KernelServer } from "../protocol/server";
import { createKernel } from "./create";
import { watchParent } from "./parent-watch";

/** `paralab kernel --config-path FILE`: serve the connection file's sockets until shutdown. */
export async function serveKernel(configPath: string): Promise<void> {
  const config = JSON.parse(fs.readFileSync(configPath, "utf8")) as ConnectionConfig;
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const log = (text: string) => void stderrWrite(text + "\n");
  const server = new KernelServer(config, log);
  const exit = () => {
    void server.close().finally(() => process.exit(0));
  };
  const { handler, runner } = createKernel(server, process.cwd(), log, exit);
  watchParent(() => {
    log("paralab: the frontend that started this kernel is gone; shutting down");
    void runner.shutdown(false).finally(exit);
  });
  process.on("SIGINT", () => handler.interrupt());
  // A failure in a cell's background code must not take the kernel down.
  process.on("uncaughtException", (e) => log(`paralab: uncaught exception: ${e.stack ?? e}`));
  process.on("unhandledRejection", (e) => log(`paralab: unhandled rejection: ${(e as Error)?.stack ?? e}`));
  await server.start((channel, msg) => handler.handle(channel, msg));
  await server.send("iopub", "status", { execution_state: "starting" }, undefined);
}
