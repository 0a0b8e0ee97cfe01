import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkOptionsObject } from "../options/object";
import { parseOptions } from "../options/words";
import { PARALLEL_OPTIONS } from "./options";
import { planParallel, type PoolDefaults } from "./plan";

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
    assert.deepEqual(api({ cluster: "redis://b" }).cluster, { url: "redis://b", workers: undefined });
    assert.equal(api({ cluster: false }, SESSION).cluster, undefined, "cluster: false stays local");
  });

  const errors: [() => unknown, RegExp][] = [
    [() => magic("--map xs --cluster"), /--cluster without a URL runs on the session's cluster, and none is set/],
    [() => api({ cluster: true }), /options.cluster without a URL .*\(\{ cluster: "redis:\/\/HOST:PORT" \}\)/],
    [() => magic("--map xs --cluster http://a"), /%%parallel: --cluster: "http:\/\/a" is not a cluster URL/],
    [() => magic("--cluster redis://a"), /SPMD cells \(rank, size, comm\) run on the local pool only/],
    [() => magic("", SESSION), /This cell would run on the session's cluster \(%cluster\)/],
    [() => magic("--map xs --processes", SESSION), /--processes chooses the local pool's kind of worker/],
    [() => api({ cluster: "redis://a", share: ["a"] }), /options.share cannot work on a cluster/],
  ];
  for (const [plan, message] of errors) {
    it(`rejects ${message.source.slice(0, 50)}`, () => assert.throws(plan, { name: "MagicOptionError", message }));
  }
});
