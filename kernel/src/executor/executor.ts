import Module from "node:module";
import path from "node:path";
import vm from "node:vm";
import type { ConvertResult, Converter, Diagnostic } from "tslab/dist/converter";
import { CompileError, InterruptedError } from "../errors";
import { bindingHelpers, clearBindings } from "./bindings";
import { rewriteCellScript, type CellScript } from "./cell-script";
import { dropValueDeclarations } from "./declarations";
import { forwardPackageImports, guardCompilerWatchers } from "./module-host";
import { Recent } from "../lang/recent";

export interface ExecuteOutcome {
  /** True when the cell's completion value is not undefined (then it is shown). */
  hasValue: boolean;
  value?: unknown;
}

export interface Completion {
  start: number;
  end: number;
  matches: string[];
}

const REMEMBERED_REWRITES = 32;
const REMEMBERED_CONVERSIONS = 16;
/**
 * A source that reads other files (a local module, a package, a reference) may check differently
 * when those change on disk; its conversion is not remembered.
 */
const READS_OTHER_FILES = /\bimport\b|\brequire\s*\(|\/\/\/\s*<reference/;

/**
 * Runs TypeScript cells in the kernel's own realm with tslab's converter: type checking across
 * cells, top-level await, completion and inspection. Unlike tslab's executor it reports failures
 * as thrown errors (so the kernel can send ename/evalue/traceback) and returns the cell's
 * completion value (as `eval` gives it) instead of printing it. Top-level variables are locals
 * of the cell's function, shared with later cells through accessors (cell-script.ts), so
 * top-level code runs as fast as code in a function.
 */
export class CellExecutor {
  private built?: Converter;
  private readonly exports: Record<string, unknown> = {};
  private prevDecl = "";
  private interruptReject?: (e: Error) => void;
  /**
   * The cell running now (or last): its TypeScript and the script vm runs, whose line:column a
   * stack frame in `cell.js` refers to (lang/call-site.ts maps one to the other).
   */
  running: { source: string; script: string } | undefined;
  /** Rewrites of cells run lately, by emitted JavaScript: a cell run again skips the parse (~0.25 ms). */
  private readonly rewrites = new Recent<CellScript>(REMEMBERED_REWRITES);
  /**
   * Conversions of sources run lately against the same declarations: checking and emitting an
   * unchanged `1+1` again costs ~1.7 ms, most of a trivial cell's time in the kernel.
   */
  private readonly conversions = new Recent<ConvertResult>(REMEMBERED_CONVERSIONS);
  private static instances = 0;
  private readonly globalName: string;

  constructor(rootDir: string, publicModule: () => unknown) {
    forwardPackageImports(rootDir);
    guardCompilerWatchers();
    const baseRequire = Module.createRequire(path.join(rootDir, "__paralab__.js"));
    const req = ((id: string) => (id === "paralab" ? publicModule() : baseRequire(id))) as NodeJS.Require;
    Object.assign(req, baseRequire);
    this.globalName = `__paralab_cell_${CellExecutor.instances++}__`;
    (globalThis as Record<string, unknown>)[this.globalName] = {
      exports: this.exports,
      require: req,
      bindings: bindingHelpers,
    };
  }

  /**
   * The type checker: the TypeScript compiler (8 MB) and a first program over lib.*.d.ts and
   * @types/node, ~1 s on this machine's cores. Built on first use or by warmUp(), so that a kernel
   * can answer kernel_info before it has built it (server/serve.ts).
   */
  private get converter(): Converter {
    if (!this.built) {
      this.built = tslabConverter().createConverter({ isJS: false, isBrowser: false });
    }
    return this.built;
  }

  /** Builds the type checker now if it is not built (the first cell then does not wait for it). */
  warmUp(): void {
    void this.converter;
  }

  /** Variables the cells declared, by name (for magics that read or assign kernel variables). */
  get locals(): Record<string, unknown> {
    return this.exports;
  }

  /** The declarations of all earlier cells, as a .d.ts text (used to type-check magic bodies). */
  get declarations(): string {
    return this.prevDecl;
  }

  /** Type-checks and transpiles without running; throws CompileError. */
  convert(src: string, declarations = ""): ConvertResult {
    const decls = declarations ? `${this.prevDecl}\n${declarations}` : this.prevDecl;
    const key = `${decls}\u0000${src}`;
    let converted = this.conversions.get(key);
    if (!converted) {
      converted = this.converter.convert(decls, src);
      if (converted.diagnostics.length > 0) throw new CompileError(formatDiagnostics(converted.diagnostics));
      if (!converted.sideOutputs && !READS_OTHER_FILES.test(src)) this.conversions.set(key, converted);
    }
    return converted;
  }

  async execute(src: string): Promise<ExecuteOutcome> {
    return this.prepare(src)();
  }

  /**
   * Type-checks and transpiles once; the returned function runs the cell (again and again, for
   * %%timeit). Throws CompileError.
   */
  prepare(src: string): () => Promise<ExecuteOutcome> {
    const converted = this.convert(src);
    const declOutput = converted.declOutput || "";
    if (!converted.output) {
      return async () => {
        this.prevDecl = declOutput;
        return { hasValue: false };
      };
    }
    const cell = this.rewrite(converted.output, converted.lastExpressionVar);
    const g = this.globalName;
    const awaits = converted.hasToplevelAwait || cell.awaits;
    // The value variable is declared last (var hoists), so that a "use strict" the cell starts
    // with stays a directive.
    const text =
      `(${awaits ? "async " : ""}function (exports, require, ${cell.helpers}) { ${cell.body}\n` +
      `return ${cell.value}; var ${cell.value};\n})(${g}.exports, ${g}.require, ${g}.bindings)`;
    const script = new vm.Script(text, { filename: "cell.js" });
    return async () => {
      this.running = { source: src, script: text };
      let value = script.runInThisContext({ breakOnSigint: true });
      if (awaits) {
        const interrupted = new Promise<never>((_, reject) => (this.interruptReject = reject));
        try {
          value = await Promise.race([value, interrupted]);
        } finally {
          this.interruptReject = undefined;
        }
      }
      this.prevDecl = declOutput;
      return { hasValue: value !== undefined, value };
    };
  }

  /** Ends an awaiting cell; a synchronous loop is broken by SIGINT itself (breakOnSigint). */
  interrupt(): void {
    this.interruptReject?.(new InterruptedError());
  }

  /** Declares a kernel variable from outside a cell (e.g. `%%parallel --out NAME`). */
  assign(name: string, value: unknown, typeText = "any"): void {
    // Defined anew (not set), so that it also replaces a const; its old type goes as well.
    bindingHelpers.hold(this.exports, name, value);
    this.prevDecl = `${dropValueDeclarations(this.prevDecl, name)}\nexport declare let ${name}: ${typeText};`;
  }

  private rewrite(js: string, lastExpressionVar: string | undefined): CellScript {
    const key = `${lastExpressionVar ?? ""}\u0000${js}`;
    let cell = this.rewrites.get(key);
    if (!cell) {
      cell = rewriteCellScript(js, lastExpressionVar);
      this.rewrites.set(key, cell);
    }
    return cell;
  }

  complete(src: string, cursor: number): Completion {
    const info = this.converter.complete(this.prevDecl, src, cursor);
    return { start: info.start, end: info.end, matches: info.candidates };
  }

  inspect(src: string, cursor: number): string | undefined {
    const info = this.converter.inspect(this.prevDecl, src, cursor);
    return info ? tslabInspect().printQuickInfo(info) : undefined;
  }

  isComplete(src: string): { status: "complete" | "incomplete"; indent?: string } {
    const res = tslabConverter().isCompleteCode(src);
    return res.completed ? { status: "complete" } : { status: "incomplete", indent: res.indent ?? "" };
  }

  reset(): void {
    this.prevDecl = "";
    clearBindings(this.exports);
  }

  close(): void {
    this.built?.close();
  }
}

/* tslab's modules load the TypeScript compiler (8 MB): on first use, not with the kernel. */
/* eslint-disable @typescript-eslint/no-require-imports */
const tslabConverter = () => (require("./light-converter") as typeof import("./light-converter")).converterModule();
const tslabInspect = () => require("tslab/dist/inspect") as typeof import("tslab/dist/inspect");
/* eslint-enable @typescript-eslint/no-require-imports */

/** Diagnostics shown per cell; the rest are counted (a pasted megabyte of junk has tens of thousands). */
const MAX_DIAGNOSTICS = 20;
const MAX_DIAGNOSTIC_CHARS = 500;

export function formatDiagnostics(diagnostics: Diagnostic[], lineOffset = 0): string {
  const shown = diagnostics.slice(0, MAX_DIAGNOSTICS).map((d) => {
    const text = String(d.messageText);
    const message = text.length > MAX_DIAGNOSTIC_CHARS ? `${text.slice(0, MAX_DIAGNOSTIC_CHARS)}…` : text;
    return `${d.start.line + 1 + lineOffset}:${d.start.character + 1} - ${message}`;
  });
  const more = diagnostics.length - shown.length;
  if (more > 0) {
    shown.push(
      `… and ${more.toLocaleString("en-US")} more error${more === 1 ? "" : "s"} (fix the first ones: later errors often follow from them).`,
    );
  }
  return shown.join("\n");
}

/**
 * A check source is some header lines followed by a magic's body: its "L:C - msg" diagnostics
 * become "cell line N:C - msg", given the body's first line in the cell (1-based).
 */
export function remapCellLines(message: string, headerLines: number, bodyLine: number): string {
  return message.replace(/^(\d+):(\d+) - /gm, (_, line: string, col: string) => {
    const cellLine = Math.max(Number(line) - headerLines - 1, 0) + bodyLine;
    return `cell line ${cellLine}:${col} - `;
  });
}
