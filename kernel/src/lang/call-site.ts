/**
 * The cell line of a call, from a stack frame in the cell's compiled JavaScript. tslab rewrites
 * a cell (imports, `exports.x` for declarations, helpers on top) without a source map, so lines
 * do not match; calls do: the k-th call of `delayed` in the JavaScript is the k-th call of
 * `delayed` in the TypeScript, because compiling adds no call to a user's function and removes
 * none (types hold no calls).
 */
import * as ts from "@tslab/typescript-for-tslab";

/** What is called, seen through `(0, paralab_1.delayed)(...)`, which CommonJS output uses for imports. */
function callee(call: ts.CallExpression): ts.Expression {
  let e: ts.Expression = call.expression;
  for (;;) {
    if (ts.isParenthesizedExpression(e)) e = e.expression;
    else if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.CommaToken) e = e.right;
    else return e;
  }
}

/** The called name of a call: `delayed` for delayed(...), paralab.delayed(...), exports.delayed(...). */
function calleeName(call: ts.CallExpression): string | undefined {
  const e = callee(call);
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

/** The position V8 reports for a call: the start of the called name. */
function calleeStart(call: ts.CallExpression, file: ts.SourceFile): number {
  const e = callee(call);
  return ts.isPropertyAccessExpression(e) ? e.name.getStart(file) : e.getStart(file);
}

function calls(file: ts.SourceFile): ts.CallExpression[] {
  const out: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) out.push(node);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out.sort((a, b) => a.getStart(file) - b.getStart(file));
}

export interface CallSite {
  /** 1-based line in the TypeScript. */
  line: number;
  /** The variable the call's value initialises: `load` in `const load = delayed(...)`. */
  assignedTo?: string;
}

/**
 * The call in `tsSource` that `jsSource` makes at (jsLine, jsColumn), both 1-based as in a stack
 * frame; undefined when no call of a name starts there.
 */
export function findCallSite(
  tsSource: string,
  jsSource: string,
  jsLine: number,
  jsColumn: number,
): CallSite | undefined {
  const js = ts.createSourceFile("cell.js", jsSource, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const lineStarts = js.getLineStarts();
  if (jsLine < 1 || jsLine > lineStarts.length) return undefined;
  const pos = lineStarts[jsLine - 1] + jsColumn - 1;
  const jsCalls = calls(js);
  // V8 points at the called name, or at the "(" when the callee is an expression such as
  // `(0, paralab_1.delayed)` (how CommonJS output calls an imported function).
  const at = jsCalls.find((c) => calleeStart(c, js) === pos) ?? jsCalls.find((c) => c.arguments.pos - 1 === pos);
  const name = at && calleeName(at);
  if (!at || !name) return undefined;
  const k = jsCalls.filter((c) => calleeName(c) === name && calleeStart(c, js) < calleeStart(at, js)).length;
  const tsFile = ts.createSourceFile("cell.ts", tsSource, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const match = calls(tsFile).filter((c) => calleeName(c) === name)[k];
  if (!match) return undefined;
  const line = tsFile.getLineAndCharacterOfPosition(calleeStart(match, tsFile)).line + 1;
  const parent = match.parent;
  const assignedTo =
    ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name) && parent.initializer === match
      ? parent.name.text
      : undefined;
  return assignedTo ? { line, assignedTo } : { line };
}
