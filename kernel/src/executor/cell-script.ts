/**
 * Turns the JavaScript that tslab's converter emits for a cell into the body of the function the
 * kernel runs, so that the cell's top-level variables are plain locals (see bindings.ts) and the
 * function returns the cell's completion value (see lang/completion.ts).
 *
 * The converter exports every top-level declaration and keeps the export in step on each write:
 *
 *     Object.defineProperty(exports, "__esModule", { value: true });
 *     exports.h = exports.tsLastExpr = void 0;          // header: this cell's names
 *     let h = 0;
 *     exports.h = h;                                    // bookkeeping after a declaration
 *     for (...) { exports.h = h = (h + i * 7) % 1000003; }   // a write to the cell's own h
 *     exports.tsLastExpr = h;                           // the last expression
 *
 * and writes an earlier cell's `x` as `exports.x`. This rewrite makes that
 *
 *     let h = 0;
 *     $bindings.bind(exports, "h", () => h, (v) => { h = v; });
 *     for (...) { h = (h + i * 7) % 1000003; }
 *     $value = (h);
 *
 * with every edit on the line it replaces, so line numbers stay. Writes to earlier cells'
 * variables (`exports.x = 5`) stay: they go through the accessor to the declaring cell's local.
 */
import * as ts from "@tslab/typescript-for-tslab";
import { completionEdits } from "../lang/completion";
import { applyEdits, blankOut, uniqueName, type Edit } from "../lang/edits";

export interface CellScript {
  /** The statements of the cell function; the caller declares `value` before and returns it after. */
  body: string;
  /** The parameter that holds the BindingHelpers. */
  helpers: string;
  /** The variable that holds the completion value. */
  value: string;
  /** True when the body awaits at its top level, so that it must run in an async function. */
  awaits: boolean;
}

const EXPORTS = "exports";
/** TypeScript writes the header in statements of at most 50 names. */
const HEADER_CHUNK = 50;

/** `lastExpressionVar`: the name the converter stored the last expression under (tsLastExpr). */
export function rewriteCellScript(js: string, lastExpressionVar?: string): CellScript {
  // Parsed as a module, as the cell runs in an async function when it awaits: `await (f as any)(1)`
  // is emitted as `await f(1)` or `await (g || f)(1)`, which a script would read as a call of a
  // function named `await`.
  const asModule = (f: ts.SourceFile) => ((f as { externalModuleIndicator?: unknown }).externalModuleIndicator = true);
  const options = { languageVersion: ts.ScriptTarget.Latest, setExternalModuleIndicator: asModule };
  const file = ts.createSourceFile("cell.js", js, options, true, ts.ScriptKind.JS);
  const helpers = uniqueName("$bindings", js);
  const value = uniqueName("$value", js);
  const edits: Edit[] = [];
  const notValues = new Set<ts.Statement>();
  const own = new Set<string>();

  const statements = file.statements;
  const markerAt = statements.findIndex(isEsModuleMarker);
  if (markerAt >= 0) {
    // The marker is followed by the header `exports.a = exports.b = void 0;`, in chunks of 50
    // names. Writing void 0 would go through the accessors of earlier cells' a and b and clobber
    // them, so both go.
    const dropped = [statements[markerAt]];
    for (let i = markerAt + 1, chunk = headerNames(statements[i]); chunk; chunk = headerNames(statements[++i])) {
      for (const name of chunk) own.add(name);
      dropped.push(statements[i]);
      if (chunk.length < HEADER_CHUNK) break;
    }
    for (const s of dropped) {
      edits.push(blankOut(js, s.getStart(), s.getEnd()));
      notValues.add(s);
    }
  }

  for (const s of statements) {
    if (notValues.has(s)) continue;
    if (!ts.isExpressionStatement(s)) {
      visitWrites(s);
      continue;
    }
    const e = s.expression;
    const defined = importDefinition(e);
    if (defined) {
      // `Object.defineProperty(exports, "cpus", { get })` for `import { cpus } from "os"`.
      edits.push({ start: defined.getStart(), end: defined.getEnd(), text: `${helpers}.define` });
      notValues.add(s);
      continue;
    }
    const name = exportWrite(e);
    if (!name) {
      visitWrites(s);
      continue;
    }
    const right = (e as ts.BinaryExpression).right;
    if (name === lastExpressionVar) {
      // `exports.tsLastExpr = E;` → `E;`, which completionEdits then counts.
      edits.push({ start: e.getStart(), end: right.getStart(), text: "" });
      visitWrites(right);
      continue;
    }
    if (ts.isIdentifier(right) && right.text === name) {
      // `exports.h = h;` after the declaration of h.
      const bind = `${helpers}.bind(${EXPORTS}, ${JSON.stringify(name)}, () => ${name}, (v) => { ${name} = v; })`;
      edits.push({ start: e.getStart(), end: e.getEnd(), text: bind });
      notValues.add(s);
      continue;
    }
    if (!own.has(name)) {
      // A write to an earlier cell's variable: through its accessor, to that cell's local.
      visitWrites(right);
      continue;
    }
    if (writesTo(right, name)) {
      visitWrites(s);
    } else {
      // A name of this cell with no local of that name: `exports.fs = fs_1.default;` for
      // `import fs from "fs"`. It gets a binding of its own.
      const hold = `${helpers}.hold(${EXPORTS}, ${JSON.stringify(name)}, `;
      edits.push({ start: e.getStart(), end: right.getStart(), text: hold });
      edits.push({ start: right.getEnd(), end: right.getEnd(), text: ")" });
      notValues.add(s);
      visitWrites(right);
    }
  }

  /**
   * `exports.h = <write to h>` anywhere (loops, nested functions, enum initialisers): the local
   * write is enough, the accessor reads the local.
   */
  function visitWrites(node: ts.Node): void {
    if (ts.isExpressionStatement(node)) {
      const name = exportWrite(node.expression);
      const postfix = name && own.has(name) && postfixOf((node.expression as ts.BinaryExpression).right, name);
      if (postfix) {
        // `h++;` is emitted as `exports.h = (h++, h);`, whose value would be the new h.
        edits.push({ start: node.expression.getStart(), end: node.expression.getEnd(), text: postfix });
        return;
      }
    }
    const name = exportWrite(node);
    if (name && own.has(name) && writesTo((node as ts.BinaryExpression).right, name)) {
      const right = (node as ts.BinaryExpression).right;
      edits.push({ start: node.getStart(), end: right.getStart(), text: "" });
      visitWrites(right);
      return;
    }
    ts.forEachChild(node, visitWrites);
  }

  edits.push(...completionEdits(statements, { name: value, isValue: (s) => !notValues.has(s) }));
  return { body: applyEdits(js, edits), helpers, value, awaits: awaitsAtTopLevel(file) };
}

