// Builds the prebuilt JupyterLab extension with @jupyterlab/builder into ../kernel/labextension
// (package.json `jupyterlab.outputDir`): the extension travels inside the `paralab` npm package,
// and `paralab install` copies it where JupyterLab finds it. install.json, which tells
// `jupyter labextension list` and `uninstall` who installed it, is added after the builder
// (which empties the output directory).
// The core package metadata (shared singletons and their versions) comes from
// jupyterlab-core/package.json, a copy of jupyterlab 4.6.6's staging/package.json, so that the
// build needs no Python; `--core-path DIR` overrides it. The build is skipped when the output is
// newer than everything it is made from (`--force` builds anyway): `npm install` (prepare),
// `npm start`, `npm test` and `npm pack` all build, and webpack takes a while on 2 cores.
import { spawnSync } from "node:child_process";
import console from "node:console";
import fs from "node:fs";
import process from "node:process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const pkg = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8"));
const outputDir = path.join(here, pkg.jupyterlab.outputDir);
const args = process.argv.slice(2);
const i = args.indexOf("--core-path");
const corePath = i >= 0 ? path.resolve(args[i + 1]) : path.join(here, "jupyterlab-core");
const dev = args.includes("--development") ? ["--development", "--source-map"] : [];
const shown = path.relative(process.cwd(), outputDir);

/** What the bundle is made from: our sources and styles, and paralab/charts with whatever it
 * imports from the kernel's dist (tsc rewrites only the files that changed). */
const INPUTS = [
  "lib",
  "style",
  "schema",
  "package.json",
  "install.json",
  path.relative(here, corePath),
  "../style",
  "../kernel/dist",
  "../package-lock.json",
  "scripts/build-labextension.mjs",
];

function newestMtimeMs(p) {
  let stat;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtimeMs(path.join(p, entry)));
  return newest;
}

function upToDate() {
  const built = path.join(outputDir, "install.json"); // written last
  if (!fs.existsSync(built) || args.includes("--force") || dev.length > 0) return false;
  const builtMs = fs.statSync(built).mtimeMs;
  return INPUTS.every((p) => newestMtimeMs(path.resolve(here, p)) < builtMs);
}

if (upToDate()) {
  console.log(`paralab-labextension is up to date → ${shown}`);
  process.exit(0);
}
const builder = require.resolve("@jupyterlab/builder/lib/build-labextension.js");
const t0 = Date.now();
const r = spawnSync(process.execPath, [builder, "--core-path", corePath, ...dev, here], {
  stdio: ["ignore", "pipe", "inherit"],
  encoding: "utf8",
});
if (r.status !== 0) {
  process.stdout.write(r.stdout ?? "");
  process.exit(r.status ?? 1);
}
fs.copyFileSync(path.join(here, "install.json"), path.join(outputDir, "install.json"));
const assets = (r.stdout.match(/^asset .*$/gm) ?? []).join("\n");
if (process.env.PARALAB_VERBOSE) process.stdout.write(r.stdout);
else if (assets) process.stdout.write(assets + "\n");
console.log(`paralab-labextension built in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${shown}`);
