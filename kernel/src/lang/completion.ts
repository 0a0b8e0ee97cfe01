/**
 * A cell's value is its completion value, as `eval` defines it (ECMA-262 "UpdateEmpty"): the
 * value of the last expression statement that ran, where `if`, loops, `switch`, `with` and `try`
 * start from `undefined` (so `1; if (false) {}` is undefined, `1; let x = 2;` is 1), `break` and
 * `continue` carry the value reached so far, and a `finally` that completes normally leaves the
 * value as it was.
 *
 * Cells run inside a function (for speed and for their locals), where there is no completion
 * value. So the body is instrumented: every expression statement that the body itself runs (not
 * those of nested functions or classes) stores its value in a variable, and the statements that
 * start from `undefined` reset it first. The caller declares the variable and returns it.
 */
import * as ts from "@tslab/typescript-for-tslab";
import type { Edit } from "./edits";

export interface CompletionOptions {
  /** The variable that receives the value; it must occur nowhere in the code (see uniqueName). */
  name: string;
  /** Expression statements that the caller generated and that are not part of the value. */
  isValue?: (stmt: ts.ExpressionStatement) => boolean;
}

/**
 * Edits that make `statements` (a function body's or a script's top level) keep their completion
 * value in `o.name`. Only insertions are made, none of them containing a line break, so every
 * line keeps its number; statements in a single-statement position (`if (c) for (...) ...`) are
 * wrapped in a block where a reset must precede them.
 */
export function completionEdits(statements: readonly ts.Statement[], o: CompletionOptions): Edit[] {
  const edits: Edit[] = [];
  const reset = `${o.name} = void 0;`;
  const isValue = o.isValue ?? (() => true);
  // Nested finally blocks can share the name: each declares it in its own block.
  const saved = `${o.name}_saved`;

  const insert = (at: number, text: string) => edits.push({ start: at, end: at, text });

  const list = (stmts: readonly ts.Statement[]) => {
    for (const s of stmts) statement(s, "list");
  };

  /**
   * `position` says where the statement sits: in a list (a reset can precede it), alone where a
   * statement is required (a reset needs a block around it), or as an if's branch (the if just
   * reset the value and nothing ran since, so a reset is unneeded).
   */
  const statement = (s: ts.Statement, position: "list" | "single" | "branch") => {
    // A label stays on its loop (so that `continue label` remains valid); the reset goes first.
    let inner: ts.Statement = s;
    while (ts.isLabeledStatement(inner)) inner = inner.statement;
    if (startsFromUndefined(inner)) {
      const wrap = position === "single";
      if (position !== "branch") insert(s.getStart(), wrap ? `{ ${reset} ` : `${reset} `);
      body(inner);
      if (wrap) insert(s.getEnd(), " }");
      return;
    }
    if (ts.isExpressionStatement(inner)) {
      if (isValue(inner) && !isGeneratedDeclaration(inner)) {
        insert(inner.expression.getStart(), `${o.name} = (`);
        insert(inner.expression.getEnd(), ")");
      }
      return;
    }
    if (ts.isBlock(inner)) list(inner.statements);
  };

  /** The parts of a statement that starts from undefined; the reset before it is placed. */
  const body = (s: ts.Statement) => {
    if (ts.isIfStatement(s)) {
      statement(s.thenStatement, "branch");
      if (s.elseStatement) statement(s.elseStatement, "branch");
    } else if (ts.isIterationStatement(s, false) || ts.isWithStatement(s)) {
      statement(s.statement, "single");
    } else if (ts.isSwitchStatement(s)) {
      for (const clause of s.caseBlock.clauses) list(clause.statements);
    } else if (ts.isTryStatement(s)) {
      list(s.tryBlock.statements);
      if (s.catchClause) {
        // The value of try/catch is the catch block's: what the try block reached is dropped.
        insert(s.catchClause.block.getStart() + 1, ` ${reset}`);
        list(s.catchClause.block.statements);
      }
      if (s.finallyBlock) {
        // A finally that completes normally keeps the value of try/catch; one that breaks out
        // (`finally { 2; break; }`) gives its own. Save and restore on the normal path only.
        insert(s.finallyBlock.getStart() + 1, ` let ${saved} = ${o.name};`);
        list(s.finallyBlock.statements);
        insert(s.finallyBlock.getEnd() - 1, `; ${o.name} = ${saved}; `);
      }
    }
  };

  list(statements);
  return edits;
}

/** Statements whose completion is UpdateEmpty(..., undefined) in the spec. */
function startsFromUndefined(s: ts.Statement): boolean {
  return (
    ts.isIfStatement(s) ||
    ts.isIterationStatement(s, false) ||
    ts.isSwitchStatement(s) ||
    ts.isTryStatement(s) ||
    ts.isWithStatement(s)
  );
}

/**
 * Expression statements that TypeScript emits for declarations, whose completion is empty in the
 * source: `(function (E) {...})(E || (E = {}));` for an enum or namespace, and
 * `D = __decorate([...], D);` for a decorated class.
 */
function isGeneratedDeclaration(s: ts.ExpressionStatement): boolean {
  const e = s.expression;
  if (ts.isCallExpression(e) && e.arguments.length === 1) {
    const fn = skipParens(e.expression);
    const arg = e.arguments[0];
    if (!ts.isFunctionExpression(fn) || fn.parameters.length !== 1 || !ts.isIdentifier(fn.parameters[0].name))
      return false;
    const param = fn.parameters[0].name.text;
    // `E || (E = {})`, or with exports `E || (exports.E = E = {})`.
    if (!ts.isBinaryExpression(arg) || arg.operatorToken.kind !== ts.SyntaxKind.BarBarToken) return false;
    if (!ts.isIdentifier(arg.left) || arg.left.text !== param) return false;
    const init = innermostRight(skipParens(arg.right));
    return ts.isObjectLiteralExpression(init) && init.properties.length === 0;
  }
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
    // `D = __decorate([...], D)`, or with exports `exports.D = D = __decorate(...)`.
    const right = innermostRight(e);
    return ts.isCallExpression(right) && ts.isIdentifier(right.expression) && right.expression.text === "__decorate";
  }
  return false;
}

/** `a = b = c` → c. */
function innermostRight(e: ts.Expression): ts.Expression {
  while (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.EqualsToken) e = e.right;
  return e;
}

function skipParens(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}
