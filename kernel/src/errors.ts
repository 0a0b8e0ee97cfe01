/**
 * Every user-facing error of the kernel. Each has a stable `name` (shown as the error's ename in
 * Jupyter) and a message that says what went wrong and what to do instead.
 */

/** The cell does not type-check; the message lists the diagnostics with cell line numbers. */
export class CompileError extends Error {
  override name = "CompileError";
}

/** The user pressed the stop button (SIGINT or interrupt_request). */
export class InterruptedError extends Error {
  override name = "KeyboardInterrupt";
  constructor(message = "Interrupted: the cell was stopped by the user.", options?: ErrorOptions) {
    super(message, options);
  }
}

/** A magic line is malformed: unknown magic or option, missing or bad value. Nothing has run. */
export class MagicOptionError extends Error {
  override name = "MagicOptionError";
}

/** A kernel variable a magic needs cannot be found or sent. */
export class VariableError extends Error {
  override name = "VariableError";
}

// The pool's and the GPU's errors live beside their code and are part of this one list.
export * from "./errors-pool";
export * from "./gpu/errors";
