import * as publicApi from "../index";
import { CellExecutor } from "../executor/executor";
import { lsmagicMagic } from "../magics/lsmagic";
import { Magic } from "../magics/registry";
import { timeMagic, timeitMagic } from "../magics/timing";
import { KernelHandler, Transport } from "../protocol/handler";
import { KernelCellRunner } from "./cell-runner";

export interface Kernel {
  handler: KernelHandler;
  runner: KernelCellRunner;
}

/** Every magic the kernel knows; features add theirs here. */
function builtinMagics(): Magic[] {
  return [lsmagicMagic, timeMagic, timeitMagic];
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
  const runner = new KernelCellRunner(executor, builtinMagics());
  const handler = new KernelHandler(transport, runner, log, exit);
  return { handler, runner };
}
