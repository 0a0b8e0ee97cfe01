import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { installCodeCache, isTypescriptCompiler, type CodeCache } from "./code-cache";

describe("installCodeCache", () => {
  let dir: string;
  let file: string;
  let cacheDir: string;
  let cache: CodeCache | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "paralab-code-cache-"));
    file = path.join(dir, "lib.js");
    cacheDir = path.join(dir, "cache");
    fs.writeFileSync(path.join(dir, "helper.js"), "module.exports = 20;");
    fs.writeFileSync(
      file,
      'const os = require("os"); const helper = require("./helper");\n' +
        "function late() { return helper + 1; }\n" +
        "module.exports = { answer: () => late() * 2, dir: __dirname, eol: os.EOL, self: require.resolve('./lib') };",
    );
  });
  afterEach(() => {
    cache?.uninstall();
    cache = undefined;
    delete require.cache[file];
    delete require.cache[path.join(dir, "helper.js")];
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Loads the fixture through the hook in a fresh node, as a kernel start does (in one process V8's
   * own in-memory compilation cache would answer instead of the cache file), checks that it works
   * as a normal load would, then saves. Returns whether the cache was used and how many were written.
   */
  function load(at = cacheDir): { accepted: boolean; saved: number } {
    const script = `
      const { installCodeCache } = require(${JSON.stringify(require.resolve("./code-cache"))});
      const file = ${JSON.stringify(file)};
      const cache = installCodeCache((f) => f === file, ${JSON.stringify(at)});
      const lib = require(file);
      const ok = lib.answer() === 42 && lib.dir === ${JSON.stringify(dir)} && lib.self === file && lib.eol === require("os").EOL;
      const accepted = cache.entries.length === 1 && cache.entries[0].accepted;
      const saved = cache.save();
      if (cache.save() !== 0) throw new Error("saved twice");
      process.stdout.write(JSON.stringify({ ok, accepted, saved }));`;
    const out = JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" })) as {
      ok: boolean;
      accepted: boolean;
      saved: number;
    };
    assert.equal(out.ok, true, "the module loads as it would without the hook");
    return { accepted: out.accepted, saved: out.saved };
  }

  it("compiles without a cache, writes it, then uses it", () => {
    assert.deepEqual(load(), { accepted: false, saved: 1 });
    assert.equal(fs.readdirSync(cacheDir).length, 1);
    assert.deepEqual(load(), { accepted: true, saved: 0 }, "an accepted cache is not rewritten");
  });

  it("falls back to a normal load when the cache is corrupt, and replaces it", () => {
    load();
    const [name] = fs.readdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, name), "not a V8 code cache");
    assert.deepEqual(load(), { accepted: false, saved: 1 });
    assert.deepEqual(load(), { accepted: true, saved: 0 });
  });

  it("a new cache when the file changes", () => {
    load();
    fs.appendFileSync(file, "\n// changed");
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    assert.deepEqual(load(), { accepted: false, saved: 1 });
    assert.equal(fs.readdirSync(cacheDir).length, 2);
  });

  it("keeps the newest three caches of a file", () => {
    for (let i = 1; i <= 5; i++) {
      fs.appendFileSync(file, `\n// change ${i}`);
      fs.utimesSync(file, new Date(), new Date(Date.now() + i * 5_000));
      assert.deepEqual(load(), { accepted: false, saved: 1 });
    }
    assert.equal(fs.readdirSync(cacheDir).length, 3);
    assert.deepEqual(load(), { accepted: true, saved: 0 }, "the newest is among them");
  });

  it("loads normally and saves nothing, silently, when the cache dir cannot be written", () => {
    const blocked = path.join(dir, "a-file");
    fs.writeFileSync(blocked, "");
    assert.deepEqual(load(path.join(blocked, "cache")), { accepted: false, saved: 0 });
  });

  it("leaves other files to Node", () => {
    cache = installCodeCache(() => false, cacheDir);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    assert.equal((require(file) as { answer(): number }).answer(), 42);
    assert.deepEqual(cache.entries, []);
    assert.equal(fs.existsSync(cacheDir), false);
  });

  it("matches the TypeScript compiler the kernel loads", () => {
    assert.equal(isTypescriptCompiler(require.resolve("@tslab/typescript-for-tslab")), true);
    assert.equal(isTypescriptCompiler(require.resolve("typescript")), false);
  });
});
