import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dropValueDeclarations } from "./declarations";

describe("dropValueDeclarations", () => {
  const cases: [string, string, string][] = [
    ["declare const out = 1;\ndeclare let p: number;\n", "out", "\ndeclare let p: number;\n"],
    ["declare const out = 1, other = 2;\n", "out", "declare const other = 2;\n"],
    ["declare const other = 2, out = 1;\n", "out", "declare const other = 2;\n"],
    ["declare function f(): void;\ndeclare function f(x: number): void;\n", "f", "\n"],
    ["declare class K {\n}\ndeclare enum E {\n    A = 0\n}\n", "K", "\ndeclare enum E {\n    A = 0\n}\n"],
    ["declare namespace N {\n    const z = 1;\n}\n", "N", "\n"],
    ["import { cpus, arch } from 'os';\n", "cpus", "import { arch } from 'os';\n"],
    ["import { cpus } from 'os';\n", "cpus", "\n"],
    ["import fs, { readFileSync } from 'fs';\n", "fs", "import { readFileSync } from 'fs';\n"],
    ["import * as os from 'os';\n", "os", "\n"],
    ["interface out {\n}\ntype out2 = 1;\n", "out", "interface out {\n}\ntype out2 = 1;\n"],
    ["declare let outer: number;\n", "out", "declare let outer: number;\n"],
  ];
  for (const [dts, name, expected] of cases) {
    it(`drops ${name} from ${JSON.stringify(dts)}`, () => assert.equal(dropValueDeclarations(dts, name), expected));
  }
});
