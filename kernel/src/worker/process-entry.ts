/**
 * Entry of a child-process worker (pool/runtimes/process.ts forks this file with the parent pid
 * as argv[2]). The child never outlives the kernel: it exits when the IPC channel closes, and
 * it polls the parent pid in case the channel is not closed cleanly.
 */
import type { FromWorker, ToWorker } from "../pool/messages";
import { startWorker } from "./run-task";

const PARENT_POLL_MS = 1000;

if (!process.send) throw new Error("process-entry.js must be started with child_process.fork");
const parentPid = Number(process.argv[2]);

function send(m: FromWorker): void {
  if (process.connected) process.send!(m);
}

process.on("disconnect", () => process.exit(0));
setInterval(() => {
  try {
    process.kill(parentPid, 0);
  } catch {
    process.exit(0);
  }
}, PARENT_POLL_MS).unref();

const onMessage = startWorker({ kind: "process", send }, require);
process.on("message", (m: ToWorker) => onMessage(m));
