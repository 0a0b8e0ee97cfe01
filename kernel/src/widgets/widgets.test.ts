/**
 * The widget protocol (messaging spec 2.1) against a recorded comm layer: what the kernel sends
 * when it creates and changes a model, and what it does with the frontend's update,
 * request_state, custom and request_states messages, binary buffers included.
 * Run alone: node --test kernel/dist/widgets/widgets.test.js
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { CommManager } from "../protocol/comms";
import type { JupyterMessage } from "../protocol/messages";
import { makeHeader } from "../protocol/wire";
import { putBuffers, removeBuffers } from "./buffers";
import { CONTROL_TARGET, WIDGET_TARGET, WidgetManager } from "./manager";
import { MODELS } from "./models.generated";

interface Sent {
  type: string;
  content: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  buffers: Buffer[];
}

function setup() {
  const sent: Sent[] = [];
  const comms = new CommManager((type, content, _parent, extra) =>
    sent.push({
      type,
      content: content as Record<string, unknown>,
      metadata: extra?.metadata,
      buffers: extra?.buffers ?? [],
    }),
  );
  const manager = new WidgetManager(comms);
  const frontend = (type: string, content: Record<string, unknown>, buffers: Buffer[] = []) => {
    const msg: JupyterMessage = {
      identities: [],
      header: makeHeader(type, "test"),
      parent_header: {},
      metadata: {},
      content,
      buffers,
    };
    if (type === "comm_open") return Promise.resolve(comms.handleOpen(msg));
    if (type === "comm_close") return Promise.resolve(comms.handleClose(msg));
    return comms.handleMessage(msg);
  };
  const data = (s: Sent) => s.content.data as Record<string, unknown>;
  return { sent, comms, manager, frontend, data };
}

describe("buffers", () => {
  it("takes binary values out of nested state and puts them back", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const floats = new Float64Array([0.5]);
    const state = { x: bytes, y: { z: [floats, 7] }, n: 1 };
    const out = removeBuffers(state);
    assert.deepEqual(out.state, { y: { z: [null, 7] }, n: 1 });
    assert.deepEqual(out.bufferPaths, [["x"], ["y", "z", 0]]);
    assert.equal(out.buffers[1].byteLength, 8);
    assert.ok(state.x === bytes, "the caller's state is not changed");
    const back = JSON.parse(JSON.stringify(out.state)) as Record<string, unknown>;
    putBuffers(back, out.bufferPaths, out.buffers);
    assert.deepEqual([...(back.x as Uint8Array)], [1, 2, 3]);
    assert.equal(((back.y as { z: unknown[] }).z[0] as Uint8Array).byteLength, 8);
  });

  it("names a path that does not fit", () => {
    assert.throws(() => putBuffers({}, [["a", "b"]], [new Uint8Array(1)]), /buffer path \["a","b"\] does not exist/);
  });
});

describe("WidgetManager", () => {
  it("opens a model on jupyter.widget with the specification's defaults, its layout and style, protocol 2.1", () => {
    const { sent, manager, data } = setup();
    const model = manager.create("IntSlider", { value: 3, max: 8 });
    const opens = sent.filter((s) => s.type === "comm_open");
    assert.deepEqual(
      opens.map((o) => (data(o).state as Record<string, unknown>)._model_name),
      ["LayoutModel", "SliderStyleModel", "IntSliderModel"],
    );
    const open = opens[2];
    assert.equal(open.content.target_name, WIDGET_TARGET);
    assert.equal(open.content.comm_id, model.id);
    assert.deepEqual(open.metadata, { version: "2.1.0" });
    const state = data(open).state as Record<string, unknown>;
    assert.equal(state.value, 3);
    assert.equal(state.max, 8);
    assert.equal(state.min, MODELS.IntSlider.defaults.min);
    assert.equal(state.readout_format, "d");
    assert.equal(state._view_name, "IntSliderView");
    assert.equal(state.layout, `IPY_MODEL_${opens[0].content.comm_id}`);
    assert.deepEqual(data(open).buffer_paths, []);
  });

  it("sends a kernel-side change as update and fires observers once per real change", async () => {
    const { sent, manager, data } = setup();
    const model = manager.create("IntSlider");
    const seen: unknown[] = [];
    model.observe((c) => void seen.push([c.name, c.old, c.new]));
    sent.length = 0;
    await model.set({ value: 5 });
    await model.set({ value: 5 });
    assert.deepEqual(seen, [["value", 0, 5]]);
    assert.equal(sent.length, 1);
    assert.deepEqual(data(sent[0]), { method: "update", state: { value: 5 }, buffer_paths: [] });
  });

  it("applies the frontend's update, echoes it, and awaits async observers", async () => {
    const { sent, manager, frontend, data } = setup();
    const model = manager.create("IntSlider");
    let observed = 0;
    model.observe(async (c) => {
      await new Promise((r) => setTimeout(r, 10));
      observed = c.new as number;
    });
    sent.length = 0;
    await frontend("comm_msg", {
      comm_id: model.id,
      data: { method: "update", state: { value: 42 }, buffer_paths: [] },
    });
    assert.equal(model.get("value"), 42);
    assert.equal(observed, 42, "the message's promise settles after its observers");
    assert.deepEqual(data(sent[0]), { method: "echo_update", state: { value: 42 }, buffer_paths: [] });
  });

  it("carries binary buffers both ways (update in, custom out)", async () => {
    const { sent, manager, frontend, data } = setup();
    const model = manager.create("Output");
    const payload = Buffer.from([9, 8, 7, 6]);
    await frontend(
      "comm_msg",
      { comm_id: model.id, data: { method: "update", state: { blob: null }, buffer_paths: [["blob"]] } },
      [payload],
    );
    assert.deepEqual([...(model.get("blob") as Uint8Array)], [9, 8, 7, 6]);
    const echo = sent[sent.length - 1];
    assert.deepEqual(data(echo).buffer_paths, [["blob"]]);
    assert.deepEqual([...echo.buffers[0]], [9, 8, 7, 6]);
    let got: unknown;
    model.onCustom((content, buffers) => void (got = [content, [...buffers[0]]]));
    await frontend("comm_msg", { comm_id: model.id, data: { method: "custom", content: { event: "x" } } }, [payload]);
    assert.deepEqual(got, [{ event: "x" }, [9, 8, 7, 6]]);
    model.sendCustom({ hello: 1 }, [new Float32Array([1])]);
    const custom = sent[sent.length - 1];
    assert.deepEqual(data(custom), { method: "custom", content: { hello: 1 } });
    assert.equal(custom.buffers[0].byteLength, 4);
  });

  it("answers request_state with the whole state", async () => {
    const { sent, manager, frontend, data } = setup();
    const model = manager.create("Checkbox", { value: true });
    sent.length = 0;
    await frontend("comm_msg", { comm_id: model.id, data: { method: "request_state" } });
    const state = data(sent[0]).state as Record<string, unknown>;
    assert.equal(data(sent[0]).method, "update");
    assert.equal(state.value, true);
    assert.equal(state._model_name, "CheckboxModel");
  });

  it("answers request_states on jupyter.widget.control with every model", async () => {
    const { sent, manager, frontend, data } = setup();
    const slider = manager.create("IntSlider", { value: 2 });
    await frontend("comm_open", { comm_id: "ctl", target_name: CONTROL_TARGET, data: {} });
    sent.length = 0;
    await frontend("comm_msg", { comm_id: "ctl", data: { method: "request_states" } });
    const reply = data(sent[0]);
    assert.equal(reply.method, "update_states");
    const states = reply.states as Record<string, { model_name: string; state: Record<string, unknown> }>;
    assert.equal(Object.keys(states).length, 3, "the slider, its layout and its style");
    assert.equal(states[slider.id].model_name, "IntSliderModel");
    assert.equal(states[slider.id].state.value, 2);
  });

  it("keeps a model the frontend opens, and says a closed model is closed", async () => {
    const { manager, frontend } = setup();
    await frontend("comm_open", {
      comm_id: "f1",
      target_name: WIDGET_TARGET,
      data: { state: { _model_name: "IntTextModel", value: 1 }, buffer_paths: [] },
    });
    const model = manager.get("f1");
    assert.equal(model?.get("value"), 1);
    await frontend("comm_close", { comm_id: "f1", data: {} });
    assert.equal(manager.get("f1"), undefined);
    assert.throws(
      () => model!.set({ value: 2 }),
      /IntText widget f1: its comm \(f1, target "jupyter.widget"\) is closed/,
    );
  });

  it("saves the open models as nbformat widget state, buffers in base64", () => {
    const { manager } = setup();
    const model = manager.create("Output");
    void model.set({ blob: new Uint8Array([255]) });
    const saved = manager.embedState();
    assert.equal(saved.version_major, 2);
    const entry = saved.state[model.id];
    assert.equal(entry.model_module, "@jupyter-widgets/output");
    assert.deepEqual(entry.buffers, [{ path: ["blob"], data: "/w==", encoding: "base64" }]);
  });
});

describe("models.generated.ts", () => {
  it("is what the generator writes from @jupyter-widgets/schema", () => {
    const script = path.resolve(__dirname, "..", "..", "scripts", "gen-widget-models.mjs");
    execFileSync(process.execPath, [script, "--check"], { stdio: "pipe" });
  });
});
