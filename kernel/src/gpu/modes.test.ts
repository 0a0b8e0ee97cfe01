import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GPU_MODES, ModeProbe, pickAutoMode, probeModes, workingModes } from "./modes";

describe("probeModes", () => {
  it("reports every mode, webasm and cpu working, each failure with its real reason", async () => {
    const probes = await probeModes();
    assert.deepEqual(
      probes.map((p) => p.mode),
      [...GPU_MODES],
    );
    const byMode = Object.fromEntries(probes.map((p) => [p.mode, p]));
    assert.equal(byMode.webasm.works, true, byMode.webasm.reason);
    assert.equal(byMode.cpu.works, true, byMode.cpu.reason);
    for (const probe of probes.filter((p) => !p.works)) {
      assert.ok(probe.reason && probe.reason.length > 10, `${probe.mode} has no reason`);
    }
  });

  it("explains the modes this machine lacks from the failure itself", async () => {
    const byMode = Object.fromEntries((await probeModes()).map((p) => [p.mode, p]));
    if (!byMode.headlessgl.works) assert.match(byMode.headlessgl.reason!, /"gl"|context/);
    if (!byMode.webgpu.works) assert.match(byMode.webgpu.reason!, /Dawn|adapter|webgpu/i);
    if (!byMode.gpu.works) assert.match(byMode.gpu.reason!, /no GL back end/);
  });

  it("is computed once", async () => {
    assert.equal(await probeModes(), await probeModes());
  });
});

describe("pickAutoMode", () => {
  const probes = (working: string[]): ModeProbe[] =>
    GPU_MODES.map((mode) => ({ mode, works: working.includes(mode), probeMs: 0 }));
  const table: [string[], string][] = [
    [["webasm", "cpu"], "webasm"],
    [["gpu", "webgpu", "headlessgl", "webasm", "cpu"], "gpu"],
    [["webgpu", "cpu"], "webgpu"],
    [["headlessgl", "webasm", "cpu"], "headlessgl"],
    [["cpu"], "cpu"],
    [[], "cpu"],
  ];
  for (const [working, expected] of table) {
    it(`picks ${expected} from [${working.join(", ")}]`, () => {
      assert.equal(pickAutoMode(probes(working)), expected);
    });
  }

  it("lists working modes fastest first", () => {
    assert.deepEqual(workingModes(probes(["cpu", "webasm", "gpu"])), ["gpu", "webasm", "cpu"]);
  });
});
