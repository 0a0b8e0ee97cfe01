import { runParallelCell } from "../parallel/run-cell";
import { ParallelSession } from "../parallel/session";
import { planParallel } from "./parallel";
import { PARALLEL_OPTIONS } from "./parallel-options";
import { Magic } from "./registry";

export function parallelMagic(session: ParallelSession): Magic {
  return {
    name: "parallel",
    kinds: ["cell"],
    summary: "run the cell body on the worker pool (SPMD, or --map over items)",
    synopsis: "[--workers N] [--map EXPR [--as NAME]] [options]",
    description: [
      "SPMD (default): the body runs once on each worker with `rank`, `size` and `comm`; the value of its",
      "last expression (or `return`) on each worker is gathered, in rank order. What a worker declares stays",
      "there for the next %%parallel cell.",
      "Map (--map EXPR): the body runs once per element `item` (rename with --as) with `index` and `rank`.",
      "Kernel variables the body uses are copied to the workers automatically.",
      "",
      "Example:",
      "  %%parallel --map [1, 2, 3, 4] --out squares",
      "  item * item",
    ].join("\n"),
    options: PARALLEL_OPTIONS,
    async run(call, options, ctx) {
      const plan = planParallel(call, options, { size: session.defaultSize, kind: session.defaultKind });
      await runParallelCell(plan, session, ctx);
    },
  };
}
