/**
 * The kernel's type information between cells is a .d.ts text (tslab's "prevDecl"): one
 * declaration per variable, function, class, import... When something outside a cell gives a
 * name a new value (`%%parallel --out NAME`), the name's old declarations must go, or its old
 * type (say `declare const out = 1`) would still win over the new one.
 */
import * as ts from "@tslab/typescript-for-tslab";
import { applyEdits, type Edit } from "../lang/edits";

/** `dts` without the value declarations of `name` (types and interfaces of that name stay). */
export function dropValueDeclarations(dts: string, name: string): string {
  const file = ts.createSourceFile("prev.d.ts", dts, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: Edit[] = [];
  const drop = (node: ts.Node) => edits.push({ start: node.getFullStart(), end: node.getEnd(), text: "" });
  const named = (n: ts.Node | undefined) => !!n && ts.isIdentifier(n) && n.text === name;
  for (const s of file.statements) {
    if (ts.isVariableStatement(s)) {
      const decls = s.declarationList.declarations;
      const keep = decls.filter((d) => !named(d.name));
      if (keep.length === decls.length) continue;
      if (keep.length === 0) drop(s);
      else edits.push({ start: decls.pos, end: decls.end, text: " " + keep.map((d) => d.getText()).join(", ") });
    } else if (
      (ts.isFunctionDeclaration(s) ||
        ts.isClassDeclaration(s) ||
        ts.isEnumDeclaration(s) ||
        ts.isModuleDeclaration(s)) &&
      named(s.name)
    ) {
      drop(s);
    } else if (ts.isImportDeclaration(s) && s.importClause) {
      const clause = s.importClause;
      const b = clause.namedBindings;
      const namespace = b && ts.isNamespaceImport(b) ? b : undefined;
      const elements = b && ts.isNamedImports(b) ? b.elements : [];
      if (!named(clause.name) && !named(namespace?.name) && !elements.some((e) => named(e.name))) continue;
      const keep = elements.filter((e) => !named(e.name));
      const parts = [
        clause.name && !named(clause.name) ? clause.name.text : "",
        namespace && !named(namespace.name) ? namespace.getText() : "",
        keep.length ? `{ ${keep.map((e) => e.getText()).join(", ")} }` : "",
      ].filter(Boolean);
      if (parts.length === 0) drop(s);
      else edits.push({ start: clause.getStart(), end: clause.getEnd(), text: parts.join(", ") });
    }
  }
  return applyEdits(dts, edits);
}
