import * as ts from "@tslab/typescript-for-tslab";
import { Recent } from "./recent";

export interface ScopeInfo {
  /** Names declared at the top level of the body (they become worker state in SPMD cells). */
  topLevel: ReadonlySet<string>;
  /** Identifiers the body reads or writes without declaring them anywhere inside it. */
  free: ReadonlySet<string>;
}

/**
 * Finds the names a body declares and the names it uses without declaring. A name declared in
 * any inner scope counts as declared everywhere: this can miss a kernel variable that a nested
 * block shadows, never invent one.
 */
export function analyzeScope(source: string, kind: ts.ScriptKind = ts.ScriptKind.TS): ScopeInfo {
  // A map in a loop asks again for the same body: parsing it is ~0.2 ms, a lookup is nothing.
  const key = `${kind}:${source}`;
  let info = analyzed.get(key);
  if (!info) analyzed.set(key, (info = analyze(source, kind)));
  return info;
}

/** Read-only to callers: the same sets are handed out again. */
const analyzed = new Recent<ScopeInfo>(64);

function analyze(source: string, kind: ts.ScriptKind): ScopeInfo {
  const file = ts.createSourceFile("body.ts", source, ts.ScriptTarget.ES2022, true, kind);
  const declared = new Set<string>();
  const used = new Set<string>();
  const topLevel = new Set<string>();

  const declareBinding = (name: ts.BindingName, into: Set<string>) => {
    if (ts.isIdentifier(name)) into.add(name.text);
    else for (const el of name.elements) if (!ts.isOmittedExpression(el)) declareBinding(el.name, into);
  };

  for (const stmt of file.statements) {
    if (ts.isVariableStatement(stmt))
      stmt.declarationList.declarations.forEach((d) => declareBinding(d.name, topLevel));
    else if ((ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt)) && stmt.name) topLevel.add(stmt.name.text);
  }

  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node)) {
      if (ts.isIdentifier(node.name)) declared.add(node.name.text);
      else declareBinding(node.name, declared);
    } else if (
      (ts.isFunctionDeclaration(node) ||
        ts.isClassDeclaration(node) ||
        ts.isFunctionExpression(node) ||
        ts.isClassExpression(node)) &&
      node.name
    ) {
      declared.add(node.name.text);
    } else if (ts.isImportClause(node) && node.name) {
      declared.add(node.name.text);
    } else if (ts.isImportSpecifier(node) || ts.isNamespaceImport(node)) {
      declared.add(node.name.text);
    } else if (ts.isIdentifier(node) && isReference(node)) {
      used.add(node.text);
    }
    // Types never reach the worker; their names are not variables.
    if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
    ts.forEachChild(node, visit);
  };
  visit(file);
  const free = new Set([...used].filter((n) => !declared.has(n)));
  return { topLevel, free };
}

/** True for an identifier that names a variable (not a property, label, key or declaration). */
function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (!p) return true;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p)) && p.name === id)
    return false;
  if (
    (ts.isGetAccessor(p) || ts.isSetAccessor(p) || ts.isPropertySignature(p) || ts.isMethodSignature(p)) &&
    p.name === id
  )
    return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  if (ts.isQualifiedName(p)) return false;
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p)) return false;
  if (ts.isBindingElement(p) && p.propertyName === id) return false;
  if (ts.isMetaProperty(p)) return false;
  return true;
}
