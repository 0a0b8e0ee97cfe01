/**
 * `paralab worker`: serve until SIGINT/SIGTERM, or until the paralab kernel whose cell started it
 * ends (unless --outlive-kernel); a bad option, key or URL exits at once with the fix.
 */
import { serveWorker } from "../cluster/serve";
import { KERNEL_PID_VAR, watchKernel } from "../server/parent-watch";

/** A worker whose kernel is gone gives its close (finishing with Redis) this long, then exits anyway. */
const CLOSE_GRACE_MS = 3000;

/** `paralab worker`'s options, as commander gives them. */
export interface WorkerOptions {
  redis: string;
  queue?: string;
  concurrency?: string;
  memory?: string;
  keyFile?: string;
  outliveKernel?: boolean;
}

export async function runWorkerCommand(o: WorkerOptions): Promise<void> {
  let concurrency: number | undefined;
  if (o.concurrency !== undefined) {
    concurrency = Number(o.concurrency);
    if (!/^\d+$/.test(o.concurrency) || concurrency < 1)
      throw new Error(`--concurrency must be a positive integer, got "${o.concurrency}". Try: --concurrency 4`);
  }
  let memoryLimitMb: number | undefined;
  if (o.memory !== undefined) {
    memoryLimitMb = Number(o.memory);
    if (!/^\d+$/.test(o.memory) || memoryLimitMb < 1)
      throw new Error(`--memory must be a positive whole number of MB, got "${o.memory}". Try: --memory 2048`);
  }
  const log = (text: string) => console.log(text);
  const worker = await serveWorker(
    { redis: o.redis, queue: o.queue, concurrency, memoryLimitMb, keyFile: o.keyFile },
    log,
  );
  const stop = () => void worker.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  if (!o.outliveKernel)
    watchKernel((pid) => {
      log(
        `paralab worker ${worker.id}: the kernel that started it (pid ${pid}, ${KERNEL_PID_VAR}) is gone; stopping ` +
          "(paralab worker --outlive-kernel keeps serving)",
      );
      setTimeout(() => process.exit(0), CLOSE_GRACE_MS).unref();
      stop();
    });
}
