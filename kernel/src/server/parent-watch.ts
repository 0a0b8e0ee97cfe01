import * as fs from "node:fs";

/** How the watch looks at processes; tests give their own. */
export interface ProcessProbe {
  /** This process's parent pid now. */
  ppid(): number;
  /** Whether `pid` runs: false when it has gone or is a zombie waiting to be reaped. */
  running(pid: number): boolean;
}

/** Calls `check` every `periodMs` until the returned function is called; tests tick by hand. */
export type Every = (check: () => void, periodMs: number) => () => void;

const SYSTEM: ProcessProbe = { ppid: () => process.ppid, running: isRunning };

const INTERVAL: Every = (check, periodMs) => {
  const timer = setInterval(check, periodMs);
  timer.unref();
  return () => clearInterval(timer);
};

/**
 * Ends the kernel when the process that launched it dies, as ipykernel's parent poller does:
 * jupyter_client names itself in JPY_PARENT_PID, and a frontend killed with SIGKILL never sends
 * shutdown_request, so without this its kernel (and the kernel's workers) would live on forever.
 *
 * A dead parent that has not been reaped yet is a zombie, and `kill(pid, 0)` still succeeds on
 * it. So, like ipykernel, the watch also notices being reparented (our parent pid changes the
 * moment the parent dies, reaped or not) and reads a zombie's state as gone.
 */
export function watchParent(
  onParentGone: () => void,
  env: NodeJS.ProcessEnv = process.env,
  periodMs = 1000,
  probe: ProcessProbe = SYSTEM,
  every: Every = INTERVAL,
): () => void {
  const parentPid = Number(env.JPY_PARENT_PID);
  if (!Number.isInteger(parentPid) || parentPid <= 1) return () => {};
  const originalPpid = probe.ppid();
  const stop = every(() => {
    if (probe.ppid() !== originalPpid || !probe.running(parentPid)) {
      stop();
      onParentGone();
    }
  }, periodMs);
  return stop;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  if (process.platform !== "linux") return true; // no /proc: kill(pid, 0) is all we can know
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return false; // gone since kill(pid, 0)
  }
}

/**
 * The kernel names itself in this variable, so that a `paralab worker` a cell starts (notebook 10
 * starts its cluster's that way) inherits it and ends with the kernel: a kernel killed with
 * SIGKILL runs no exit handler, and its workers would otherwise serve the queue forever.
 */
export const KERNEL_PID_VAR = "PARALAB_KERNEL_PID";

/**
 * Calls `onKernelGone` once the kernel named in PARALAB_KERNEL_PID has ended (a zombie counts as
 * ended); does nothing when the variable names no kernel. The kernel need not be the parent: a
 * shell between them may have exited long before.
 */
export function watchKernel(
  onKernelGone: (pid: number) => void,
  env: NodeJS.ProcessEnv = process.env,
  periodMs = 1000,
  probe: ProcessProbe = SYSTEM,
  every: Every = INTERVAL,
): () => void {
  const pid = Number(env[KERNEL_PID_VAR]);
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return () => {};
  const stop = every(() => {
    if (!probe.running(pid)) {
      stop();
      onKernelGone(pid);
    }
  }, periodMs);
  return stop;
}
