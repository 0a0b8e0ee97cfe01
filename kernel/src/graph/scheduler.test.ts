import * as assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { HeldResult } from "../run/graphs";
import { TaskScheduler, type SchedulerTask } from "./scheduler";

/** load → stats for parts 0..n-1, then one merge: the README's example. */
function fanIn(n: number): SchedulerTask[] {
  const tasks: SchedulerTask[] = [];
  for (let p = 0; p < n; p++) tasks.push({ id: `load${p}`, deps: [] }, { id: `stats${p}`, deps: [`load${p}`] });
  tasks.push({ id: "merge", deps: Array.from({ length: n }, (_, p) => `stats${p}`) });
  return tasks;
}

function chain(n: number): SchedulerTask[] {
  return Array.from({ length: n }, (_, i) => ({ id: `c${i}`, deps: i ? [`c${i - 1}`] : [] }));
}

const none = new Map<string, HeldResult>();

describe("TaskScheduler: what is needed and what is ready", () => {
  const cases: {
    name: string;
    tasks: SchedulerTask[];
    outputs: string[];
    kept?: [string, HeldResult][];
    total: number;
    ready: string[];
  }[] = [
    {
      name: "a fan-in needs every task; the sources are ready",
      tasks: fanIn(3),
      outputs: ["merge"],
      total: 7,
      ready: ["load0", "load1", "load2"],
    },
    { name: "a chain has one ready task", tasks: chain(4), outputs: ["c3"], total: 4, ready: ["c0"] },
    { name: "only what the outputs read", tasks: fanIn(3), outputs: ["stats1"], total: 2, ready: ["load1"] },
    {
      name: "a result kept on a worker is not run again, nor what it read",
      tasks: chain(4),
      outputs: ["c3"],
      kept: [["c1", { rank: 1, bytes: 8 }]],
      total: 2,
      ready: ["c2"],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const s = new TaskScheduler(c.tasks, c.outputs);
      s.start(new Map(c.kept ?? []));
      assert.equal(s.total, c.total);
      const assigned = s.assign([0, 1, 2, 3, 4, 5]).map((a) => a.id);
      assert.deepEqual(assigned.sort(), [...c.ready].sort());
    });
  }

  test("an output kept on a worker only comes back", () => {
    const s = new TaskScheduler(chain(2), ["c1"]);
    assert.deepEqual([...s.start(new Map([["c1", { rank: 2, bytes: 8 }]]))], [["c1", 2]]);
    assert.equal(s.total, 0);
    assert.equal(s.finished, true);
  });
});

describe("TaskScheduler: placement", () => {
  test("a chain stays on the worker that holds its input", () => {
    const s = new TaskScheduler(chain(3), ["c2"]);
    s.start(none);
    const [a] = s.assign([0, 1]);
    assert.deepEqual(a, { id: "c0", rank: 0, inputs: [], keep: true });
    s.succeeded("c0", 0, 64_000_000);
    // Worker 1 is listed first, but worker 0 holds the 64 MB input.
    const [b] = s.assign([1, 0]);
    assert.deepEqual(b, { id: "c1", rank: 0, inputs: [{ id: "c0" }], keep: true });
  });

  test("when the holder is busy the task goes to an idle worker and the input is copied (greedy)", () => {
    const s = new TaskScheduler(
      [
        { id: "a", deps: [] },
        { id: "b", deps: ["a"] },
        { id: "c", deps: ["a"] },
      ],
      ["b", "c"],
    );
    s.start(none);
    s.assign([0]);
    s.succeeded("a", 0, 100);
    const placed = s.assign([0, 1]);
    // (the copy's reader first: see the order of a round's assignments below)
    assert.deepEqual(
      placed.map((p) => [p.id, p.rank, p.inputs]),
      [
        ["c", 1, [{ id: "a", from: 0 }]],
        ["b", 0, [{ id: "a" }]],
      ],
    );
  });

  test("higher tasks first: the one with the longest chain behind it", () => {
    const s = new TaskScheduler(
      [
        { id: "short", deps: [] },
        { id: "long0", deps: [] },
        { id: "long1", deps: ["long0"] },
        { id: "long2", deps: ["long1"] },
      ],
      ["short", "long2"],
    );
    s.start(none);
    assert.deepEqual(
      s.assign([0]).map((a) => a.id),
      ["long0"],
    );
  });

  test("an output read by no task is not kept on its worker", () => {
    const s = new TaskScheduler(chain(2), ["c1"]);
    s.start(none);
    s.assign([0]);
    s.succeeded("c0", 0, 8);
    const [last] = s.assign([0]);
    assert.equal(last.keep, false);
  });
});

