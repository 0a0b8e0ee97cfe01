import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { Every, KERNEL_PID_VAR, ProcessProbe, watchKernel, watchParent } from "./parent-watch";

/** A periodic check that runs only when the test ticks it. */
function manualEvery(): Every & { tick(times: number): void } {
  let check: (() => void) | undefined;
  const every: Every = (fn) => {
    check = fn;
    return () => (check = undefined);
  };
  const tick = (times: number) => {
    for (let i = 0; i < times; i++) check?.();
  };
  return Object.assign(every, { tick });
}

function fakeProcesses(ppid: number, running: Set<number>): ProcessProbe & { reparent(to: number): void } {
  return {
    ppid: () => ppid,
    running: (pid) => running.has(pid),
    reparent: (to) => (ppid = to),
  };
}

test("the kernel ends when it is reparented, even while its dead launcher still shows as a process", () => {
  const every = manualEvery();
  const probe = fakeProcesses(500, new Set([500]));
  let gone = 0;
  watchParent(() => gone++, { JPY_PARENT_PID: "500" }, 1000, probe, every);
  every.tick(3);
  assert.equal(gone, 0);
  probe.reparent(1);
  every.tick(1);
  assert.equal(gone, 1);
  every.tick(5);
  assert.equal(gone, 1, "the watch stops after reporting once");
});

test("the kernel ends when the launcher named in JPY_PARENT_PID stops running, if it is not the direct parent", () => {
  const every = manualEvery();
  const running = new Set([700]);
  let gone = 0;
  watchParent(() => gone++, { JPY_PARENT_PID: "700" }, 1000, fakeProcesses(650, running), every);
  every.tick(2);
  assert.equal(gone, 0);
  running.delete(700);
  every.tick(1);
  assert.equal(gone, 1);
});

test("without JPY_PARENT_PID nothing is watched", () => {
  const every = manualEvery();
  let gone = 0;
  watchParent(() => gone++, {}, 1000, fakeProcesses(1, new Set()), every);
  every.tick(5);
  assert.equal(gone, 0);
});

test("a launcher that died but was not reaped (a zombie) counts as gone", async () => {
  // `sleep 0` exits at once; its parent execs into a `sleep` that never reaps it: a zombie.
  const shell = spawn("sh", ["-c", "sleep 0 & echo $!; exec sleep 5"], { stdio: ["ignore", "pipe", "ignore"] });
  try {
    const zombie = Number(await new Promise<string>((resolve) => shell.stdout.once("data", (d) => resolve(String(d)))));
    const noticed = await new Promise<boolean>((resolve) => {
      const stop = watchParent(() => resolve(true), { JPY_PARENT_PID: String(zombie) }, 20);
      setTimeout(() => {
        stop();
        resolve(false);
      }, 3000);
    });
    assert.equal(noticed, true);
  } finally {
    shell.kill();
  }
});

test("a worker started from a cell stops once the kernel named in PARALAB_KERNEL_PID ends, once", () => {
  const every = manualEvery();
  const running = new Set([800]);
  const gone: number[] = [];
  // The kernel need not be the parent (a shell may be between them, and gone).
  watchKernel((pid) => gone.push(pid), { [KERNEL_PID_VAR]: "800" }, 1000, fakeProcesses(1, running), every);
  every.tick(3);
  assert.deepEqual(gone, []);
  running.delete(800);
  every.tick(4);
  assert.deepEqual(gone, [800]);
});

test("a worker started elsewhere (no PARALAB_KERNEL_PID, or its own pid) watches nothing", () => {
  for (const env of [{}, { [KERNEL_PID_VAR]: "" }, { [KERNEL_PID_VAR]: String(process.pid) }]) {
    const every = manualEvery();
    let gone = 0;
    watchKernel(() => gone++, env, 1000, fakeProcesses(1, new Set()), every);
    every.tick(3);
    assert.equal(gone, 0, JSON.stringify(env));
  }
});
