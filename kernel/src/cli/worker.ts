/** `paralab worker`: serve until SIGINT/SIGTERM; a bad option, key or URL exits at once with the fix. */
import { serveWorker } from "../cluster/serve";

export async function runWorkerCommand(o: {
  redis: string;
  queue?: string;
  concurrency?: string;
  keyFile?: string;
}): Promise<void> {
  let concurrency: number | undefined;
  if (o.concurrency !== undefined) {
    concurrency = Number(o.concurrency);
    if (!/^\d+$/.test(o.concurrency) || concurrency < 1)
      throw new Error(`--concurrency must be a positive integer, got "${o.concurrency}". Try: --concurrency 4`);
  }
  const log = (text: string) => console.log(text);
  const worker = await serveWorker({ redis: o.redis, queue: o.queue, concurrency, keyFile: o.keyFile }, log);
  const stop = () => void worker.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
