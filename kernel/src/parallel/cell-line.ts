import type { TaskFailedError } from "../errors";
import type { CompiledBody } from "./compile";

/** Adds the cell line of the failing statement to a task error, from the worker's stack. */
export function withCellLine<E extends TaskFailedError>(e: E, compiled: CompiledBody): E {
  const stack = e.workerStack ?? "";
  const lines = [...stack.matchAll(/\bcell:(\d+)(?::\d+)?/g)].map((m) => compiled.cellLine(Number(m[1])));
  const line = lines.find((l) => l !== undefined);
  if (line === undefined || e.message.includes("at cell line")) return e;
  e.message = `${e.message} at cell line ${line}`;
  const frames = stack
    .split("\n")
    .slice(1)
    .filter((f) => /\bcell:\d+/.test(f))
    .map((f) =>
      f.replace(/\bcell:(\d+)(?::\d+)?/, (_, l: string) => `cell line ${compiled.cellLine(Number(l)) ?? "?"}`),
    );
  e.stack = [`${e.name}: ${e.message}`, ...frames].join("\n");
  return e;
}