describe("TaskScheduler: releases", () => {
  test("an input is dropped once every task that reads it has finished", () => {
    const s = new TaskScheduler(fanIn(2), ["merge"]);
    s.start(none);
    for (const a of s.assign([0, 1])) s.succeeded(a.id, a.rank, 10);
    const stats = s.assign([0, 1]);
    assert.deepEqual(
      stats.map((a) => [a.id, a.rank]),
      [
        ["stats0", 0],
        ["stats1", 1],
      ],
    );
    assert.deepEqual(s.succeeded("stats0", 0, 10), [{ rank: 0, ids: ["load0"] }]);
    assert.deepEqual(s.succeeded("stats1", 1, 10), [{ rank: 1, ids: ["load1"] }]);
    const [merge] = s.assign([0, 1]);
    assert.deepEqual(merge.inputs, [{ id: "stats0" }, { id: "stats1", from: 1 }]);
    // stats1 was copied to w0 for merge: both copies go.
    assert.deepEqual(s.succeeded("merge", 0, 10), [
      { rank: 0, ids: ["stats0", "stats1"] },
      { rank: 1, ids: ["stats1"] },
    ]);
    assert.equal(s.finished, true);
    assert.equal(s.holdings().size, 0);
  });
});

describe("TaskScheduler: a result another compute waits for", () => {
  test("stays on its worker after the tasks here that read it finish, for the waiting compute to fetch", () => {
    const s = new TaskScheduler(chain(2), ["c1"]);
    s.start(none);
    const [first] = s.assign([0]);
    s.want("c0");
    s.succeeded(first.id, 0, 10);
    s.assign([0]);
    assert.deepEqual(s.succeeded("c1", 0, 10), [], "c0 is not dropped");
    assert.deepEqual([...s.holdings()], [["c0", { rank: 0, bytes: 10 }]]);
  });

  test("a result dropped before it was wanted is gone (the waiting compute runs it)", () => {
    const s = new TaskScheduler(chain(3), ["c2"]);
    s.start(none);
    const step = () => {
      const [a] = s.assign([0]);
      return s.succeeded(a.id, 0, 10, 50);
    };
    step();
    assert.deepEqual(step(), [{ rank: 0, ids: ["c0"] }]);
    s.want("c0");
    step();
    assert.deepEqual([...s.holdings()], []);
  });
});

describe("TaskScheduler: failures", () => {
  test("a failed task skips what depends on it; independent branches finish and stay kept", () => {
    const s = new TaskScheduler(fanIn(2), ["merge"]);
    s.start(none);
    for (const a of s.assign([0, 1])) s.succeeded(a.id, a.rank, 10);
    s.assign([0, 1]);
    s.failed("stats0");
    s.succeeded("stats1", 1, 10);
    assert.equal(s.stateOf("merge"), "skipped");
    assert.match(s.reasonOf("merge")!, /its input stats0 failed/);
    assert.equal(s.finished, true);
    // What a re-run needs stays where it is: load0 (for stats0) and stats1 (for merge).
    assert.deepEqual([...s.holdings()].sort(), [
      ["load0", { rank: 0, bytes: 10 }],
      ["stats1", { rank: 1, bytes: 10 }],
    ]);
  });

  test("a lost worker's results: the tasks that needed them are skipped", () => {
    const s = new TaskScheduler(chain(3), ["c2"]);
    s.start(none);
    s.assign([0]);
    s.succeeded("c0", 0, 8);
    s.lost(0);
    assert.equal(s.stateOf("c1"), "skipped");
    assert.equal(s.stateOf("c2"), "skipped");
    assert.match(s.reasonOf("c1")!, /lost when worker w0 stopped/);
    assert.equal(s.finished, true);
  });

  test("abort cancels what runs and what has not started", () => {
    const s = new TaskScheduler(chain(3), ["c2"]);
    s.start(none);
    s.assign([0]);
    s.abort();
    assert.deepEqual(
      ["c0", "c1", "c2"].map((id) => s.stateOf(id)),
      ["cancelled", "cancelled", "cancelled"],
    );
    assert.equal(s.finished, true);
  });
});

test("10,000 independent tasks are assigned without sorting the ready list each time", () => {
  const tasks = Array.from({ length: 10_000 }, (_, i) => ({ id: `t${i}`, deps: [] }));
  const s = new TaskScheduler(
    tasks,
    tasks.map((t) => t.id),
  );
  s.start(none);
  let n = 0;
  while (!s.finished) {
    for (const a of s.assign([0, 1])) {
      s.succeeded(a.id, a.rank, 8);
      n++;
    }
  }
  assert.equal(n, 10_000);
});

