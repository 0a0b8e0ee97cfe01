import Module from "node:module";
import path from "node:path";
import vm from "node:vm";
import { Converter, Diagnostic, createConverter, isCompleteCode } from "tslab/dist/converter";
import { printQuickInfo } from "tslab/dist/inspect";
import { CompileError, InterruptedError } from "../errors";
import { forwardPackageImports, guardCompilerWatchers } from "./module-host";

export interface ExecuteOutcome {
  /** True when the cell ended with an expression whose value should be shown. */
  hasValue: boolean;
  value?: unknown;
}

export interface Completion {
  start: number;
  end: number;
  matches: string[];
}

/**
 * Runs TypeScript cells in the kernel's own realm with tslab's converter: type checking across
 * cells, top-level await, completion and inspection. Unlike tslab's executor it reports failures
 * as thrown errors (so the kernel can send ename/evalue/traceback) and returns the value of the
 * last expression instead of printing it.
 */
export class CellExecutor {
  private readonly converter: Converter;
  private readonly exports: Record<string, unknown> = {};
  private prevDecl = "";
  private interruptReject?: (e: Error) => void;
  /**
   * The cell running now (or last): its TypeScript and the script vm runs, whose line:column a
   * stack frame in `cell.js` refers to (lang/call-site.ts maps one to the other).
   */
  running: { source: string; script: string } | undefined;
  private static instances = 0;
  private readonly globalName: string;

  constructor(rootDir: string, publicModule: () => unknown) {
    forwardPackageImports(rootDir);
    guardCompilerWatchers();
    this.converter = createConverter({ isJS: false, isBrowser: false });
    const baseRequire = Module.createRequire(path.join(rootDir, "__paralab__.js"));
    const req = ((id: string) => (id === "paralab" ? publicModule() : baseRequire(id))) as NodeJS.Require;
    Object.assign(req, baseRequire);
    this.globalName = `__paralab_cell_${CellExecutor.instances++}__`;
    (globalThis as Record<string, unknown>)[this.globalName] = { exports: this.exportsProxy(), require: req };
  }

  /** TypeScript emits named imports as defineProperty; keep them rewritable like tslab does. */
  private exportsProxy(): Record<string, unknown> {
    const target = this.exports;
    return new Proxy(target, {
      defineProperty: (_t, prop, attrs) => {
        if (prop === "__esModule") return true;
        target[prop as string] = attrs.get ? attrs.get() : attrs.value;
        return true;
      },
    });
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
  convert(src: string) {
    const converted = this.converter.convert(this.prevDecl, src);
    if (converted.diagnostics.length > 0) throw new CompileError(formatDiagnostics(converted.diagnostics));
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
    const prefix = converted.hasToplevelAwait
      ? "(async function(exports, require) { "
      : "(function(exports, require) { ";
    const text = `${prefix}${converted.output}\n})(${this.globalName}.exports, ${this.globalName}.require)`;
    const script = new vm.Script(text, { filename: "cell.js" });
    return async () => {
      this.running = { source: src, script: text };
      const ret = script.runInThisContext({ breakOnSigint: true });
      if (converted.hasToplevelAwait) {
        const interrupted = new Promise<never>((_, reject) => (this.interruptReject = reject));
        try {
          await Promise.race([ret, interrupted]);
        } finally {
          this.interruptReject = undefined;
        }
      }
      this.prevDecl = declOutput;
      const name = converted.lastExpressionVar;
      if (name && name in this.exports) {
        const value = this.exports[name];
        delete this.exports[name];
        return { hasValue: value !== undefined, value };
      }
      return { hasValue: false };
    };
  }

  /** Ends an awaiting cell; a synchronous loop is broken by SIGINT itself (breakOnSigint). */
  interrupt(): void {
    this.interruptReject?.(new InterruptedError());
  }

  /** Declares a kernel variable from outside a cell (e.g. `%%parallel --out NAME`). */
  assign(name: string, value: unknown, typeText = "any"): void {
    this.exports[name] = value;
    this.prevDecl += `\nexport declare let ${name}: ${typeText};`;
  }

  complete(src: string, cursor: number): Completion {
    const info = this.converter.complete(this.prevDecl, src, cursor);
    return { start: info.start, end: info.end, matches: info.candidates };
  }

  inspect(src: string, cursor: number): string | undefined {
    const info = this.converter.inspect(this.prevDecl, src, cursor);
    return info ? printQuickInfo(info) : undefined;
  }

  isComplete(src: string): { status: "complete" | "incomplete"; indent?: string } {
    const res = isCompleteCode(src);
    return res.completed ? { status: "complete" } : { status: "incomplete", indent: res.indent ?? "" };
  }

  reset(): void {
    this.prevDecl = "";
    for (const name of Object.keys(this.exports)) delete this.exports[name];
  }

  close(): void {
    this.converter.close();
  }
}

export function formatDiagnostics(diagnostics: Diagnostic[], lineOffset = 0): string {
  return diagnostics
    .map((d) => `${d.start.line + 1 + lineOffset}:${d.start.character + 1} - ${d.messageText}`)
    .join("\n");
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
