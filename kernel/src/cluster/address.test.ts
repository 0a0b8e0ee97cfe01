import assert from "node:assert/strict";
import { test } from "node:test";
import { parseClusterUrl } from "./address";

test("cluster URLs: host, port, queue, TLS, password kept but never shown", () => {
  const cases: [string, Partial<ReturnType<typeof parseClusterUrl>>][] = [
    [
      "redis://localhost",
      { host: "localhost", port: 6379, queue: "paralab", tls: false, display: "redis://localhost:6379/paralab" },
    ],
    [
      "redis://10.0.0.5:7000/jobs",
      { host: "10.0.0.5", port: 7000, queue: "jobs", display: "redis://10.0.0.5:7000/jobs" },
    ],
    [
      "rediss://:s3cret@db.example.org:6380",
      { tls: true, password: "s3cret", username: undefined, display: "rediss://:***@db.example.org:6380/paralab" },
    ],
    ["redis://alice:p%40ss@h:1/q", { username: "alice", password: "p@ss", display: "redis://alice:***@h:1/q" }],
    ["redis://[::1]:6379/", { host: "::1", queue: "paralab" }],
  ];
  for (const [url, expected] of cases) {
    const got = parseClusterUrl(url);
    for (const [k, v] of Object.entries(expected)) assert.equal(got[k as keyof typeof got], v, `${url}: ${k}`);
  }
});

test("--queue overrides an empty path and must agree with a given one", () => {
  assert.equal(parseClusterUrl("redis://h", "other").queue, "other");
  assert.equal(parseClusterUrl("redis://h/other", "other").queue, "other");
  assert.throws(() => parseClusterUrl("redis://h/a", "b"), /names queue "a" but --queue says "b"/);
});

test("bad cluster URLs say what is wrong and how to write one", () => {
  const bad: [string, RegExp][] = [
    ["localhost:6379", /no redis:\/\/ scheme.*Write redis:\/\/HOST:PORT/],
    ["http://localhost:6379", /the scheme is http/],
    ["redis://h:99999", /not a cluster URL/],
    ["redis://h/bad queue!", /queue name "bad queue!"/],
    ["redis://h?db=1", /\?query/],
    ["redis://:hunter2@h:99999", /redis:\/\/:\*\*\*@h:99999/],
  ];
  for (const [url, re] of bad) {
    assert.throws(
      () => parseClusterUrl(url),
      (e: Error) => e.name === "ClusterUrlError" && re.test(e.message),
      url,
    );
  }
  assert.throws(
    () => parseClusterUrl("redis://:hunter2@h:99999"),
    (e: Error) => !e.message.includes("hunter2"),
  );
});
