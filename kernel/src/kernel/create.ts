import * as publicApi from "../index";
import { CellExecutor } from "../executor/executor";
import { lsmagicMagic } from "../magics/lsmagic";
import { Magic } from "../magics/registry";
import { timeMagic, timeitMagic } from "../magics/timing";
import { KernelHandler, Transport } from "../protocol/handler";
import { KernelCellRunner } from "./cell-runner";
import { parallelMagic } from "../magics/parallel-magic";
import { workersMagic } from "../magics/workers-magic";
import { monitorMagic } from "../magics/monitor-magic";
import { gpuMagic } from "../magics/gpu-magic";
import { registerMonitorTarget } from "../monitor/comm-target";
import { Sampler } from "../monitor/sampler";
import { ParallelSession } from "../parallel/session";
import { setKernelSession } from "./current";

export interface Kernel {
  handler: KernelHandler;
  runner: KernelCellRunner;
  session: ParallelSession;
}

/** Every magic the kernel knows. */
function allMagics(session: ParallelSession): Magic[] {
  return [
    lsmagicMagic,
    timeMagic,
    timeitMagic,
    parallelMagic(session),
    workersMagic(session),
    monitorMagic(session.sampler),
    gpuMagic(session),
  ];
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
  const executor = new CellExecutor(rootDir, () => publicApi);
  const sampler = new Sampler().start();
  const session = new ParallelSession(sampler);
  setKernelSession(session);
  const runner = new KernelCellRunner(executor, allMagics(session));
  runner.onShutdown(async () => {
    sampler.stop();
    await session.close();
    // gpu.js's webasm mode keeps worker threads per compiled kernel.
    if (require.cache[require.resolve("../gpu/run")]) (await import("../gpu/run")).clearGpuCache();
  });
  const handler = new KernelHandler(transport, runner, log, exit);
  registerMonitorTarget(handler.comms, session);
  return { handler, runner, session };
}
