import { inspect } from "node:util";
import { InterruptedError } from "../errors";
import { CellExecutor } from "../executor/executor";
import { resolveMagic } from "../magics/dispatch";
import { maskMagics, parseCell } from "../magics/parse";
import { Magic, MagicContext } from "../magics/registry";
import { OutputSink } from "../output";
import { CellRunner } from "../protocol/handler";
import { captureConsole } from "./console-capture";
import { setCurrentCell } from "./current";
import { setInputHandler } from "./input";

/** Runs cells: plain TypeScript through the executor, magics through their definitions. */
export class KernelCellRunner implements CellRunner {
  private abort?: AbortController;
  private readonly shutdownHooks: ((restart: boolean) => Promise<void>)[] = [];

  constructor(
    readonly executor: CellExecutor,
    private readonly magics: Magic[],
  ) {}

  addMagic(magic: Magic): void {
    this.magics.push(magic);
  }

  onShutdown(hook: (restart: boolean) => Promise<void>): void {
    this.shutdownHooks.push(hook);
  }

  async run(
    code: string,
    sink: OutputSink,
    io: { input(prompt: string, password: boolean): Promise<string> },
  ): Promise<void> {
    const abort = new AbortController();
    this.abort = abort;
    const restore = captureConsole(sink);
    setInputHandler(io.input);
    const background: Promise<void>[] = [];
    let restDone!: () => void;
    const rest = new Promise<void>((resolve) => (restDone = resolve));
    try {
      const showValue = (value: unknown) => sink.result(toMimeBundle(value));
      const segments = parseCell(code);
      const base = { sink, signal: abort.signal, executor: this.executor, showValue, magics: this.magics };
      for (const [i, segment] of segments.entries()) {
        const ctx: MagicContext = {
          ...base,
          followedByCode: i < segments.length - 1,
          background: (task) => void background.push(task(rest)),
        };
        setCurrentCell(ctx);
        if (segment.type === "code") {
          const outcome = await this.executor.execute(segment.code);
          if (outcome.hasValue) showValue(outcome.value);
          continue;
        }
        const resolved = resolveMagic(segment.call, this.magics);
        if (resolved.help) {
          sink.stream("stdout", resolved.help + "\n");
          continue;
        }
        await resolved.magic.run(resolved.call, resolved.options, ctx);
      }
      restDone();
      await Promise.all(background);
    } catch (e) {
      // Background tasks (e.g. %monitor) stop with the cell.
      abort.abort(e);
      restDone();
      await Promise.allSettled(background);
      throw isSigintError(e) ? new InterruptedError(undefined, { cause: e }) : e;
    } finally {
      setCurrentCell(undefined);
      restore();
      this.abort = undefined;
    }
  }

  complete(code: string, cursor: number) {
    return this.executor.complete(maskMagics(code), cursor);
  }

  inspect(code: string, cursor: number) {
    return this.executor.inspect(maskMagics(code), cursor);
  }

  /** Like IPython's console: a cell magic's body ends with an empty line. */
  isComplete(code: string) {
    const [first] = parseCell(code);
    if (first?.type === "magic" && first.call.kind === "cell" && (!first.call.body.trim() || !/\n\s*$/.test(code))) {
      return { status: "incomplete" as const, indent: "" };
    }
    return this.executor.isComplete(maskMagics(code));
  }

  async evaluate(expression: string): Promise<Record<string, unknown>> {
    const outcome = await this.executor.execute(expression);
    return toMimeBundle(outcome.value);
  }

  interrupt(): void {
    this.executor.interrupt();
    this.abort?.abort(new InterruptedError());
  }

  async shutdown(restart: boolean): Promise<void> {
    for (const hook of this.shutdownHooks) await hook(restart);
    this.executor.close();
  }
}

/** vm's breakOnSigint throws this when SIGINT stops synchronous code. */
function isSigintError(e: unknown): boolean {
  return e instanceof Error && /Script execution was interrupted by `SIGINT`/.test(e.message);
}

/** A cell's value as Jupyter shows it: text/plain as Node's inspect prints it. */
export function toMimeBundle(value: unknown): Record<string, unknown> {
  return {
    "text/plain": typeof value === "string" ? inspect(value) : inspect(value, { depth: 4, maxArrayLength: 100 }),
  };
}
