/**
 * V8 code cache for the one big file the kernel loads at start: the TypeScript compiler
 * (@tslab/typescript-for-tslab/lib/typescript.js, 8 MB). Node 20 has no module.enableCompileCache
 * (Node 22+), so the file is compiled here through vm.Script with `cachedData`, and the cache is
 * written with script.createCachedData() once the kernel is ready: by then it also holds the
 * functions V8 compiled lazily while the kernel built its first program, which a cache produced
 * at compile time (produceCachedData, as the v8-compile-cache package does) would not.
 *
 * Measured on 2 cores under load (1.1–3.6) from other work, cache vs none, alternating:
 * - in one process, loading the kernel's modules: 250–340 → 165–230 ms; building the first program:
 *   ~50–100 ms less; process start → ready: 1230–1370 → 1070–1280 ms;
 * - kernel start-up through jupyter_client (medians, 8–12 starts each): 2735 → 2393 ms and
 *   2654 → 1938 ms; the first cell after start is not slower (1+1: 52 → 49 ms, a new source:
 *   67 → 56 ms).
 * What is left is mostly the first program itself (~0.9 s: parsing and binding lib.*.d.ts and
 * @types/node), which no cache across processes removes. Only typescript.js is cached: caching
 * every module of dist/ and node_modules/ too (174 files) measured no better, since reading many
 * small cache files costs what it saves.
 *
 * The cache lives in $XDG_CACHE_HOME/paralab/v8 (else ~/.cache/paralab/v8, else the temp dir);
 * its file name hashes the file's path, size and mtime, the Node version and arch, and node's
 * flags (V8 rejects a cache made under other flags). Anything wrong with it (missing, corrupt,
 * rejected by V8, unwritable directory) falls back silently to a normal load.
 * PARALAB_CODE_CACHE=0 turns it off.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import Module from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import vm from "node:vm";

interface Entry {
  script: vm.Script;
  cacheFile: string;
  /** True when the cache was used as it is: nothing to write. */
  accepted: boolean;
}

export interface CodeCache {
  /** Writes the caches that were missing or rejected; never throws. Returns how many were written. */
  save(): number;
  /** Loaded files and whether their cache was accepted. */
  readonly entries: readonly { filename: string; accepted: boolean }[];
  /** Undoes the hook (for tests). */
  uninstall(): void;
}

type CompileFn = (this: Module, content: string, filename: string) => unknown;
interface ModuleInternals {
  prototype: { _compile: CompileFn };
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: unknown): string;
  _cache: NodeJS.Dict<Module>;
  _extensions: NodeJS.RequireExtensions;
}

/** $XDG_CACHE_HOME/paralab/v8, else ~/.cache/paralab/v8, else <temp dir>/paralab/v8. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || (os.homedir() ? path.join(os.homedir(), ".cache") : os.tmpdir());
  return path.join(base, "paralab", "v8");
}

/** Files the kernel caches: the TypeScript compiler. */
export const isTypescriptCompiler = (filename: string): boolean =>
  /[\\/]typescript-for-tslab[\\/]lib[\\/]typescript\.js$/.test(filename);

function cacheFileFor(dir: string, filename: string): string | undefined {
  try {
    const st = fs.statSync(filename);
    const key = [
      filename,
      st.size,
      st.mtimeMs,
      process.version,
      process.arch,
      process.execArgv.join(" "),
      process.env.NODE_OPTIONS ?? "",
    ].join("\0");
    const hash = createHash("sha256").update(key).digest("hex").slice(0, 32);
    return path.join(dir, `${path.basename(filename)}-${hash}.cache`);
  } catch {
    return undefined;
  }
}

/** Each paralab or Node upgrade adds a cache (~3 MB); the newest KEEP per file are kept. */
const KEEP = 3;

function pruneSiblings(cacheFile: string): void {
  try {
    const dir = path.dirname(cacheFile);
    const prefix = path.basename(cacheFile).replace(/-[0-9a-f]+\.cache$/, "-");
    const siblings = fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith(".cache"))
      .map((f) => ({ f, mtime: fs.statSync(path.join(dir, f)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const { f } of siblings.slice(KEEP)) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    // Pruning is housekeeping only.
  }
}

/**
 * Hooks Module.prototype._compile so that files matching `include` compile through vm.Script with
 * a cache from `dir`. Must run before those files are first required.
 */
export function installCodeCache(
  include: (filename: string) => boolean = isTypescriptCompiler,
  dir: string = defaultCacheDir(),
): CodeCache {
  const M = Module as unknown as ModuleInternals;
  const original = M.prototype._compile;
  const entries: Entry[] = [];
  const loaded: { filename: string; accepted: boolean }[] = [];
  M.prototype._compile = function (this: Module, content: string, filename: string): unknown {
    return compile(this, content, filename);
  };
  function compile(mod: Module, content: string, filename: string): unknown {
    const cacheFile = include(filename) ? cacheFileFor(dir, filename) : undefined;
    if (cacheFile === undefined) return original.call(mod, content, filename);
    let cachedData: Buffer | undefined;
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined; // no cache yet (or unreadable): compile normally, save later
    }
    let script: vm.Script;
    try {
      script = new vm.Script(Module.wrap(content), { filename, cachedData });
    } catch {
      return original.call(mod, content, filename);
    }
    const accepted = cachedData !== undefined && !script.cachedDataRejected;
    entries.push({ script, cacheFile, accepted });
    loaded.push({ filename, accepted });
    // What Node's own _compile passes to the module wrapper; the files cached here (typescript.js)
    // use require() for built-ins only, so this require needs no more than resolve/cache/main.
    const req = ((id: string) => mod.require(id)) as NodeJS.Require;
    req.resolve = ((request: string, options?: unknown) =>
      M._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
    req.cache = M._cache;
    req.extensions = M._extensions;
    req.main = require.main;
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(mod.exports, mod.exports, req, mod, filename, path.dirname(filename));
  }
  return {
    entries: loaded,
    save() {
      let written = 0;
      for (const e of entries) {
        if (e.accepted) continue;
        try {
          const data = e.script.createCachedData();
          fs.mkdirSync(dir, { recursive: true });
          // Write then rename: a kernel starting meanwhile reads the old file or the new one, never half.
          const tmp = `${e.cacheFile}.${process.pid}.tmp`;
          fs.writeFileSync(tmp, data);
          fs.renameSync(tmp, e.cacheFile);
          e.accepted = true;
          written++;
          pruneSiblings(e.cacheFile);
        } catch {
          // An unwritable cache dir costs the next start the compile, nothing more.
        }
      }
      return written;
    },
    uninstall() {
      M.prototype._compile = original;
    },
  };
}
