// Builds the prebuilt JupyterLab extension into paralab_labextension/labextension with
// @jupyterlab/builder. The core package metadata (shared singletons and their versions) comes
// from jupyterlab-core/package.json, a copy of jupyterlab 4.6.6's staging/package.json, so that
// the build needs no Python; `node scripts/build-labextension.mjs --core-path DIR` overrides it.
import { spawnSync } from "node:child_process";
import console from "node:console";
import process from "node:process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const i = args.indexOf("--core-path");
const corePath = i >= 0 ? path.resolve(args[i + 1]) : path.join(here, "jupyterlab-core");
const builder = require.resolve("@jupyterlab/builder/lib/build-labextension.js");
const dev = args.includes("--development") ? ["--development", "--source-map"] : [];
const t0 = Date.now();
const r = spawnSync(process.execPath, [builder, "--core-path", corePath, ...dev, here], {
  stdio: ["ignore", "pipe", "inherit"],
  encoding: "utf8",
});
if (r.status !== 0) {
  process.stdout.write(r.stdout ?? "");
  process.exit(r.status ?? 1);
}
const assets = (r.stdout.match(/^asset .*$/gm) ?? []).join("\n");
if (process.env.PARALAB_VERBOSE) process.stdout.write(r.stdout);
else if (assets) process.stdout.write(assets + "\n");
console.log(
  `paralab-labextension built in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${path.relative(process.cwd(), path.join(here, "paralab_labextension/labextension"))}`,
);
