/**
 * The one-way flow of STYLE.md, checked: each top-level folder (or file) of kernel/src may import
 * only from its own folder and from the layers below it, and no module imports itself back
 * through others. Run it alone: node --test kernel/dist/architecture.test.js
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";

/** Top to bottom. */
const LAYERS: string[][] = [
  ["bench"],
  ["cli"],
  ["notebook"],
  ["server"],
  ["index"],
  ["api", "display"],
  ["magics"],
  ["cell"],
  ["widgets"],
  ["protocol"],
  ["parallel", "gpu", "graph"],
  ["cluster", "pool", "monitor"],
  ["charts"],
  ["executor"],
  ["worker"],
  ["run"],
  ["options", "sync"],
  ["lang", "transfer", "proc"],
  ["output", "format", "errors", "version"],
];

const SRC = path.resolve(__dirname, "..", "src");

function sources(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "fixtures" ? [] : sources(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && !e.name.endsWith(".d.ts") ? [full] : [];
  });
}

/** module (path without .ts, relative to src) → the modules it imports, types included. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const specifier = /(?:from|import\(|require\()\s*"(\.{1,2}\/[^"]+)"/g;
  for (const file of sources()) {
    const mod = path.relative(SRC, file).replace(/\.ts$/, "");
    const deps = [...fs.readFileSync(file, "utf8").matchAll(specifier)].map((m) => {
      const target = path.normalize(path.join(path.dirname(mod), m[1]));
      return fs.existsSync(path.join(SRC, target)) && fs.statSync(path.join(SRC, target)).isDirectory()
        ? `${target}/index`
        : target;
    });
    graph.set(mod, deps);
  }
  return graph;
}

const area = (mod: string) => mod.split("/")[0];
const layerOf = (mod: string) => LAYERS.findIndex((layer) => layer.includes(area(mod)));

test("every source folder has a layer", () => {
  const unplaced = [...importGraph().keys()].filter((m) => layerOf(m) < 0);
  assert.deepEqual(unplaced, [], "add these to LAYERS in architecture.test.ts");
});

test("imports only go down the layers", () => {
  const upward: string[] = [];
  for (const [mod, deps] of importGraph()) {
    for (const dep of deps) {
      if (area(dep) !== area(mod) && layerOf(dep) <= layerOf(mod)) upward.push(`${mod} → ${dep}`);
    }
  }
  assert.deepEqual(upward, []);
});

test("no import cycles between modules", () => {
  const graph = importGraph();
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (mod: string, trail: string[]) => {
    if (state.get(mod) === "done") return;
    if (state.get(mod) === "open") {
      cycles.push([...trail.slice(trail.indexOf(mod)), mod].join(" → "));
      return;
    }
    state.set(mod, "open");
    for (const dep of graph.get(mod) ?? []) visit(dep, [...trail, mod]);
    state.set(mod, "done");
  };
  for (const mod of graph.keys()) visit(mod, []);
  assert.deepEqual(cycles, []);
});

test("only the public API and the kernel read the current cell", () => {
  const readers = [...importGraph()]
    .filter(([, deps]) => deps.includes("cell/current"))
    .map(([mod]) => area(mod))
    .filter((a) => !["api", "display", "server"].includes(a));
  assert.deepEqual(readers, []);
});

test("the worker runtime takes nothing but types from the runner side", () => {
  const worker = sources(path.join(SRC, "worker"));
  for (const file of worker) {
    const text = fs.readFileSync(file, "utf8");
    for (const m of text.matchAll(/^import (type )?[^;]*from "\.\.\/(run|pool)\/[^"]+";/gm)) {
      assert.ok(m[1], `${path.relative(SRC, file)}: ${m[0]} must be import type`);
    }
  }
});
