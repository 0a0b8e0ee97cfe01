import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCell } from "./parse";
import { resolveMagic } from "./resolve";
import { workersMagic } from "./workers-magic";

function resolveLine(line: string) {
  const [segment] = parseCell(line);
  assert.equal(segment.type, "magic");
  return resolveMagic((segment as Extract<typeof segment, { type: "magic" }>).call, [workersMagic]);
}

test("a magic's positional words leave option values to their options", () => {
  const cases: [string, string[], Record<string, unknown>][] = [
    ["%workers 4", ["4"], {}],
    ["%workers --memory 2048", [], { memory: 2048 }],
    ["%workers 4 --memory 512 --no-memory-check", ["4"], { memory: 512, noMemoryCheck: true }],
    ["%workers --memory 512 restart", ["restart"], { memory: 512 }],
  ];
  for (const [line, positional, options] of cases) {
    const r = resolveLine(line);
    assert.deepEqual(r.positional, positional, line);
    assert.deepEqual(r.options, options, line);
  }
});

test("%workers --memory refuses a value below 16 MB", () => {
  assert.throws(() => resolveLine("%workers --memory 8"), { name: "MagicOptionError", message: /--memory/ });
});
