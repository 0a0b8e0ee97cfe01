import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkOptionsObject } from "../options/object";
import { parseOptions } from "../options/words";
import { COMPUTE_OPTIONS, PARALLEL_OPTIONS } from "./parallel-options";
import { askAnyway, oversubscriptionWarning, planCompute, planParallel, type PoolDefaults } from "./plan";

const LOCAL: PoolDefaults = { size: 4, kind: "thread" };
const SESSION: PoolDefaults = { ...LOCAL, cluster: "redis://h:6379/q" };

function magic(words: string, defaults = LOCAL) {
  const o = parseOptions("%%parallel", words.split(" ").filter(Boolean), PARALLEL_OPTIONS);
  return planParallel({ caller: "%%parallel", body: "item", bodyLine: 2 }, o, defaults);
}

function api(options: object, defaults = LOCAL) {
  const o = checkOptionsObject("parallel.map", options, PARALLEL_OPTIONS);
  return planParallel({ caller: "parallel.map", body: "f(item)", bodyLine: 1 }, o, defaults);
}

describe("planParallel: clusters", () => {
  it("carries --cluster URL, or the session's cluster, with --workers only when given", () => {
    assert.deepEqual(magic("--map xs --cluster redis://a:1").cluster, { url: "redis://a:1", workers: undefined });
    assert.deepEqual(magic("--map xs --cluster --workers 3", SESSION).cluster, { url: SESSION.cluster, workers: 3 });
    assert.deepEqual(magic("--map xs", SESSION).cluster, { url: SESSION.cluster, workers: undefined });
    assert.equal(magic("--map xs").cluster, undefined);
    // SPMD runs there too: its ranks reserve runtimes together, and comm goes through the kernel's broker
    assert.deepEqual(magic("--cluster redis://a --workers 3").cluster, { url: "redis://a", workers: 3 });
    assert.deepEqual(magic("", SESSION).cluster, { url: SESSION.cluster, workers: undefined });
    assert.deepEqual(api({ cluster: "redis://b" }).cluster, { url: "redis://b", workers: undefined });
    assert.equal(api({ cluster: false }, SESSION).cluster, undefined, "cluster: false stays local");
  });

  const errors: [() => unknown, RegExp][] = [
    [() => magic("--map xs --cluster"), /--cluster without a URL runs on the session's cluster, and none is set/],
    [() => api({ cluster: true }), /options.cluster without a URL .*\(\{ cluster: "redis:\/\/HOST:PORT" \}\)/],
    [() => magic("--map xs --cluster http://a"), /%%parallel: --cluster: "http:\/\/a" is not a cluster URL/],
    [() => magic("--map xs --processes", SESSION), /--processes chooses the local pool's kind of worker/],
    [() => api({ cluster: "redis://a", share: ["a"] }), /options.share cannot work on a cluster/],
  ];
  for (const [plan, message] of errors) {
    it(`rejects ${message.source.slice(0, 50)}`, () => assert.throws(plan, { name: "MagicOptionError", message }));
  }
});

function computePlan(options: unknown, defaults = LOCAL) {
  return planCompute(checkOptionsObject("compute", options, COMPUTE_OPTIONS), defaults);
}

describe("planCompute: compute's options through the same checks as parallel.map's", () => {
  it("plans the pool from the options and the kernel's defaults", () => {
    assert.deepEqual(computePlan(undefined), {
      caller: "compute",
      workers: 4,
      kind: "thread",
      cluster: undefined,
      timeoutMs: undefined,
      quiet: false,
      memoryCheck: true,
    });
    const p = computePlan({ workers: 2, processes: true, timeout: 1.5, quiet: true, noMemoryCheck: true });
    assert.deepEqual([p.workers, p.kind, p.timeoutMs, p.quiet, p.memoryCheck], [2, "process", 1500, true, false]);
  });

  it("runs on the session's cluster with every slot unless told the workers, and locally with cluster: false", () => {
    assert.deepEqual(computePlan({}, SESSION).cluster, { url: SESSION.cluster, workers: undefined });
    assert.equal(computePlan({}, SESSION).workers, undefined);
    assert.equal(computePlan({ workers: 3 }, SESSION).workers, 3);
    assert.equal(computePlan({ cluster: false }, SESSION).cluster, undefined);
  });

  const errors: [unknown, RegExp][] = [
    [{ workers: 0 }, /^compute: options.workers must be a positive integer, got 0\. Try: \{ workers: 4 \}$/],
    [{ workers: "two" }, /^compute: options.workers must be a positive integer, got "two"\./],
    [{ workers: 2.5 }, /options.workers must be a positive integer, got 2.5/],
    [
      { worker: 2 },
      /^compute: unknown option worker\. Did you mean workers\? Valid options: workers, processes, cluster, timeout, quiet, noMemoryCheck\.$/,
    ],
    [{ scaling: [1, 2] }, /compute: unknown option scaling\..*Valid options: workers,/],
    [{ timeout: -1 }, /compute: options.timeout must be a positive number, got -1/],
    [5, /^compute: options must be an object such as \{ workers: 4 \}, got 5\.$/],
    [{ cluster: true }, /^compute: options.cluster without a URL runs on the session's cluster, and none is set/],
    [{ cluster: "http://a" }, /^compute: options.cluster: "http:\/\/a" is not a cluster URL/],
    [{ cluster: "redis://a", processes: true }, /compute: options.processes chooses the local pool's kind of worker/],
  ];
  for (const [options, message] of errors) {
    it(`rejects ${JSON.stringify(options)}`, () =>
      assert.throws(() => computePlan(options), { name: "MagicOptionError", message }));
  }

  it("words the memory check's way out and the oversubscription warning for compute", () => {
    assert.equal(askAnyway("compute", 1e9), "compute(..., { workers: 1000000000, noMemoryCheck: true })");
    assert.equal(askAnyway("%%parallel", 9), "%%parallel --workers 9 --no-memory-check");
    assert.match(
      oversubscriptionWarning("compute", 1000, 2) ?? "",
      /1000 workers on 2 cores is 500 per core.*otherwise compute\(\.\.\., \{ workers: 2 \}\)\.$/,
    );
    assert.match(oversubscriptionWarning("%%parallel", 9, 2) ?? "", /otherwise --workers 2\.$/);
    assert.match(oversubscriptionWarning("compute", 3, 2) ?? "", /3 workers on 2 cores \(oversubscribed\)/);
    assert.equal(oversubscriptionWarning("compute", 2, 2), undefined);
  });
});
