/** Entry of a worker thread (pool/runtimes/thread.ts starts this file). */
import { parentPort } from "node:worker_threads";
import type { ToWorker } from "../run/messages";
import { startWorker } from "./run-task";

if (!parentPort) throw new Error("thread-entry.js must run in a worker thread");
const port = parentPort;
const onMessage = startWorker({ kind: "thread", send: (m, transfer) => port.postMessage(m, transfer) }, require);
port.on("message", (m: ToWorker) => onMessage(m));
