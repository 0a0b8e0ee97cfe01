import assert from "node:assert/strict";
import { test } from "node:test";
import { coalesced } from "./coalesced";

test("calls while the step runs make it run once more, never twice at once", async () => {
  let runs = 0;
  let atOnce = 0;
  let most = 0;
  let release!: () => void;
  const step = coalesced(async () => {
    runs++;
    most = Math.max(most, ++atOnce);
    if (runs === 1) await new Promise<void>((r) => (release = r));
    atOnce--;
  });
  const first = step();
  await Promise.all([step(), step(), step()]); // return at once: the first run is still going
  assert.equal(runs, 1);
  release();
  await first;
  assert.equal(runs, 2, "the three calls made one more run");
  assert.equal(most, 1);
  await step();
  assert.equal(runs, 3);
});

test("a failing step rejects its caller and leaves the guard open", async () => {
  let fail = true;
  const step = coalesced(async () => {
    if (fail) throw new Error("redis gone");
  });
  await assert.rejects(step(), /redis gone/);
  fail = false;
  await step();
});
