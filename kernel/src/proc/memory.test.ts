import assert from "node:assert/strict";
import { test } from "node:test";
import { availableMemoryBytes, privateMemoryBytes } from "./memory";

test("available and private memory are plausible byte counts", () => {
  const available = availableMemoryBytes();
  assert.ok(available > 1e6, `available ${available}`);
  const own = privateMemoryBytes()!;
  assert.ok(own > 1e6 && own < process.memoryUsage.rss() * 2, `own ${own}`);
  assert.equal(privateMemoryBytes(2 ** 22 + 12345), undefined);
});

test("private memory grows with what the process allocates", () => {
  const before = privateMemoryBytes()!;
  const block = Buffer.alloc(64 * 1024 * 1024, 1);
  const after = privateMemoryBytes()!;
  assert.ok(after - before > 32 * 1024 * 1024, `grew ${after - before}`);
  assert.equal(block[0], 1);
});
