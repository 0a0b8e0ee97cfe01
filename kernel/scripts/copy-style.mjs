// Copies the shared stylesheets of the repository's style/ into dist/style/, where the HTML
// report (src/notebook/html.ts) reads them, in a clone and in the published package alike
// (the package holds dist/ but not the repository's top level).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const kernel = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const from = path.join(kernel, "..", "style");
const to = path.join(kernel, "dist", "style");
const names = fs.readdirSync(from).filter((n) => n.endsWith(".css"));
fs.mkdirSync(to, { recursive: true });
for (const name of fs.readdirSync(to)) if (!names.includes(name)) fs.rmSync(path.join(to, name));
for (const name of names) {
  const css = fs.readFileSync(path.join(from, name));
  const target = path.join(to, name);
  // Unchanged files keep their time: the labextension build is skipped when dist/ is older.
  if (!fs.existsSync(target) || !fs.readFileSync(target).equals(css)) fs.writeFileSync(target, css);
}
