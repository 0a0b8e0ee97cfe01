/**
 * tslab compiles a reference to an earlier cell's declaration `f` as `exports.f`, so a kernel
 * function's source (Function.prototype.toString) reads `exports.f(x)`. A worker has no such
 * `exports`; turning it back into `f` lets the usual free-variable search find `f` and send it.
 */
import * as ts from "@tslab/typescript-for-tslab";

/** `exports.f` → `f` wherever `exports` is not declared inside the source itself. */
export function unexport(source: string): string {
  if (!source.includes("exports.")) return source;
  const wrapped = `(${source})`;
  const file = ts.createSourceFile("f.js", wrapped, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  let declaresExports = false;
  const spans: { start: number; end: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isParameter(node) || ts.isVariableDeclaration(node)) &&
      ts.isIdentifier(node.name) &&
      node.name.text === "exports"
    ) {
      declaresExports = true;
    }
    if (
      ts.isPropertyAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "exports" &&
      ts.isIdentifier(node.name)
    ) {
      spans.push({ start: node.expression.getStart(file), end: node.name.getStart(file) });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  if (declaresExports || spans.length === 0) return source;
  let out = wrapped;
  for (const s of spans.sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + out.slice(s.end);
  return out.slice(1, -1);
}
