// Copies the shared stylesheets of the repository's style/ into dist/style/, where the HTML
// report (src/notebook/html.ts) reads them, in a clone and in the published package alike
// (the package holds dist/ but not the repository's top level).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const kernel = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const from = path.join(kernel, "..", "style");
const to = path.join(kernel, "dist", "style");
fs.rmSync(to, { recursive: true, force: true });
fs.mkdirSync(to, { recursive: true });
for (const name of fs.readdirSync(from).filter((n) => n.endsWith(".css"))) {
  fs.copyFileSync(path.join(from, name), path.join(to, name));
}
