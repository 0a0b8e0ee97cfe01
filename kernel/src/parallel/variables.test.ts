import assert from "node:assert/strict";
import { test } from "node:test";
import { markKernelOnly } from "../transfer/kernel-only";
import { collectVariables, copiedNotShared, lostClasses } from "./variables";

test("--share of memory that is not shared says it was copied and how to share", () => {
  const shared = new Float64Array(new SharedArrayBuffer(16));
  const notes = copiedNotShared(["a", "s", "t"], { a: [1, 2, 3], s: shared, t: new Int32Array(4) });
  assert.equal(notes.length, 2);
  assert.match(notes[0], /^Note: --share a: `a` is a plain Array, not shared memory, .*shared\.float64\(3\)/);
  assert.match(notes[1], /`t` is an Int32Array on an ordinary ArrayBuffer/);
});

test("class instances among map items are named; plain data is not", () => {
  class Point {
    constructor(readonly x: number) {}
    norm() {
      return Math.abs(this.x);
    }
  }
  assert.equal(lostClasses([1, { a: 1 }, [2], new Map(), new Float64Array(2), new Date()]), undefined);
  const note = lostClasses([{ a: 1 }, new Point(1), new Point(2)]);
  assert.match(note!, /^Note: --map items are instances of Point \(item 1 is a Point\); .*without Point's methods/);
});

test("paralab's own API named in a cell, directly or by a function it sends, is nested parallelism", () => {
  const api = markKernelOnly({ map: () => undefined }, "parallel");
  function outer(x: number) {
    return (api as unknown as { map: (n: number) => void }).map(x);
  }
  const locals = { api, outer, compute: markKernelOnly(() => undefined, "compute") };
  for (const name of ["api", "outer", "compute"]) {
    assert.throws(
      () => collectVariables([name], locals),
      (e: Error) =>
        e.name === "VariableError" &&
        /is paralab's (parallel|compute), which runs on the kernel's pool: .*nested parallelism is not supported\. Flatten the work/.test(
          e.message,
        ),
    );
  }
});
