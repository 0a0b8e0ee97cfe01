/**
 * The widgets API against a recorded comm layer (no Jupyter): typed controls, selection values,
 * Output's capture (streams, display updates, clear), interact's controls, and the errors.
 * Run alone: node --test kernel/dist/api/widgets.test.js
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enterCell } from "../cell/current";
import type { CellScope } from "../cell/scope";
import { afterReplyAtOnce, type OutputSink } from "../output";
import { CommManager } from "../protocol/comms";
import { registerWidgetTargets } from "../widgets/manager";
import { interact } from "./interact";
import { Button, Dropdown, IntSlider, Output, VBox } from "./widgets";

const sent: { type: string; content: Record<string, unknown> }[] = [];
registerWidgetTargets(
  new CommManager((type, content) => sent.push({ type, content: content as Record<string, unknown> })),
);

/** A cell scope with just what the widgets use: its sink records what the cell shows. */
function inCell<T>(work: () => Promise<T>): Promise<{ value: T; shown: unknown[] }> {
  const shown: unknown[] = [];
  const sink: OutputSink = {
    afterReply: afterReplyAtOnce,
    stream: (name, text) => shown.push([name, text]),
    display: (c) => shown.push(c.data),
    clear: () => undefined,
    result: (data) => shown.push(data),
  };
  const background: Promise<void>[] = [];
  let restDone!: () => void;
  const rest = new Promise<void>((r) => (restDone = r));
  const scope = {
    sink,
    signal: new AbortController().signal,
    showValue: (v: unknown) => shown.push(v),
    outputNow: () => sink,
    background: (task: (rest: Promise<void>) => Promise<void>) => void background.push(task(rest)),
  } as unknown as CellScope;
  const leave = enterCell(scope);
  return work()
    .then(async (value) => {
      restDone();
      await Promise.all(background);
      return { value, shown };
    })
    .finally(leave);
}

describe("widgets API", () => {
  it("has the specification's attributes as typed properties, synced with the model", async () => {
    await inCell(async () => {
      const s = new IntSlider({ value: 3, max: 8 });
      assert.equal(s.value, 3);
      assert.equal(s.step, 1);
      assert.equal(s.readout_format, "d");
      const seen: number[] = [];
      s.observe("value", (c) => void seen.push(c.new));
      s.value = 5;
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(seen, [5]);
      assert.equal(String(s), "IntSlider(description='', value=5, min=0, max=8)");
    });
  });

  it("refuses an option the model does not have, naming the ones it has", async () => {
    await inCell(async () => {
      assert.throws(
        () => new IntSlider({ valu: 3 } as never),
        /widgets\.IntSlider: it has no option "valu"\. Its options: .*value/,
      );
    });
  });

  it("gives a selection's value and label from its index, and observes them", async () => {
    await inCell(async () => {
      const d = new Dropdown({
        options: [
          ["static", 1],
          ["dynamic", 2],
        ] as const,
        value: 2,
      });
      assert.equal(d.index, 1);
      assert.equal(d.label, "dynamic");
      const seen: unknown[] = [];
      d.observe("value", (c) => void seen.push([c.old, c.new]));
      d.value = 1;
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(seen, [[2, 1]]);
      assert.throws(() => (d.value = 3 as never), /3 is not one of its options \(1, 2\)/);
    });
  });

  it("keeps children as widgets and a closed widget says so", async () => {
    await inCell(async () => {
      const a = new Button({ description: "a" });
      const box = new VBox({ children: [a] });
      assert.equal(box.children[0], a);
      a.close();
      assert.throws(() => (a.description = "b"), /Button widget .*: its comm .* is closed/);
    });
  });

  it("Output captures streams, displays and their updates; a pending clear keeps the new display's id", async () => {
    const { shown } = await inCell(async () => {
      const out = new Output();
      await out.capture(async () => {
        console.log("one");
        console.log("two");
      });
      assert.deepEqual(out.outputs, [{ output_type: "stream", name: "stdout", text: "one\ntwo\n" }]);
      // clear: true empties the widget when the next output comes, and that output's display id still updates it
      await out.capture(
        async () => {
          const { display } = await import("../display");
          display.bundle({ "text/plain": "live" }, { displayId: "d1" });
          display.update("d1", { "text/plain": "final" });
        },
        { clear: true },
      );
      assert.deepEqual(out.outputs, [{ output_type: "display_data", data: { "text/plain": "final" }, metadata: {} }]);
      await assert.rejects(
        out.capture(() => {
          throw new RangeError("boom");
        }),
        /boom/,
      );
      assert.match(String(out.outputs[out.outputs.length - 1].text), /RangeError: boom/);
    });
    assert.deepEqual(shown, [], "nothing of the captures went to the cell");
  });

  it("interact builds a control per spec entry and runs fn once after the cell's own code", async () => {
    const calls: unknown[] = [];
    const { value: it } = await inCell(async () => {
      const ui = interact(
        (v) => void calls.push(v),
        { workers: [1, 8], rate: [0, 1, 0.1], mode: ["a", "b"], on: true },
        {
          display: false,
        },
      );
      assert.deepEqual(calls, [], "not before the rest of the cell");
      return ui;
    });
    assert.deepEqual(calls, [{ workers: 5, rate: 0.5, mode: "a", on: true }]);
    assert.equal(it.controls.workers.constructor.name, "IntSlider");
    assert.equal(it.controls.rate.constructor.name, "FloatSlider");
    assert.throws(() => interact(() => undefined, { x: [3, 1] }, { display: false }), /"x": \[3, 1\] needs min < max/);
  });
});
