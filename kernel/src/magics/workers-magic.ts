import os from "node:os";
import { MagicOptionError } from "../errors";
import { lastCore } from "../monitor/last-core";
import { formatBytes } from "../format";
import { Magic } from "./registry";

/** `%workers`: pool status; `%workers N`, `%workers --processes|--threads`, `%workers restart`. */
export const workersMagic: Magic = {
  name: "workers",
  kinds: ["line"],
  summary: "pool status; %workers N resizes, --processes/--threads switches kind, restart restarts",
  synopsis: "[N | restart] [--processes | --threads]",
  description:
    "Without arguments: each worker's rank, kind, state, tasks done, CPU time and memory.\n" +
    "%workers 4 resizes the pool; %workers --processes (or --threads) switches the kind of worker;\n" +
    "%workers restart replaces every worker. Resizing down, switching and restarting lose worker state.",
  options: [
    { flag: "--processes", type: "flag", help: "use child processes from now on (worker state is lost)" },
    { flag: "--threads", type: "flag", help: "use worker threads from now on (worker state is lost)" },
  ],
  positional: "words",
  async run(_call, options, ctx, positional) {
    const session = ctx.runners;
    if (positional.length > 1)
      throw new MagicOptionError(
        `%workers: expected one of N or "restart", got "${positional.join(" ")}". Try: %workers 4`,
      );
    const word = positional[0] ?? "";
    if (options.processes && options.threads)
      throw new MagicOptionError("%workers: give one of --processes and --threads.");
    const say = (text: string) => ctx.sink.stream("stdout", text + "\n");
    if (options.processes || options.threads) {
      const kind = options.processes ? "process" : "thread";
      await session.setKind(kind);
      say(
        `Workers are now ${kind === "process" ? "child processes" : "worker threads"} (${session.defaultSize}); worker state was reset.`,
      );
    }
    if (word === "restart") {
      await session.restart();
      say(`Restarted ${session.defaultSize} workers; worker state was lost.`);
      return;
    }
    if (word !== "") {
      const n = Number(word);
      if (!/^\d+$/.test(word) || n < 1) {
        throw new MagicOptionError(
          `%workers: expected a positive number of workers or "restart", got "${word}". Try: %workers 4`,
        );
      }
      const shrinking = n < session.defaultSize;
      await session.resize(n);
      say(`The pool has ${n} workers${shrinking ? " (workers above the new size stopped; their state is lost)" : ""}.`);
      if (n > os.availableParallelism())
        say(`Note: ${n} workers on ${os.availableParallelism()} cores is oversubscribed.`);
      return;
    }
    if (options.processes || options.threads) return;
    // A fresh kernel starts its workers on first use; show them ready rather than "starting".
    const pool = session.local();
    await pool.ensureWorkers(session.defaultSize, ctx.signal);
    const rows = pool.status();
    const header = ["rank", "kind", "state", "tasks", "CPU time", "memory", "last core", "pid/tid"];
    const table = rows.map((w) => [
      `w${w.rank}`,
      w.kind,
      w.state,
      String(w.tasksDone),
      `${(w.cpuTimeMs / 1000).toFixed(2)} s`,
      formatBytes(w.memoryBytes),
      String(lastCore(w) ?? "?"),
      w.kind === "thread" ? `${w.pid}/${w.osThreadId ?? "?"}` : String(w.pid),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
    const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ");
    say(`${rows.length} ${pool.kind} workers on ${os.availableParallelism()} cores`);
    say([fmt(header), ...table.map(fmt)].join("\n"));
  },
};
