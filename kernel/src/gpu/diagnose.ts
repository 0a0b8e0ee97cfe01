/**
 * Turns what gpu.js throws into a GpuKernelError that names the problem and
 * the cell line. gpu.js's own positions are unreliable ("line N" counts the
 * lines after the node), so the node is found again in our own parse of the
 * kernel source, made with the acorn that gpu.js itself uses.
 */
import { AcornNode, parseJs } from "./engine";
import { GpuKernelError, KernelErrorLocation } from "../errors";

/** The kernel function as gpu.js sees it: line 1 is the header, the body starts on line 2. */
export interface KernelSource {
  text: string;
  /** cell line of the body's first line */
  lineOffset: number;
  bodyLineCount: number;
}

const HEADER_LINES = 1;

export function makeKernelSource(params: readonly string[], body: string, lineOffset: number): KernelSource {
  const text = `function (${params.join(", ")}) {\n${body}\n}`;
  return { text, lineOffset, bodyLineCount: body.split("\n").length };
}

/** Parses the kernel source; a syntax error becomes a GpuKernelError pointing at the cell line. */
export function checkKernelSyntax(source: KernelSource, mode: string): AcornNode {
  try {
    // parenthesised so that an anonymous function is an expression; no line is added
    return parseJs(`(${source.text})`);
  } catch (e) {
    if (e instanceof SyntaxError && typeof (e as { pos?: unknown }).pos === "number") {
      const pos = Math.max(0, (e as unknown as { pos: number }).pos - 1);
      const location = locate(source, pos);
      const what = e.message.replace(/\s*\(\d+:\d+\)$/, "");
      throw new GpuKernelError(`%%gpu: syntax error${at(location)}: ${what}.`, mode, location, { cause: e });
    }
    throw e;
  }
}

/** Friendly names for the syntax gpu.js's tracer rejects as `unhandled type "X"`. */
const SYNTAX_NAMES: Record<string, string> = {
  ObjectExpression: "an object literal",
  ArrowFunctionExpression: "a nested (arrow) function",
  FunctionExpression: "a nested function",
  FunctionDeclaration: "a nested function declaration",
  TryStatement: "try/catch",
  ThrowStatement: "throw",
  TemplateLiteral: "a template string",
  NewExpression: "`new`",
  ClassExpression: "a class",
  ClassDeclaration: "a class",
  SpreadElement: "spread syntax (...)",
  AwaitExpression: "await",
  YieldExpression: "yield",
  ForOfStatement: "for...of",
  ForInStatement: "for...in",
  SwitchStatement: "switch",
  ObjectPattern: "destructuring",
  ArrayPattern: "destructuring",
  ChainExpression: "optional chaining (?.)",
};

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const SCOPE_HINT = "A kernel sees only its --in parameters, this.thread, this.output, this.constants and Math.";
const NESTED_FUNCTION_TYPES = ["FunctionExpression", "ArrowFunctionExpression", "FunctionDeclaration"];

/**
 * Explains an error thrown while gpu.js compiled (`phase` "compile") or ran
 * (`phase` "run") the kernel.
 */