describe("TaskScheduler: batches of tiny tasks", () => {
  const wide = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `t${i}`, deps: [] }));

  test("one task per worker until task times are known", () => {
    const s = new TaskScheduler(
      wide(100),
      wide(100).map((t) => t.id),
    );
    s.start(none);
    assert.equal(s.assign([0, 1]).length, 2);
  });

  test("tiny tasks go several at a time, about TARGET_BATCH_MS of work, shared between the idle workers", () => {
    const s = new TaskScheduler(
      wide(100),
      wide(100).map((t) => t.id),
    );
    s.start(none);
    for (const a of s.assign([0, 1])) s.succeeded(a.id, a.rank, 8, 0.1); // 0.1 ms each → 20 per batch
    const batch = s.assign([0, 1]);
    assert.deepEqual([batch.filter((a) => a.rank === 0).length, batch.filter((a) => a.rank === 1).length], [20, 20]);
  });

  test("slow tasks go one at a time", () => {
    const s = new TaskScheduler(
      wide(10),
      wide(10).map((t) => t.id),
    );
    s.start(none);
    for (const a of s.assign([0, 1])) s.succeeded(a.id, a.rank, 8, 50);
    assert.equal(s.assign([0, 1]).length, 2);
  });

  test("a batch never takes more than an even share of the ready tasks", () => {
    const s = new TaskScheduler(
      wide(12),
      wide(12).map((t) => t.id),
    );
    s.start(none);
    for (const a of s.assign([0, 1])) s.succeeded(a.id, a.rank, 8, 0.001);
    const batch = s.assign([0, 1]);
    assert.deepEqual([batch.filter((a) => a.rank === 0).length, batch.filter((a) => a.rank === 1).length], [5, 5]);
  });
});

describe("TaskScheduler: chains of tiny tasks travel together", () => {
  test("once tasks are known to be tiny, a chain's next links go in the same batch, reading each other locally", () => {
    const s = new TaskScheduler(chain(6), ["c5"]);
    s.start(none);
    const [first] = s.assign([0, 1]);
    s.succeeded(first.id, first.rank, 8, 0.5); // 0.5 ms a task → 4 per batch
    const batch = s.assign([0, 1]);
    assert.deepEqual(
      batch.map((a) => [a.id, a.rank, a.inputs]),
      [
        ["c1", 0, [{ id: "c0" }]],
        ["c2", 0, [{ id: "c1" }]],
        ["c3", 0, [{ id: "c2" }]],
        ["c4", 0, [{ id: "c3" }]],
      ],
    );
  });

  test("slow tasks are not chained", () => {
    const s = new TaskScheduler(chain(4), ["c3"]);
    s.start(none);
    const [first] = s.assign([0]);
    s.succeeded(first.id, first.rank, 8, 50);
    assert.deepEqual(
      s.assign([0]).map((a) => a.id),
      ["c1"],
    );
  });

  test("a branching task is not chained: its readers may run on other workers", () => {
    const s = new TaskScheduler(
      [
        { id: "w0", deps: [] },
        { id: "w1", deps: ["w0"] },
        { id: "b", deps: [] },
        { id: "c", deps: ["b"] },
        { id: "d", deps: ["b"] },
      ],
      ["w1", "c", "d"],
    );
    s.start(none);
    s.succeeded(s.assign([0])[0].id, 0, 8, 0.01);
    const batch = s.assign([0]).map((a) => a.id);
    assert.ok(batch.includes("b"), batch.join());
    assert.ok(!batch.includes("c") && !batch.includes("d"), batch.join());
  });

  test("when a link fails, the links after it in its batch are skipped, not failed", () => {
    const s = new TaskScheduler(chain(4), ["c3"]);
    s.start(none);
    s.succeeded(s.assign([0])[0].id, 0, 8, 0.01);
    assert.deepEqual(
      s.assign([0]).map((a) => a.id),
      ["c1", "c2", "c3"],
    );
    s.failed("c1");
    s.failed("c2"); // the worker reports them failed too: their input never came
    s.failed("c3");
    assert.deepEqual(
      ["c1", "c2", "c3"].map((id) => s.stateOf(id)),
      ["error", "skipped", "skipped"],
    );
    assert.equal(s.finished, true);
  });
});

describe("TaskScheduler: the order of a round's assignments", () => {
  test("a worker that reads an input held elsewhere comes first, so the holder sends it before its own next task", () => {
    const diamond: SchedulerTask[] = [
      { id: "top", deps: [] },
      { id: "short", deps: ["top"] },
      { id: "long", deps: ["top"] },
      { id: "bottom", deps: ["short", "long"] },
    ];
    const s = new TaskScheduler(diamond, ["bottom"]);
    s.start(none);
    assert.deepEqual(
      s.assign([0, 1]).map((a) => [a.id, a.rank]),
      [["top", 0]],
    );
    s.succeeded("top", 0, 8, 5);
    const round = s.assign([0, 1]);
    assert.equal(round.length, 2);
    const [first, second] = round;
    assert.equal(first.rank, 1, "the reader of w0's result is dispatched first");
    assert.deepEqual(first.inputs, [{ id: "top", from: 0 }]);
    assert.equal(second.rank, 0);
    assert.deepEqual(second.inputs, [{ id: "top" }]);
  });
});
