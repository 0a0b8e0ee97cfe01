import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
    return !/^\d+ \(.*\) Z/.test(stat); // a zombie has exited (only its parent has not reaped it)
  } catch {
    return false;
  }
}

describe("process workers never outlive the kernel", { skip: process.platform !== "linux" }, () => {
  it("busy children die when the parent is SIGKILLed", async () => {
    const parent = spawn(process.execPath, [path.join(__dirname, "fixtures", "orphan-parent.js")], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((resolve) => parent.stdout.once("data", (d: Buffer) => resolve(String(d))));
    const pids = JSON.parse(line) as number[];
    assert.equal(pids.length, 2);
    assert.ok(pids.every(running));
    parent.kill("SIGKILL");
    const deadline = Date.now() + 5000;
    while (pids.some(running) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(pids.filter(running), [], "children still running after the parent died");
  });
});