/**
 * True when `file` has an `await` (or `for await`) outside every function. tslab's converter
 * tells this from TypeScript's "await is only valid in async functions" diagnostic, which the
 * parser does not give when the operand starts with "(" (`await (f as any)(1, 2)`): it re-reads
 * such a statement as top-level await and raises nothing, so the converter says false.
 */
export function awaitsAtTopLevel(file: ts.SourceFile): boolean {
  const visit = (node: ts.Node): boolean => {
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier)) return true;
    if (ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node) || ts.isPropertyDeclaration(node)) {
      // Their own scope; a computed name is still evaluated outside.
      return !!node.name && ts.isComputedPropertyName(node.name) && visit(node.name);
    }
    return !!ts.forEachChild(node, (child) => visit(child) || undefined);
  };
  return visit(file);
}

function isEsModuleMarker(s: ts.Statement): boolean {
  if (!ts.isExpressionStatement(s)) return false;
  const e = s.expression;
  return (
    isDefinePropertyOnExports(e) &&
    ts.isStringLiteral((e as ts.CallExpression).arguments[1]) &&
    ((e as ts.CallExpression).arguments[1] as ts.StringLiteral).text === "__esModule"
  );
}

/** The `Object.defineProperty` callee of an import binding's definition. */
function importDefinition(e: ts.Expression): ts.Expression | undefined {
  return isDefinePropertyOnExports(e) ? (e as ts.CallExpression).expression : undefined;
}

function isDefinePropertyOnExports(e: ts.Expression): boolean {
  if (!ts.isCallExpression(e) || e.arguments.length !== 3) return false;
  const callee = e.expression;
  return (
    ts.isPropertyAccessExpression(callee) &&
    ts.isIdentifier(callee.expression) &&
    callee.expression.text === "Object" &&
    callee.name.text === "defineProperty" &&
    isExports(e.arguments[0])
  );
}

/** The names of `exports.a = exports.b = void 0`, or undefined if `s` is not such a header. */
function headerNames(s: ts.Statement | undefined): string[] | undefined {
  if (!s || !ts.isExpressionStatement(s)) return undefined;
  const names: string[] = [];
  let e: ts.Expression = s.expression;
  for (;;) {
    const name = exportWrite(e);
    if (!name) break;
    names.push(name);
    e = (e as ts.BinaryExpression).right;
  }
  return names.length && ts.isVoidExpression(e) ? names : undefined;
}

/** `exports.NAME = ...` → NAME. */
function exportWrite(e: ts.Node): string | undefined {
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return undefined;
  const left = e.left;
  return ts.isPropertyAccessExpression(left) && isExports(left.expression) ? left.name.text : undefined;
}

function isExports(e: ts.Node): boolean {
  return ts.isIdentifier(e) && e.text === EXPORTS;
}

/**
 * True when `e` writes the local `name` and has its value: `name = ...`, `name += ...`,
 * `++name`, or a comma list ending in `name` (`(name++, name)`, `(_a = name++, name)`).
 */
function writesTo(e: ts.Expression, name: string): boolean {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  const isName = (x: ts.Expression) => ts.isIdentifier(x) && x.text === name;
  if (ts.isBinaryExpression(e)) {
    if (e.operatorToken.kind === ts.SyntaxKind.CommaToken) return isName(e.right);
    const op = e.operatorToken.kind;
    return op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment && isName(e.left);
  }
  if (ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) {
    return (
      (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken) && isName(e.operand)
    );
  }
  return false;
}

/** `(h++, h)` → "h++" (likewise `--`). */
function postfixOf(e: ts.Expression, name: string): string | undefined {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.CommaToken) return undefined;
  const { left, right } = e;
  if (!ts.isIdentifier(right) || right.text !== name || !ts.isPostfixUnaryExpression(left)) return undefined;
  return ts.isIdentifier(left.operand) && left.operand.text === name ? left.getText() : undefined;
}
