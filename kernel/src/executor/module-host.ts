import path from "node:path";
import * as ts from "@tslab/typescript-for-tslab";

/** Root of the `paralab` package (kernel/), whose dist/index.d.ts types `import ... from "paralab"`. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..", "..");

/**
 * Makes `import { display } from "paralab"` type-check in a notebook folder that has no
 * node_modules/paralab, the way tslab fakes node_modules/tslab: the converter's file system
 * sees <cwd>/node_modules/paralab as this package. Call before creating a converter.
 */
export function forwardPackageImports(cwd: string): void {
  const fake = path.join(cwd, "node_modules", "paralab");
  const forward = (p: string): string => {
    const rel = path.relative(fake, p);
    return rel.startsWith("..") || path.isAbsolute(rel) ? p : path.join(PACKAGE_ROOT, rel);
  };
  const sys = ts.sys;
  const { fileExists, readFile, directoryExists, readDirectory, realpath, getDirectories } = sys;
  sys.fileExists = (p) => fileExists.call(sys, forward(p));
  sys.readFile = (p, encoding) => readFile.call(sys, forward(p), encoding);
  sys.directoryExists = (p) => directoryExists.call(sys, forward(p)) || p === path.dirname(fake);
  sys.readDirectory = (p, ...rest) => readDirectory.call(sys, forward(p), ...rest);
  sys.getDirectories = (p) => getDirectories.call(sys, forward(p));
  if (realpath) {
    // Keep the forwarded name so the compiler still treats it as node_modules/paralab.
    sys.realpath = (p) => (forward(p) === p ? realpath.call(sys, p) : p);
  }
}

/**
 * tslab's converter keeps TypeScript's real file and directory watchers, and its debouncing timer
 * stub throws ("Unexpected pending rebuildTimer") when a second change arrives before the next
 * cell runs, e.g. while npm installs into node_modules. Thrown from a watcher callback, that would
 * take the kernel down. The pending rebuild still runs with the next cell, so the extra event can
 * be dropped.
 */
export function guardCompilerWatchers(): void {
  const sys = ts.sys;
  const guard =
    <A extends unknown[]>(callback: (...args: A) => void) =>
    (...args: A) => {
      try {
        callback(...args);
      } catch (e) {
        if (!/pending rebuildTimer|unexpected tiemr/.test(String((e as Error)?.message))) throw e;
      }
    };
  const { watchFile, watchDirectory } = sys;
  if (watchFile) sys.watchFile = (path, callback, ...rest) => watchFile.call(sys, path, guard(callback), ...rest);
  if (watchDirectory) {
    sys.watchDirectory = (path, callback, ...rest) => watchDirectory.call(sys, path, guard(callback), ...rest);
  }
}