export function explainKernelError(
  error: unknown,
  source: KernelSource,
  mode: string,
  phase: "compile" | "run",
): GpuKernelError {
  if (error instanceof GpuKernelError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const doing =
    phase === "compile"
      ? `cannot compile the kernel in mode ${mode}`
      : `the kernel failed while running in mode ${mode}`;
  const root = safeParse(source);

  const unhandled = /unhandled type "(\w+)"/.exec(message);
  const nestedFunction = (node: AcornNode): GpuKernelError => {
    const location = locate(source, node.start - 1);
    return new GpuKernelError(
      `%%gpu: ${doing}: nested functions (callbacks such as arr.map(v => ...)) are not supported in a gpu.js kernel` +
        `${at(location)}${snippet(source, node)}. Write the loop out with for.`,
      mode,
      location,
      { cause: error },
    );
  };
  if (unhandled && root && NESTED_FUNCTION_TYPES.includes(unhandled[1])) {
    const nested = findNode(root, (n) => NESTED_FUNCTION_TYPES.includes(n.type), 1);
    if (nested) return nestedFunction(nested);
  }
  if (unhandled && root) {
    const node = findNode(root, (n) => n.type === unhandled[1]);
    const location = node && locate(source, node.start - 1);
    const what = SYNTAX_NAMES[unhandled[1]] ?? `syntax of type ${unhandled[1]}`;
    return new GpuKernelError(
      `%%gpu: ${doing}: ${what} is not supported in a gpu.js kernel${at(location)}${snippet(source, node)}. ` +
        "Kernels may use numbers, arrays indexed by this.thread.x/y/z, loops, if/else and Math.*.",
      mode,
      location,
      { cause: error },
    );
  }

  // gpu.js's function builder crashes on callbacks (a.map(v => ...)) with a TypeError
  if (root && (stack.includes("onNestedFunction") || error instanceof TypeError)) {
    const nested = findNode(root, (n) => NESTED_FUNCTION_TYPES.includes(n.type), 1);
    if (nested) return nestedFunction(nested);
  }

  // the CPU back end prefixes user identifiers with user_
  const undefinedName = /^user_(\w+) is not defined/.exec(message);
  if (undefinedName && root) {
    const node = findNode(root, (n) => n.type === "Identifier" && n.name === undefinedName[1]);
    const location = node && locate(source, node.start - 1);
    return new GpuKernelError(
      `%%gpu: ${doing}: ${undefinedName[1]} is not defined${at(location)}. ${SCOPE_HINT}`,
      mode,
      location,
      { cause: error },
    );
  }

  // gpu.js's "<problem> on line N, position M:\n <code>": keep the problem, find the code ourselves
  const positioned = /^([\s\S]*?) on line \d+, position \d+:\n ?([\s\S]*)$/.exec(message);
  if (positioned) {
    const [, problem, code] = positioned;
    const location = findText(source, code.trim());
    if (problem === "Identifier is not defined" && IDENTIFIER.test(code.trim())) {
      return new GpuKernelError(
        `%%gpu: ${doing}: ${code.trim()} is not defined${at(location)}. ${SCOPE_HINT}`,
        mode,
        location,
        { cause: error },
      );
    }
    return new GpuKernelError(
      `%%gpu: ${doing}: ${problem}${at(location)}${code.trim() ? `: \`${code.trim()}\`` : ""}.`,
      mode,
      location,
      { cause: error },
    );
  }

  if (/returnType null/.test(message)) {
    return new GpuKernelError(
      `%%gpu: ${doing}: the kernel body returns nothing; end it with \`return <number>;\` (one value per output element).`,
      mode,
      undefined,
      { cause: error },
    );
  }

  const firstLine = message.split("\n")[0];
  return new GpuKernelError(`%%gpu: ${doing}: ${firstLine}`, mode, undefined, { cause: error });
}

function safeParse(source: KernelSource): AcornNode | undefined {
  try {
    return parseJs(`(${source.text})`);
  } catch {
    return undefined;
  }
}

/** Depth-first search; `skip` ignores that many matches (to step over the kernel function itself). */
function findNode(root: AcornNode, match: (n: AcornNode) => boolean, skip = 0): AcornNode | undefined {
  let toSkip = skip;
  const visit = (node: AcornNode): AcornNode | undefined => {
    if (match(node)) {
      if (toSkip === 0) return node;
      toSkip--;
    }
    for (const value of Object.values(node)) {
      const children = Array.isArray(value) ? value : [value];
      for (const child of children) {
        if (child && typeof child === "object" && typeof (child as AcornNode).type === "string") {
          const found = visit(child as AcornNode);
          if (found) return found;
        }
      }
    }
    return undefined;
  };
  return visit(root);
}

/** Location of the first occurrence of `text` in the body. */
function findText(source: KernelSource, text: string): KernelErrorLocation | undefined {
  if (!text) return undefined;
  const bodyStart = source.text.indexOf("\n") + 1;
  const index = source.text.indexOf(text, bodyStart);
  return index < 0 ? undefined : locate(source, index);
}

/** Cell location of a character offset in the kernel source text. */
export function locate(source: KernelSource, offset: number): KernelErrorLocation | undefined {
  const before = source.text.slice(0, Math.max(0, offset));
  const sourceLine = before.split("\n").length; // 1-based
  const bodyLine = sourceLine - HEADER_LINES;
  if (bodyLine < 1) return undefined;
  if (bodyLine > source.bodyLineCount) {
    // e.g. an unclosed brace, reported at the closing line we added
    return { cellLine: source.lineOffset + source.bodyLineCount - 1, column: 1 };
  }
  const column = before.length - before.lastIndexOf("\n");
  return { cellLine: source.lineOffset + bodyLine - 1, column };
}

function at(location: KernelErrorLocation | undefined): string {
  return location ? ` at cell line ${location.cellLine}, column ${location.column}` : "";
}

function snippet(source: KernelSource, node: AcornNode | undefined): string {
  if (!node) return "";
  // node offsets are in the parenthesised text: one character ahead
  const text = source.text.slice(node.start - 1, node.end - 1).split("\n")[0];
  return `: \`${text.length > 60 ? text.slice(0, 57) + "..." : text}\``;
}
