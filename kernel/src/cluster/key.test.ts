import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { loadClusterKey, sign, verify } from "./key";

const KEY = Buffer.from("0123456789abcdef0123");

test("a signature verifies with its key only, and only for the same parts", () => {
  const s = sign(KEY, ["q", "run1", 3, "payload"]);
  assert.ok(verify(KEY, ["q", "run1", 3, "payload"], s));
  assert.ok(!verify(Buffer.from("another key of 20 ch"), ["q", "run1", 3, "payload"], s));
  assert.ok(!verify(KEY, ["q", "run1", 4, "payload"], s));
  assert.ok(!verify(KEY, ["q", "run", "13", "payload"], s), "parts do not run into each other");
  assert.ok(!verify(KEY, ["q"], undefined));
  assert.ok(!verify(KEY, ["q"], "zz"));
});

test("the key comes from --key-file or PARALAB_CLUSTER_KEY, and errors say how to set one", () => {
  assert.deepEqual(loadClusterKey(undefined, { PARALAB_CLUSTER_KEY: " 0123456789abcdef0123\n" }), KEY);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "paralab-key-"));
  const file = path.join(dir, "key");
  fs.writeFileSync(file, "0123456789abcdef0123\n");
  assert.deepEqual(loadClusterKey(file, {}), KEY);
  assert.throws(() => loadClusterKey(undefined, {}), /no cluster key: PARALAB_CLUSTER_KEY is not set.*openssl rand/);
  assert.throws(() => loadClusterKey(path.join(dir, "missing"), {}), /cannot read the key file .*missing/);
  assert.throws(() => loadClusterKey(undefined, { PARALAB_CLUSTER_KEY: "short" }), /has 5 characters; use at least 16/);
  fs.rmSync(dir, { recursive: true });
});
