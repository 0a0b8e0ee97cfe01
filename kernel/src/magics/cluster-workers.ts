/**
 * A cluster's workers as %cluster and %workers list them: where each runs, what it holds and has
 * done, and whether it has the kernel's key.
 */
import { keyId, loadClusterKey } from "../cluster/key";
import type { WorkerInfo } from "../cluster/registry";
import { formatBytes } from "../format";

/** The kernel's keyId, or undefined when it has no usable key (the listing says "?"). */
export function ownKeyId(keyFile: string | undefined): string | undefined {
  try {
    return keyId(loadClusterKey(keyFile));
  } catch {
    return undefined;
  }
}

/** Whether a worker can run this kernel's tasks: "yes", "no" (another key), "?" (unknown). */
function keyColumn(w: WorkerInfo, own: string | undefined): string {
  if (!w.keyId || !own) return "?";
  return w.keyId === own ? "yes" : "no (another key)";
}

const orUnknown = <T>(v: T | undefined, f: (v: T) => string) => (v === undefined ? "?" : f(v));

export function describeWorkers(display: string, workers: WorkerInfo[], startHint: string, own?: string): string {
  if (!workers.length) return `No paralab worker serves ${display} yet. ${startHint}`;
  const slots = workers.reduce((n, w) => n + w.slots, 0);
  const busy = workers.reduce((n, w) => n + w.busy, 0);
  const hosts = new Set(workers.map((w) => w.host)).size;
  const header = [
    "host",
    "pid",
    "slots",
    "busy",
    "tasks done",
    "CPU",
    "memory",
    "last heartbeat",
    "cores",
    "paralab",
    "our key",
  ];
  const now = Date.now();
  const rows = workers.map((w) => [
    w.host,
    String(w.pid),
    String(w.slots),
    String(w.busy),
    orUnknown(w.tasksDone, String),
    orUnknown(w.cpuMs, (ms) => `${(ms / 1000).toFixed(2)} s`),
    orUnknown(w.memoryBytes, formatBytes),
    `${(Math.max(0, now - w.heartbeatMs) / 1000).toFixed(1)} s ago`,
    String(w.cores),
    w.version,
    keyColumn(w, own),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  return [
    `${plural(workers.length, "worker")} on ${plural(hosts, "host")}, ${plural(slots, "slot")} (${busy} busy) serve ${display}`,
    fmt(header),
    ...rows.map(fmt),
  ].join("\n");
}
