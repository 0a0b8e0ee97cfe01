import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleRunRecord, sampleScalingRecord } from "./fixtures";
import { describeCompareSlowerTogether, describeScalingSlowerTogether } from "./slower-together";
import { summarizeRun, summarizeScaling } from "./summary";

function comparison(serial: number, parallel: number) {
  const record = sampleRunRecord(2, 8, { compare: true });
  record.compare!.inTaskCpuMs = { serial, parallel };
  return record;
}

test("a comparison whose parallel pass needed 1.9x the CPU for the same work says the cores slowed each other", () => {
  const words = summarizeRun(comparison(160, 304));
  assert.match(
    words,
    /each task needed 1\.9x the CPU time on 2 workers as on one \(in-task CPU, same work\): the cores slowed each other down/,
  );
  assert.match(words, /so the hardware, not the code, holds this speedup down$/);
});

test("the same CPU on either pass, or a little more, says nothing", () => {
  for (const parallel of [150, 160, 190])
    assert.equal(describeCompareSlowerTogether(comparison(160, parallel)), undefined);
  assert.equal(describeCompareSlowerTogether(sampleRunRecord(2, 8, { compare: true })), undefined, "older records");
});

test("a strong scaling series names its worst size on the cores; weak scaling and oversubscribed sizes are not compared", () => {
  const record = sampleScalingRecord(0.1, [1, 2, 4], 4);
  record.points[0].inTaskCpuMs = 100;
  record.points[1].inTaskCpuMs = 105;
  record.points[2].inTaskCpuMs = 190;
  assert.match(summarizeScaling(record), /each task needed 1\.9x the CPU time on 4 workers as on one/);
  assert.equal(describeScalingSlowerTogether({ ...record, cores: 2 }), undefined, "4 workers on 2 cores take turns");
  assert.equal(describeScalingSlowerTogether({ ...record, weak: true }), undefined);
});
