import type { WorkerKind } from "../messages";
import type { PoolWorker, SpawnOptions } from "./common";
import { ProcessWorker } from "./process";
import { ThreadWorker } from "./thread";

export type { ExitInfo, PoolWorker, SpawnOptions } from "./common";

export function spawnWorker(kind: WorkerKind, options: SpawnOptions): PoolWorker {
  return kind === "thread" ? new ThreadWorker(options) : new ProcessWorker(options);
}
