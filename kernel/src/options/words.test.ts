import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatUsage } from "./usage";
import { OptionSpec } from "./spec";
import { parseOptions, splitArgs, splitWords } from "./words";

const specs: OptionSpec[] = [
  { flag: "--workers", type: "int", metavar: "N", help: "pool size", example: "4" },
  { flag: "--no-block", type: "flag", help: "return at once" },
  { flag: "--schedule", type: "choice", choices: ["dynamic", "static"], help: "scheduling" },
  { flag: "--in", type: "list", metavar: "a,b", help: "variables" },
  { flag: "--scaling", type: "intList", metavar: "1,2,4", help: "sizes" },
  { flag: "--timeout", type: "number", metavar: "S", help: "seconds" },
  { flag: "--constants", type: "keyValues", metavar: "k=v", help: "constants" },
];

describe("parseOptions", () => {
  it("parses every option type into fields named after the flags", () => {
    const parsed = parseOptions(
      "%%parallel",
      ["--workers", "4", "--no-block", "--schedule=static", "--in", "a,b", "--scaling", "1,2", "--timeout", "1.5"],
      specs,
    );
    assert.deepEqual(parsed, {
      workers: 4,
      noBlock: true,
      schedule: "static",
      in: ["a", "b"],
      scaling: [1, 2],
      timeout: 1.5,
    });
    assert.deepEqual(parseOptions("%%gpu", ["--constants", "n=3,k=0.5"], specs), { constants: { n: 3, k: 0.5 } });
  });

  const errors: [string[], RegExp][] = [
    [["--workers", "0"], /%%parallel: --workers must be a positive integer, got "0". Try: %%parallel --workers 4$/],
    [["--worker", "2"], /%%parallel: unknown option --worker. Did you mean --workers\? Valid options: --workers, /],
    [["--workers"], /--workers needs a value/],
    [["--workers", "--no-block"], /--workers needs a value/],
    [["--schedule", "random"], /--schedule must be one of dynamic, static, got "random"/],
    [["--in", "a,1b"], /--in must be a comma-separated list of variable names/],
    [["--no-block=1"], /--no-block is a flag and takes no value/],
    [["--workers", "2", "--workers", "3"], /--workers is given twice/],
    [["stray"], /unexpected argument "stray"/],
    [["--timeout", "-1"], /--timeout must be a positive number/],
    [["--constants", "n"], /--constants must be comma-separated name=number pairs/],
  ];
  for (const [args, message] of errors) {
    it(`rejects ${args.join(" ")}`, () => assert.throws(() => parseOptions("%%parallel", args, specs), message));
  }

  it("takes an expression up to the next option, quotes kept", () => {
    const specs2: OptionSpec[] = [...specs, { flag: "--map", type: "expression", help: "items" }];
    const words = (text: string) => splitWords(text);
    assert.deepEqual(parseOptions("%%parallel", words("--map new Set([1, 2]) --workers 2"), specs2), {
      map: "new Set([1, 2])",
      workers: 2,
    });
    assert.deepEqual(parseOptions("%%parallel", words("--map 'abc'"), specs2), { map: "'abc'" });
  });

  it("takes an optional value: alone it is true, before a non-option word that word", () => {
    const cluster: OptionSpec = { flag: "--cluster", type: "optionalString", metavar: "URL", help: "cluster" };
    const all = [...specs, cluster];
    assert.deepEqual(parseOptions("%%parallel", ["--cluster"], all), { cluster: true });
    assert.deepEqual(parseOptions("%%parallel", ["--cluster", "--workers", "2"], all), { cluster: true, workers: 2 });
    assert.deepEqual(parseOptions("%%parallel", ["--cluster", "redis://h:1/q", "--no-block"], all), {
      cluster: "redis://h:1/q",
      noBlock: true,
    });
    assert.deepEqual(parseOptions("%%parallel", ["--cluster=redis://h"], all), { cluster: "redis://h" });
    assert.match(formatUsage("%%parallel", "", "", [cluster]), /--cluster \[URL\] {2}cluster/);
  });

  it("accepts Unicode variable names, as TypeScript does", () => {
    assert.deepEqual(parseOptions("%%parallel", ["--in", "ñ,数据"], specs), { in: ["ñ", "数据"] });
  });

  it("suggests quotes for a value with spaces", () => {
    assert.throws(
      () => parseOptions("%%parallel", ["--timeout", "1", "two"], specs),
      /unexpected argument "two".*put the value in quotes: --timeout/,
    );
  });

  it("names errors MagicOptionError", () => {
    assert.throws(() => parseOptions("%%parallel", ["--nope"], specs), { name: "MagicOptionError" });
  });
});

describe("formatUsage", () => {
  it("lists each option with its help, and --help", () => {
    const text = formatUsage("%%parallel", "[options]", "Runs the body on the pool.", specs);
    assert.match(text, /^Usage: %%parallel \[options\]/);
    assert.match(text, /--workers N\s+pool size/);
    assert.match(text, /--schedule dynamic\|static\s+scheduling/);
    assert.match(text, /--help\s+show this help and exit/);
  });
});

describe("splitArgs", () => {
  const table: [string, string[]][] = [
    ["--a 1 --b two", ["--a", "1", "--b", "two"]],
    [`--title "two words" --x 'y z'`, ["--title", "two words", "--x", "y z"]],
    [String.raw`a\ b`, ["a b"]],
    ["  ", []],
    ["--map [1, 2, 3] --as x", ["--map", "[1, 2, 3]", "--as", "x"]],
    ["--map ['a b', \"c\"]", ["--map", "['a b', \"c\"]"]],
    ["--map Array.from({ length: 8 }, (_, i) => i)", ["--map", "Array.from({ length: 8 }, (_, i) => i)"]],
  ];
  for (const [input, expected] of table) {
    it(`splits ${JSON.stringify(input)}`, () => assert.deepEqual(splitArgs(input), expected));
  }

  it("rejects an unterminated quote", () => {
    assert.throws(() => splitArgs('--title "oops'), /unterminated " quote in the magic's options/);
  });
});
