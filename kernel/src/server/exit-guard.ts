import { ProcessExitError } from "../errors";

/**
 * While the kernel runs, `process.exit` in a cell (or in a timer it set) throws ProcessExitError
 * instead of ending the kernel with no reply. Returns `restore`, which puts the original back (at
 * shutdown, so that `paralab run` can exit); the kernel's own exit path keeps a bound original.
 */
export function guardProcessExit(): () => void {
  const original = process.exit;
  const guarded = (code?: number | string | null): never => {
    throw new ProcessExitError(code);
  };
  process.exit = guarded as typeof process.exit;
  return () => {
    if (process.exit === guarded) process.exit = original;
  };
}
