import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { summarize, timeInterleaved } from "./stats";
import { formatTable } from "./table";

describe("summarize", () => {
  it("gives median, p90, min and max", () => {
    assert.deepEqual(summarize([5, 1, 3, 2, 4]), { n: 5, medianMs: 3, p90Ms: 5, minMs: 1, maxMs: 5 });
    assert.equal(summarize([1, 2, 3, 4]).medianMs, 2.5);
  });
});

describe("timeInterleaved", () => {
  it("runs contenders round by round, warm blocks included", async () => {
    const order: string[] = [];
    const r = await timeInterleaved(
      2,
      { a: () => order.push("a"), b: () => order.push("b") },
      { warmupRounds: 1, runsPerRound: 2 },
    );
    // warm-up round: 2 each; timed rounds: 1 untimed + 2 timed each
    assert.equal(order.join(""), "aabb" + "aaabbb" + "aaabbb");
    assert.equal(r.a.summary.n, 4);
    assert.equal(r.b.value, order.length);
  });
});

describe("formatTable", () => {
  it("aligns the first column left and the rest right", () => {
    assert.equal(
      formatTable(
        ["name", "ms"],
        [
          ["a", "1.5"],
          ["long", "10"],
        ],
      ),
      "name   ms\n----  ---\na     1.5\nlong   10",
    );
  });
});
