import { inspect } from "node:util";
import { enterCell, runningCell } from "../cell/current";
import type { CellScope } from "../cell/scope";
import { InterruptedError } from "../errors";
import { CellExecutor } from "../executor/executor";
import { maskMagics, parseCell } from "../magics/parse";
import { Magic } from "../magics/registry";
import { resolveMagic } from "../magics/resolve";
import type { Sampler } from "../monitor/sampler";
import { OutputSink, ownMimeBundle } from "../output";
import type { RunObserver } from "../monitor/observer";
import type { Runners } from "../parallel/runners";
import { CellRunner } from "../protocol/handler";
import { captureConsole } from "./console-capture";
import { theKernelHeap } from "../proc/heap-bound";

/** What a cell's scope holds beyond the execute request: the kernel's long-lived parts. */
export interface KernelParts {
  executor: CellExecutor;
  runners: Runners;
  sampler: Sampler;
  observer: RunObserver;
}

/** Runs cells: plain TypeScript through the executor, magics through their definitions. */
export class KernelCellRunner implements CellRunner {
  private abort?: AbortController;
  private readonly shutdownHooks: ((restart: boolean) => Promise<void>)[] = [];
  private readonly heap = theKernelHeap();
  readonly executor: CellExecutor;

  constructor(
    private readonly parts: KernelParts,
    private readonly magics: Magic[],
  ) {
    this.executor = parts.executor;
  }

  onShutdown(hook: (restart: boolean) => Promise<void>): void {
    this.shutdownHooks.push(hook);
  }

  async run(
    code: string,
    sink: OutputSink,
    io: { input(prompt: string, password: boolean): Promise<string> },
  ): Promise<void> {
    this.heap.beforeCell();
    const abort = new AbortController();
    this.abort = abort;
    const restore = captureConsole(sink);
    const background: Promise<void>[] = [];
    let restDone!: () => void;
    const rest = new Promise<void>((resolve) => (restDone = resolve));
    const scope: CellScope = {
      sink,
      signal: abort.signal,
      code: this.executor,
      runners: this.parts.runners,
      observer: this.parts.observer,
      sampler: this.parts.sampler,
      input: io.input,
      showValue: (value) => sink.result(toMimeBundle(value)),
      outputNow: () => runningCell()?.sink,
      background: (task) => void background.push(task(rest)),
    };
    const leave = enterCell(scope);
    const stopReporting = this.parts.runners.background.reportTo((e) =>
      sink.stream("stderr", `Warning: ${e.message}\n`),
    );
    try {
      const segments = parseCell(code);
      for (const [i, segment] of segments.entries()) {
        if (segment.type === "code") {
          const runCode = this.executor.prepare(segment.code);
          // An interrupt that came while the cell was type-checked (synchronously) is waiting in
          // the event loop: take it now, or a loop about to start would never see it.
          await new Promise((resolve) => setImmediate(resolve));
          if (abort.signal.aborted) throw new InterruptedError();
          const outcome = await runCode();
          if (outcome.hasValue) scope.showValue(outcome.value);
          continue;
        }
        const resolved = resolveMagic(segment.call, this.magics);
        if (resolved.help) {
          sink.stream("stdout", resolved.help + "\n");
          continue;
        }
        const ctx = { ...scope, followedByCode: i < segments.length - 1 };
        await resolved.magic.run(resolved.call, resolved.options, ctx, resolved.positional);
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
      stopReporting();
      leave();
      restore();
      this.abort = undefined;
      this.heap.afterCell();
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
    let first;
    try {
      [first] = parseCell(code);
    } catch {
      return { status: "complete" as const }; // running it reports the misplaced magic
    }
    if (first?.type === "magic" && first.call.kind === "cell" && (!first.call.body.trim() || !/\n\s*$/.test(code))) {
      return { status: "incomplete" as const, indent: "" };
    }
    return this.executor.isComplete(maskMagics(code));
  }

  async evaluate(expression: string): Promise<Record<string, unknown>> {
    const outcome = await this.executor.execute(expression);
    return toMimeBundle(outcome.value);
  }

  warmUp(): void {
    this.executor.warmUp();
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
  const own = ownMimeBundle(value);
  if (own) return own;
  return {
    "text/plain": typeof value === "string" ? inspect(value) : inspect(value, { depth: 4, maxArrayLength: 100 }),
  };
}
