import * as publicApi from "../index";
import { CellExecutor } from "../executor/executor";
import { clusterMagic } from "../magics/cluster-magic";
import { gpuMagic } from "../magics/gpu-magic";
import { lsmagicMagic } from "../magics/lsmagic";
import { monitorMagic } from "../magics/monitor-magic";
import { parallelMagic } from "../magics/parallel-magic";
import { Magic } from "../magics/registry";
import { timeMagic, timeitMagic } from "../magics/timing";
import { workersMagic } from "../magics/workers-magic";
import { Sampler } from "../monitor/sampler";
import { Runners } from "../parallel/runners";
import { KernelHandler, Transport } from "../protocol/handler";
import { KernelCellRunner } from "./cell-runner";
import { guardProcessExit } from "./exit-guard";
import { registerMonitorTarget } from "./monitor-comm";
import { KERNEL_PID_VAR } from "./parent-watch";
import { registerWidgetTargets } from "../widgets/manager";
import { KernelRunObserver } from "./run-observer";

export interface Kernel {
  handler: KernelHandler;
  runner: KernelCellRunner;
  runners: Runners;
}

/**
 * Builds a kernel on a transport: the real sockets (`paralab kernel`) or an in-process one
 * (`paralab run`). Cells resolve imports from `rootDir`.
 */
export function createKernel(
  transport: Transport,
  rootDir: string,
  log: (text: string) => void,
  exit: () => void,
): Kernel {
  // `paralab worker`s that cells start inherit it, and end with this kernel (watchKernel), also
  // under `paralab run`, whose kernel lives in its own process.
  process.env[KERNEL_PID_VAR] = String(process.pid);
  const executor = new CellExecutor(rootDir, () => publicApi);
  const sampler = new Sampler().start();
  const runners = new Runners();
  const observer = new KernelRunObserver(sampler);
  const magics: Magic[] = [
    lsmagicMagic(() => magics),
    timeMagic,
    timeitMagic,
    parallelMagic,
    workersMagic,
    clusterMagic,
    monitorMagic,
    gpuMagic,
  ];
  const runner = new KernelCellRunner({ executor, runners, sampler, observer }, magics);
  const restoreExit = guardProcessExit();
  runner.onShutdown(async () => {
    restoreExit();
    sampler.stop();
    await runners.close();
    // gpu.js's webasm mode keeps worker threads per compiled kernel.
    if (require.cache[require.resolve("../gpu/execute")]) (await import("../gpu/execute")).clearGpuCache();
  });
  const handler = new KernelHandler(transport, runner, log, exit);
  registerMonitorTarget(handler.comms, { runners, observer });
  registerWidgetTargets(handler.comms);
  return { handler, runner, runners };
}
