import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { History } from "./history";

describe("History", () => {
  const h = new History();
  h.add(1, "6 * 7", "42");
  h.add(2, "let x = 1;", undefined);
  h.add(3, "6 * 7", "42");

  it("answers tail with the last n entries", () => {
    assert.deepEqual(h.query({ hist_access_type: "tail", n: 2 }), [
      [1, 2, "let x = 1;"],
      [1, 3, "6 * 7"],
    ]);
  });

  it("includes outputs when asked", () => {
    assert.deepEqual(h.query({ hist_access_type: "tail", n: 1, output: true }), [[1, 3, ["6 * 7", "42"]]]);
  });

  it("answers range as [start, stop)", () => {
    assert.deepEqual(h.query({ hist_access_type: "range", start: 2, stop: 3 }), [[1, 2, "let x = 1;"]]);
  });

  it("searches with glob patterns, unique keeps the latest", () => {
    assert.equal(h.query({ hist_access_type: "search", pattern: "6*" }).length, 2);
    assert.deepEqual(h.query({ hist_access_type: "search", pattern: "6*", unique: true }), [[1, 3, "6 * 7"]]);
    assert.deepEqual(h.query({ hist_access_type: "search", pattern: "let?x*" }), [[1, 2, "let x = 1;"]]);
  });
});
