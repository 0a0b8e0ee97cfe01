/**
 * Entry of a child-process worker (pool/runtimes/process.ts forks this file with the parent pid
 * as argv[2]). The child never outlives the kernel: it exits when the IPC channel closes, and a
 * watchdog thread polls the parent pid, so that even a child stuck in `while (true) {}` (whose
 * own event loop never runs again) is killed when the kernel dies.
 */
import { Worker } from "node:worker_threads";
import type { FromWorker, ToWorker } from "../run/messages";
import { startWorker } from "./run-task";

const PARENT_POLL_MS = 1000;

if (!process.send) throw new Error("process-entry.js must be started with child_process.fork");
const parentPid = Number(process.argv[2]);

function send(m: FromWorker): void {
  if (process.connected) process.send!(m);
}

process.on("disconnect", () => process.exit(0));
// jupyter_client interrupts a kernel by signalling its whole process group, children included:
// the stop button must not kill idle workers and their state. The pool ends busy ones itself.
process.on("SIGINT", () => undefined);
const WATCHDOG = `
const { workerData } = require("node:worker_threads");
setInterval(() => {
  let alive = process.ppid === workerData.parentPid;
  try { process.kill(workerData.parentPid, 0); } catch { alive = false; }
  if (!alive) process.kill(process.pid, "SIGKILL");
}, workerData.pollMs);
`;
new Worker(WATCHDOG, { eval: true, workerData: { parentPid, pollMs: PARENT_POLL_MS } }).unref();

const onMessage = startWorker({ kind: "process", send }, require);
process.on("message", (m: ToWorker) => onMessage(m));
