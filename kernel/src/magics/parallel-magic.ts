import { PARALLEL_OPTIONS } from "../parallel/parallel-options";
import { planParallel } from "../parallel/plan";
import { runParallel } from "../parallel/execute";
import { Magic } from "./registry";

export const parallelMagic: Magic = {
  name: "parallel",
  kinds: ["cell"],
  summary: "run the cell body on the worker pool (SPMD, or --map over items)",
  synopsis: "[--workers N] [--map EXPR [--as NAME]] [options]",
  description: [
    "SPMD (default): the body runs once on each worker with `rank`, `size` and `comm`; its value (the",
    "completion value, as eval gives it, or an explicit `return`) on each worker is gathered, in rank order.",
    "What a worker declares stays there for the next %%parallel cell.",
    "Map (--map EXPR): the body runs once per element `item` (rename with --as) with `index` and `rank`.",
    "Kernel variables the body uses are copied to the workers automatically.",
    "Map cells run on a cluster of `paralab worker`s with --cluster URL, or on the session's (%cluster URL).",
    "",
    "Example:",
    "  %%parallel --map [1, 2, 3, 4] --out squares",
    "  item * item",
  ].join("\n"),
  options: PARALLEL_OPTIONS,
  async run(call, options, ctx) {
    const plan = planParallel({ caller: "%%parallel", body: call.body, bodyLine: call.bodyLine }, options, {
      size: ctx.runners.defaultSize,
      kind: ctx.runners.defaultKind,
      cluster: ctx.runners.clusterUrl,
    });
    await runParallel(plan, ctx);
  },
};
