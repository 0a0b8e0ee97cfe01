/**
 * The `paralab` module that cells import: tslab's display API and the programmatic forms of the
 * magics.
 */
export { display, newDisplay, newDisplayId } from "./display";
export type { Display } from "./display";

import * as ts from "@tslab/typescript-for-tslab";
import { PARALAB_VERSION } from "./version";

/** The version strings of paralab and what it runs on. */
export const versions = { paralab: PARALAB_VERSION, typescript: ts.version, node: process.version };
export { input, password, input as prompt } from "./api/input";
export { shared, Mutex, Semaphore, Barrier, SharedQueue } from "./sync/index";
export type { Comm, ReduceOp } from "./parallel/comm-type";
export type { ParallelHandle } from "./parallel/handle";
export { parallel } from "./api/parallel";
export type { ParallelOptions } from "./api/parallel";
export { delayed, compute } from "./api/graph";
export type { Delayed, DelayedArg, DelayedArgs, DelayedOptions, ComputeOptions } from "./api/graph";
export { gpu } from "./api/gpu";
export { check, timed } from "./api/check";
export type { CheckOptions, Timing } from "./api/check";
export type { GpuKernelOptions, GpuKernelThis } from "./api/gpu";
export * as widgets from "./api/widgets";
export { interact } from "./api/interact";
export type { InteractSpec, InteractValues, InteractOptions, Interactive } from "./api/interact";
export { comms } from "./api/comm";
export type { JupyterComm } from "./api/comm";
