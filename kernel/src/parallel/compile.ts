import { SourceMap } from "node:module";
import * as ts from "@tslab/typescript-for-tslab";
import { Recent } from "../lang/recent";
import { completionEdits } from "../lang/completion";
import { applyEdits, type Edit, uniqueName } from "../lang/edits";

/** A `%%parallel` body compiled for the workers. */
export interface CompiledBody {
  /** JS source of an expression: `async function (__ctx) {...}`; the pool runs it per task. */
  source: string;
  /** Maps a line of `source` (1-based) to the cell's line (1-based), for tracebacks. */
  cellLine(jsLine: number): number | undefined;
}

export interface CompileOptions {
  /** The names the body gets from its task context, e.g. ["rank", "size", "comm"]. */
  contextNames: string[];
  /** Kernel variables sent along, bound as locals. */
  varNames: string[];
  /** Kernel functions sent by source: name → function expression source. */
  functions?: Record<string, string>;
  /** SPMD: top-level declarations become worker globals, so the next cell on that worker sees them. */
  persistDeclarations: boolean;
  /** 1-based cell line of the body's first line. */
  bodyLine: number;
}

const BODY_FN = "__paralab_body__";

/**
 * TypeScript body → JS the workers run. The body's completion value, as `eval` gives it (see
 * lang/completion.ts), is the task's result; an explicit top-level `return` still returns.
 */
const cache = new Recent<CompiledBody>(64);

export function compileBody(body: string, o: CompileOptions): CompiledBody {
  // Re-running a cell (or parallel.map in a loop) should not pay for the transpiler again.
  const key = JSON.stringify([body, o]);
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = compile(body, o);
    cache.set(key, compiled);
  }
  return compiled;
}

function compile(body: string, o: CompileOptions): CompiledBody {
  // One header line, so that body line n is line n + 1 of the wrapper. A body without await
  // becomes a plain function: tiny map tasks then cost a call, not a promise each.
  const asyncPrefix = usesAwait(body) ? "async " : "";
  const wrapper = `${asyncPrefix}function ${BODY_FN}(__ctx: any) {\n${body}\n}`;
  const out = ts.transpileModule(wrapper, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.None,
      sourceMap: true,
      removeComments: false,
    },
    fileName: "cell.ts",
  });
  const transpiled = out.outputText.replace(/\/\/# sourceMappingURL=.*$/m, "");
  const value = uniqueName("$value", transpiled, ...Object.values(o.functions ?? {}));
  const unset = uniqueName("$unset", transpiled, ...Object.values(o.functions ?? {}));
  const bound = new Set([value, ...o.contextNames, ...o.varNames, ...Object.keys(o.functions ?? {})]);
  const js = rewriteBody(transpiled, o.persistDeclarations, value, { unset, bound });
  const map = new SourceMap(JSON.parse(out.sourceMapText ?? "{}"));
  const context = `let ${value}; ${o.contextNames.length ? `let { ${o.contextNames.join(", ")} } = __ctx; ` : ""}`;
  const vars = o.varNames.length ? `let { ${o.varNames.join(", ")} } = __ctx.vars; ` : "";
  const functions = Object.entries(o.functions ?? {})
    .map(([name, src]) => `let ${name} = (${src}); `)
    .join("");
  const prelude = `${context}${vars}${functions}`;
  // The prelude joins the first line; function sources may add lines, which cellLine skips.
  const preludeLines = prelude.split("\n").length - 1;
  const source = `(${js.replace(/^((?:async )?function \w+\(__ctx\) \{)/, (header) => `${header} ${prelude}`)})`;
  const jsLines = js.split("\n");
  return {
    source,
    cellLine(sourceLine: number) {
      const jsLine = sourceLine - preludeLines;
      const text = jsLines[jsLine - 1];
      if (text === undefined) return undefined;
      // Ask for the first code on the line: column 0 of an indented line maps to the line before.
      const entry = map.findEntry(jsLine - 1, text.length - text.trimStart().length) as { originalLine?: number };
      if (entry?.originalLine === undefined) return undefined;
      // originalLine is 0-based in the wrapper, whose line 0 is the header.
      const bodyLine = entry.originalLine - 1;
      return bodyLine < 0 ? undefined : bodyLine + o.bodyLine;
    },
  };
}

