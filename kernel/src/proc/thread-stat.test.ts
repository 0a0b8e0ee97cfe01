import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as os from "node:os";
import { ownThreadCpuMs, ownThreadId, threadCpuMs } from "./schedstat";
import { parseThreadStat, readProcessStat, readThreadStat } from "./thread-stat";

// A real line from /proc/<pid>/task/<tid>/stat (52 fields), with utime 250 and stime 40 ticks, processor 1.
const LINE =
  "12345 (node) R 1 12345 12345 0 -1 4194560 2500 0 0 0 250 40 0 0 20 0 11 0 123456 1234567168 12000 " +
  "18446744073709551615 1 1 0 0 0 0 0 16781312 134235650 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0";

test("parseThreadStat: fields 14, 15 and 39", () => {
  assert.deepEqual(parseThreadStat(LINE), {
    tid: 12345,
    name: "node",
    state: "R",
    userMs: 2500,
    systemMs: 400,
    cpuMs: 2900,
    processor: 1,
  });
  assert.equal(parseThreadStat(LINE, 1000)?.cpuMs, 290);
});

test("parseThreadStat: names with spaces and parentheses", () => {
  const tricky = LINE.replace("(node)", "(a) b (c d))");
  const s = parseThreadStat(tricky);
  assert.equal(s?.name, "a) b (c d)");
  assert.equal(s?.processor, 1);
  assert.equal(s?.cpuMs, 2900);
});

test("parseThreadStat: not a stat line", () => {
  for (const bad of ["", "hello", "1 (x) R 2 3", "x (node) R" + LINE.slice(LINE.indexOf(")") + 3)]) {
    assert.equal(parseThreadStat(bad), undefined, JSON.stringify(bad.slice(0, 20)));
  }
});

test("readers on this process", { skip: process.platform !== "linux" }, () => {
  const own = readThreadStat(process.pid, ownThreadId()!);
  assert.ok(own);
  assert.equal(own.tid, process.pid); // the main thread's tid is the pid
  assert.ok(own.processor >= 0 && own.processor < os.cpus().length);
  assert.ok(readProcessStat(process.pid)!.cpuMs >= own.cpuMs - 10);
  assert.ok(Math.abs(threadCpuMs(process.pid, process.pid)! - ownThreadCpuMs()) < 50);
  assert.equal(readThreadStat(process.pid, 999_999_999), undefined);
});
