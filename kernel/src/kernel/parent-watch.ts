/**
 * Ends the kernel when the process that launched it dies, as ipykernel does: jupyter_client names
 * itself in JPY_PARENT_PID, and a frontend killed with SIGKILL never sends shutdown_request, so
 * without this its kernel (and the kernel's workers) would live on forever.
 */
export function watchParent(onParentGone: () => void, env = process.env, periodMs = 1000): () => void {
  const parentPid = Number(env.JPY_PARENT_PID);
  if (!Number.isInteger(parentPid) || parentPid <= 1) return () => {};
  const timer = setInterval(() => {
    if (!isAlive(parentPid)) {
      clearInterval(timer);
      onParentGone();
    }
  }, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