/** True when the body awaits at its own level (not only inside functions it defines). */
function usesAwait(body: string): boolean {
  const file = ts.createSourceFile("body.ts", body, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const visit = (node: ts.Node): boolean => {
    if (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier)) return true;
    if (ts.isFunctionLike(node)) return false;
    return ts.forEachChild(node, visit) ?? false;
  };
  return visit(file);
}

/**
 * Edits the transpiled function in place (keeping line numbers): it keeps its completion value in
 * `value` and returns it, and with `persist` its top-level declarations become assignments to
 * worker globals (the wrapper runs in sloppy mode, so `x = 1` creates a global).
 *
 * A global is slow in a hot loop (every `local++` is a property store on globalThis), so a
 * declared name that no nested function captures stays a local of the body while it runs and is
 * published to globalThis when the body ends (normally or not); names that closures capture stay
 * globals throughout, so a function kept on the worker still sees the variable later cells see.
 * `bound` are the names the prelude binds (context, sent variables, the value): never redeclared;
 * `unset` names the marker of a local not yet assigned (not published).
 */
function rewriteBody(
  js: string,
  persist: boolean,
  value: string,
  locals: { unset: string; bound: ReadonlySet<string> },
): string {
  const file = ts.createSourceFile("cell.js", js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const fn = file.statements.find(ts.isFunctionDeclaration);
  if (!fn?.body) return js;
  const statements = fn.body.statements;
  // `void (x = 1)` below replaces declarations, which completionEdits leaves alone: no overlap.
  const edits = completionEdits(statements, { name: value });
  if (persist) edits.push(...localDeclarations(fn.body, locals.unset, locals.bound));
  edits.push({ start: fn.body.getEnd() - 1, end: fn.body.getEnd() - 1, text: `return ${value}; ` });
  for (const stmt of statements) {
    if (!persist) break;
    if (ts.isVariableStatement(stmt)) {
      const list = stmt.declarationList;
      const keyword = list.getChildAt(0); // let / const / var
      const decls = list.declarations;
      const parts = decls.map((d) => {
        const name = d.name.getText();
        const init = d.initializer ? d.initializer.getText() : "undefined";
        return ts.isIdentifier(d.name) ? `${name} = ${init}` : `(${name} = ${init})`;
      });
      edits.push({ start: keyword.getStart(), end: list.getEnd(), text: `void (${parts.join(", ")})` });
    } else if (ts.isFunctionDeclaration(stmt) && stmt.name) {
      edits.push({
        start: stmt.getEnd(),
        end: stmt.getEnd(),
        text: ` globalThis.${stmt.name.text} = ${stmt.name.text};`,
      });
    } else if (ts.isClassDeclaration(stmt) && stmt.name) {
      edits.push({ start: stmt.getStart(), end: stmt.getStart(), text: `${stmt.name.text} = ` });
    }
  }
  return applyEdits(js, edits);
}

/**
 * For persisted SPMD declarations that no nested function captures: `let x = unset` at the top of
 * the body and a `finally` that publishes each assigned one to globalThis (two insertions, before
 * the body's first line and at its end, so no line moves).
 */
function localDeclarations(body: ts.Block, unset: string, bound: ReadonlySet<string>): Edit[] {
  const captured = namesInNestedFunctions(body);
  const names = new Set<string>();
  for (const stmt of body.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    for (const d of stmt.declarationList.declarations)
      for (const name of bindingNames(d.name)) if (!captured.has(name) && !bound.has(name)) names.add(name);
  }
  if (names.size === 0) return [];
  const list = [...names];
  const open = body.getStart() + 1;
  const close = body.getEnd() - 1;
  return [
    {
      start: open,
      end: open,
      text: ` const ${unset} = Symbol(); let ${list.map((n) => `${n} = ${unset}`).join(", ")}; try {`,
    },
    {
      start: close,
      end: close,
      text: `} finally { ${list.map((n) => `if (${n} !== ${unset}) globalThis.${n} = ${n};`).join(" ")} } `,
    },
  ];
}

/** Every name a binding (identifier or destructuring pattern) declares. */
function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name)));
}

/** Identifiers used anywhere inside functions, arrows and classes nested in `body` (conservative: shadowed names count). */
function namesInNestedFunctions(body: ts.Node): Set<string> {
  const names = new Set<string>();
  const collect = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) names.add(node.text);
    ts.forEachChild(node, collect);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) || ts.isClassLike(node)) collect(node);
    else ts.forEachChild(node, visit);
  };
  ts.forEachChild(body, visit);
  return names;
}
