import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CommBroker } from "./comm-broker";

function harness(size: number) {
  const replies: [number, number, unknown][] = [];
  const failures: Error[] = [];
  const broker = new CommBroker(
    size,
    { reply: (r, id, v) => replies.push([r, id, v]), fail: (e) => failures.push(e), probe: async () => undefined },
    10,
  );
  return { broker, replies, failures };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("CommBroker", () => {
  it("delivers a queued message to a later recv, matching the source", () => {
    const { broker, replies } = harness(3);
    broker.handle(1, 0, { kind: "send", dest: 0, value: "a" });
    broker.handle(2, 0, { kind: "send", dest: 0, value: "b" });
    broker.handle(0, 7, { kind: "recv", source: 2 });
    broker.handle(0, 8, { kind: "recv" });
    assert.deepEqual(replies, [
      [0, 7, "b"],
      [0, 8, "a"],
    ]);
  });

  it("wakes a waiting recv on send", () => {
    const { broker, replies } = harness(2);
    broker.handle(0, 1, { kind: "recv", source: 1 });
    broker.handle(1, 0, { kind: "send", dest: 0, value: 42 });
    assert.deepEqual(replies, [[0, 1, 42]]);
    broker.dispose();
  });

  it("reports a deadlock with undelivered messages", async () => {
    const { broker, failures } = harness(3);
    broker.handle(2, 0, { kind: "send", dest: 0, value: 1 });
    broker.rankDone(2);
    broker.handle(0, 1, { kind: "recv", source: 1 });
    broker.handle(1, 1, { kind: "recv", source: 0 });
    await wait(40);
    assert.equal(failures.length, 1);
    assert.equal(failures[0].name, "DeadlockError");
    assert.match(
      failures[0].message,
      /^Deadlock: w0 waits in recv\(from w1\); w1 waits in recv\(from w0\); w2 has finished; undelivered messages nobody waits for: w2→w0 ×1\./,
    );
  });

  it("does not report while a rank is still running", async () => {
    const { broker, failures } = harness(2);
    broker.handle(0, 1, { kind: "recv" });
    await wait(40);
    assert.equal(failures.length, 0);
    broker.dispose();
  });

  it("completes collectives when every rank arrived", () => {
    const { broker, replies } = harness(2);
    broker.handle(0, 1, { kind: "collective", op: "gather", root: 1, value: "x" });
    assert.equal(replies.length, 0);
    broker.handle(1, 5, { kind: "collective", op: "gather", root: 1, value: "y" });
    assert.deepEqual(replies.sort(), [
      [0, 1, undefined],
      [1, 5, ["x", "y"]],
    ]);
    broker.dispose();
  });

  it("rejects mismatched collectives", () => {
    const { broker, failures } = harness(2);
    broker.handle(0, 1, { kind: "collective", op: "barrier", root: 0 });
    broker.handle(1, 1, { kind: "collective", op: "bcast", root: 0, value: 1 });
    assert.match(failures[0].message, /w0 called barrier\(\) but w1 called bcast\(\.\.\., root 0\)/);
  });

  it("allgather gives every rank all values in rank order", () => {
    const { broker, replies } = harness(3);
    broker.handle(2, 1, { kind: "collective", op: "allgather", root: 0, value: "c" });
    broker.handle(0, 1, { kind: "collective", op: "allgather", root: 0, value: "a" });
    assert.equal(replies.length, 0);
    broker.handle(1, 1, { kind: "collective", op: "allgather", root: 0, value: "b" });
    assert.deepEqual(
      replies.sort((x, y) => x[0] - y[0]),
      [0, 1, 2].map((r) => [r, 1, ["a", "b", "c"]]),
    );
    broker.dispose();
  });

  it("alltoall gives rank r element r of every rank's array, in sender order", () => {
    const { broker, replies } = harness(3);
    for (const s of [0, 1, 2]) {
      broker.handle(s, 4, { kind: "collective", op: "alltoall", root: 0, value: [0, 1, 2].map((d) => `${s}→${d}`) });
    }
    assert.deepEqual(
      replies.sort((x, y) => x[0] - y[0]),
      [0, 1, 2].map((r) => [r, 4, [`0→${r}`, `1→${r}`, `2→${r}`]]),
    );
    broker.dispose();
  });

  it("alltoall with the wrong length fails naming both numbers", () => {
    const { broker, failures, replies } = harness(2);
    broker.handle(0, 1, { kind: "collective", op: "alltoall", root: 0, value: [1, 2] });
    broker.handle(1, 1, { kind: "collective", op: "alltoall", root: 0, value: [1, 2, 3] });
    assert.equal(replies.length, 0);
    assert.equal(failures[0].name, "CommError");
    assert.match(
      failures[0].message,
      /^comm\.alltoall\(values\): on w1 values must be an array with one element per rank \(length 2, the size\), got length 3\./,
    );
  });

  it("names allgather and alltoall without a root in a mismatch, and in a deadlock", async () => {
    const { broker, failures } = harness(2);
    broker.handle(0, 1, { kind: "collective", op: "allgather", root: 0, value: 1 });
    broker.handle(1, 1, { kind: "collective", op: "alltoall", root: 0, value: [1, 2] });
    assert.match(failures[0].message, /w0 called allgather\(\.\.\.\) but w1 called alltoall\(\.\.\.\)/);

    const h = harness(2);
    h.broker.handle(0, 1, { kind: "collective", op: "allgather", root: 0, value: 1 });
    h.broker.handle(1, 1, { kind: "recv", source: 0 });
    await wait(40);
    assert.match(h.failures[0].message, /^Deadlock: w0 waits in allgather\(\) for w1; w1 waits in recv\(from w0\)/);
  });
});
