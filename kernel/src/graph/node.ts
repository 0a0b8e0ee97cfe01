/**
 * The task graph's model: a node is one call of a delayed function, with its arguments (values,
 * or other nodes, possibly inside arrays and plain objects). A node reads only nodes made before
 * it, so a graph has no cycles unless its arrays are changed afterwards (they are not frozen):
 * collectGraph finds such a cycle before anything runs. What a compute learns about a node (its value, where its result is kept)
 * stays on the node, so that the next compute of the same graph reuses it.
 */
import { GraphCycleError } from "../errors";
import type { ArgRef } from "../run/graphs";
import type { GraphNodeStatus } from "../run/records";

/** A function given to delayed(), as the graph needs it. */
export interface DelayedFunction {
  /** The function's name, or "task" for an anonymous one. */
  name: string;
  fn: (...args: never[]) => unknown;
  /** 1-based cell line of the delayed(...) call, when it could be found. */
  cellLine?: number;
  /** The expected cost of one call (delayed(fn, { cost })), for the figures before a run. */
  cost?: number;
}

/** Where a result waits on a worker of a runner (the runner object itself is the key). */
export interface KeptOnWorker {
  runner: object;
  worker: number;
  bytes: number;
}

/** What a failed node's task threw, and where. */
export interface NodeFailure {
  error: { name: string; message: string; stack?: string };
  /** The worker it ran on, e.g. "w1" or a cluster runtime's name. */
  worker?: string;
}

let counter = 0;

export class GraphNode {
  readonly id: string;
  /** The value, once a compute has brought it back to the kernel. */
  value: { v: unknown } | undefined;
  /** The result, while it waits on a worker for a later compute. */
  kept: KeptOnWorker | undefined;
  /** What happened to it in the last compute that touched it. */
  lastStatus: GraphNodeStatus = "pending";
  /** Why it failed, when lastStatus is "error": for a compute that waited for it (see running). */
  failure: NodeFailure | undefined;
  /**
   * Set while a compute runs it: another compute that needs it waits for `done` instead of
   * running it again, and calls `want()` so that its result stays on its worker when that
   * compute does not bring it back.
   */
  running: { done: Promise<void>; want(): void } | undefined;

  constructor(
    readonly fn: DelayedFunction,
    /** The call's arguments, with null where an input node's value goes (see refs). */
    readonly args: unknown[],
    readonly refs: readonly ArgRef[],
    /** The input nodes, each once, in first-use order. */
    readonly inputs: readonly GraphNode[],
  ) {
    this.id = `${fn.name}#${++counter}`;
  }
}

/**
 * All nodes `targets` reach, inputs first, stopping at nodes whose value is already in the kernel
 * (those are included, but not what they read). Iterative: a chain of 10,000 tasks is fine.
 * Throws GraphCycleError (`what` names the caller) when nodes read each other in a circle.
 */
export function collectGraph(targets: readonly GraphNode[], stopAtValues = true, what = "compute"): GraphNode[] {
  const out: GraphNode[] = [];
  const seen = new Set<GraphNode>();
  const stack: { node: GraphNode; next: number }[] = [];
  /** The nodes on the stack: the path from a target to the node being visited. */
  const onPath = new Set<GraphNode>();
  for (const t of targets) {
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push({ node: t, next: 0 });
    onPath.add(t);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const inputs = stopAtValues && top.node.value ? [] : top.node.inputs;
      if (top.next < inputs.length) {
        const input = inputs[top.next++];
        if (onPath.has(input)) {
          const cycle = stack.slice(stack.findIndex((s) => s.node === input)).map((s) => s.node);
          throw new GraphCycleError(
            what,
            cycle.map((n) => ({ id: n.id, fn: n.fn.name, cellLine: n.fn.cellLine })),
          );
        }
        if (!seen.has(input)) {
          seen.add(input);
          stack.push({ node: input, next: 0 });
          onPath.add(input);
        }
      } else {
        out.push(top.node);
        onPath.delete(top.node);
        stack.pop();
      }
    }
  }
  return out;
}
