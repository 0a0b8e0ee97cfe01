import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TaskScheduler } from "../graph/scheduler";
import type { GraphJob, GraphTaskSpec } from "../run/graphs";
import { code, KINDS, type Ctx } from "./fixtures/jobs";
import { Pool } from "./pool";

/** A task whose function is `fn(...args)`; `refs` put inputs' values at args[i]. */
function task(id: string, fnIndex: number, args: unknown[], deps: string[] = []): GraphTaskSpec {
  const refs = deps.map((d) => ({ path: [args.indexOf(d)], id: d }));
  return { id, code: fnIndex, args: args.map((a) => (deps.includes(a as string) ? null : a)), refs, deps };
}

/** Job code that calls `fn` with the task's arguments. */
const call = (fn: (...args: Ctx[]) => unknown) =>
  code(new Function("ctx", `return (${fn.toString()})(...ctx.args)`) as (c: Ctx) => unknown);

function job(tasks: GraphTaskSpec[], outputs: string[], fns: ((...args: Ctx[]) => unknown)[], workers = 2): GraphJob {
  return { codes: fns.map(call), tasks, vars: {}, workers, outputs, kept: {} };
}

for (const kind of KINDS) {
  describe(`runGraph (${kind})`, () => {
    let pool: Pool;
    before(async () => {
      pool = new Pool({ size: 2, kind });
      await pool.ensureWorkers(2);
    });
    after(() => pool.close());

    it("a chain over 1 MB stays on one worker: only the final result comes back", async () => {
      const make = (n: number) => new Float64Array(n).fill(1);
      const twice = (xs: Float64Array) => xs.map((x) => x * 2);
      const sum = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0);
      const j = job(
        [
          task("make", 0, [131072]),
          task("t1", 1, ["make"], ["make"]),
          task("t2", 1, ["t1"], ["t1"]),
          task("sum", 2, ["t2"], ["t2"]),
        ],
        ["sum"],
        [make, twice, sum],
      );
      const r = await pool.runGraph(j, new TaskScheduler(j.tasks, j.outputs));
      assert.equal(r.values.get("sum"), 131072 * 4);
      assert.deepEqual(new Set(r.runs.map((x) => x.rank)).size, 1, "every task on the worker that holds the data");
      assert.deepEqual(
        r.edges.map((e) => e.path),
        ["local", "local", "local"],
      );
      assert.deepEqual(r.bytesMoved, { port: 0, relay: 0 });
      assert.equal(r.bytesOut, 8, "only the sum (a number) came back");
      assert.deepEqual(r.kept, {}, "intermediate results were dropped once read");
    });

    it("a fan-in runs branches on both workers and moves one input worker to worker", async () => {
      const slow = (x: number) => {
        const end = Date.now() + 30;
        while (Date.now() < end);
        return new Float64Array(1000).fill(x);
      };
      const add = (a: Float64Array, b: Float64Array) => a[0] + b[0];
      const j = job(
        [task("a", 0, [1]), task("b", 0, [2]), task("add", 1, ["a", "b"], ["a", "b"])],
        ["add"],
        [slow, add],
      );
      const r = await pool.runGraph(j, new TaskScheduler(j.tasks, j.outputs));
      assert.equal(r.values.get("add"), 3);
      const ranks = new Map(r.runs.map((x) => [x.id, x.rank]));
      assert.notEqual(ranks.get("a"), ranks.get("b"), "independent tasks ran in parallel");
      const paths = r.edges.map((e) => e.path).sort();
      assert.deepEqual(paths, ["local", kind === "thread" ? "port" : "relay"]);
      const moved = kind === "thread" ? r.bytesMoved.port : r.bytesMoved.relay;
      assert.equal(moved, 8000);
    });

    it("a failure skips its dependents; the next run reuses what was kept and runs only the rest", async () => {
      const part = (x: number, bad: boolean) => {
        if (bad) throw new RangeError(`bad part ${x}`);
        return x * 10;
      };
      const total = (...xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const make = (bad: boolean) =>
        job(
          [task("p1", 0, [1, false]), task("p2", 0, [2, bad]), task("sum", 1, ["p1", "p2"], ["p1", "p2"])],
          ["sum"],
          [part, total],
        );
      const j1 = make(true);
      const s1 = new TaskScheduler(j1.tasks, j1.outputs);
      const r1 = await pool.runGraph(j1, s1);
      const failed = r1.runs.find((x) => x.status === "error")!;
      assert.equal(failed.id, "p2");
      assert.match(failed.error!.message, /bad part 2/);
      assert.equal(s1.stateOf("sum"), "skipped");
      assert.deepEqual(Object.keys(r1.kept), ["p1"], "p1's result waits on its worker for the re-run");
      const j2 = { ...make(false), kept: r1.kept };
      const s2 = new TaskScheduler(j2.tasks, j2.outputs);
      const r2 = await pool.runGraph(j2, s2);
      assert.equal(r2.values.get("sum"), 30);
      assert.deepEqual(r2.runs.map((x) => x.id).sort(), ["p2", "sum"], "p1 did not run again");
      assert.equal(s2.stateOf("p1"), "kept");
    });

    it("a chain of tiny tasks runs in batches on one worker; a failing link skips the rest of its chain", async () => {
      const step = (x: number) => {
        if (x === 30) throw new RangeError("no 30");
        return x + 1;
      };
      const tasks = Array.from({ length: 60 }, (_, i) =>
        i === 0 ? task("s0", 0, [0]) : task(`s${i}`, 0, [`s${i - 1}`], [`s${i - 1}`]),
      );
      const ok = job(tasks.slice(0, 30), ["s29"], [step]);
      const r1 = await pool.runGraph(ok, new TaskScheduler(ok.tasks, ok.outputs));
      assert.equal(r1.values.get("s29"), 30);
      assert.equal(new Set(r1.runs.map((x) => x.rank)).size, 1);
      const bad = job(tasks, ["s59"], [step]);
      const s = new TaskScheduler(bad.tasks, bad.outputs);
      const r2 = await pool.runGraph(bad, s);
      assert.equal(s.stateOf("s30"), "error");
      assert.deepEqual(
        Array.from({ length: 29 }, (_, i) => s.stateOf(`s${31 + i}`)),
        new Array(29).fill("skipped"),
      );
      assert.match(String(r2.runs.find((x) => x.id === "s30")?.error?.message), /no 30/);
    });

    it("an abort cancels a stuck task, replaces its worker, and the pool runs the next graph", async () => {
      const stuck = () => {
        for (;;);
      };
      const j = job([task("stuck", 0, [])], ["stuck"], [stuck]);
      const abort = new AbortController();
      const running = pool.runGraph(j, new TaskScheduler(j.tasks, j.outputs), { signal: abort.signal });
      setTimeout(() => abort.abort(new Error("interrupted")), 100);
      const r = await running;
      assert.ok(r.aborted);
      assert.deepEqual(
        r.runs.map((x) => [x.id, x.status]),
        [["stuck", "cancelled"]],
      );
      const k = job([task("one", 0, [])], ["one"], [() => 1]);
      const again = await pool.runGraph(k, new TaskScheduler(k.tasks, k.outputs));
      assert.equal(again.values.get("one"), 1);
    });
  });
}
