import os from "node:os";
import { MagicOptionError } from "../errors";
import { describeWorkers, ownKeyId } from "./cluster-workers";
import { lastCore } from "../monitor/last-core";
import { formatBytes } from "../format";
import { Magic } from "./registry";

/** `%workers`: pool status; `%workers N`, `%workers --processes|--threads`, `%workers --memory MB`, `%workers restart`. */
export const workersMagic: Magic = {
  name: "workers",
  kinds: ["line"],
  summary: "pool status; %workers N resizes, --processes/--threads switches kind, --memory sets the heap limit",
  synopsis: "[N | restart] [--processes | --threads] [--memory MB] [--no-memory-check]",
  description:
    "Without arguments: the pools' workers (rank, kind, state, tasks done, CPU time, memory) and their heap limit.\n" +
    "%workers 4 resizes the pool; %workers --processes (or --threads) switches the kind of worker;\n" +
    "%workers --memory 2048 gives each worker a 2048 MB heap limit; %workers restart replaces every worker.\n" +
    "Resizing down, switching, a new heap limit and restarting lose worker state.\n" +
    "A pool that would not fit in the memory available is refused before it starts; --no-memory-check starts it anyway.",
  options: [
    { flag: "--processes", type: "flag", help: "use child processes from now on (worker state is lost)" },
    { flag: "--threads", type: "flag", help: "use worker threads from now on (worker state is lost)" },
    {
      flag: "--memory",
      type: "int",
      min: 16,
      metavar: "MB",
      help: "heap limit of each worker, in MB (workers restart; their state is lost)",
      example: "2048",
    },
    {
      flag: "--no-memory-check",
      type: "flag",
      help: "start the workers even when they will not fit in the memory available",
    },
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
    const n = word === "" || word === "restart" ? undefined : Number(word);
    if (n !== undefined && (!/^\d+$/.test(word) || n < 1)) {
      throw new MagicOptionError(
        `%workers: expected a positive number of workers or "restart", got "${word}". Try: %workers 4`,
      );
    }
    const say = (text: string) => ctx.sink.stream("stdout", text + "\n");
    const cores = os.availableParallelism();
    if (options.processes || options.threads) {
      const kind = options.processes ? "process" : "thread";
      await session.setKind(kind);
      say(
        `Workers are now ${kind === "process" ? "child processes" : "worker threads"} (${session.defaultSize}); worker state was reset.`,
      );
    }
    if (n !== undefined) {
      // A pool that will not fit is refused before its workers start.
      const shrinking = n < session.defaultSize;
      await session.resize(n, {
        memoryCheck: options.noMemoryCheck
          ? undefined
          : { caller: "%workers", override: `%workers ${n} --no-memory-check` },
      });
      say(`The pool has ${n} workers${shrinking ? " (workers above the new size stopped; their state is lost)" : ""}.`);
      if (n > cores) say(`Note: ${n} workers on ${cores} cores is oversubscribed.`);
    }
    if (options.memory !== undefined) {
      await session.setMemoryLimit(options.memory as number);
      say(
        `Each worker now has a heap limit of ${session.memoryLimitMb} MB; the workers restarted (worker state was lost).`,
      );
    }
    if (word === "restart") {
      await session.restart();
      say(`Restarted ${session.defaultSize} workers; worker state was lost.`);
      return;
    }
    if (n !== undefined || options.processes || options.threads || options.memory !== undefined) return;
    // A fresh kernel starts its workers on first use; show them ready rather than "starting".
    await session.local().ensureWorkers(session.defaultSize, ctx.signal);
    const header = ["rank", "kind", "state", "tasks", "CPU time", "memory", "last core", "pid/tid"];
    for (const pool of session.pools()) {
      const rows = pool.status();
      if (!rows.length) continue;
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
      const isDefault = pool.kind === session.defaultKind;
      say(
        `${rows.length} ${pool.kind} workers on ${cores} cores${isDefault ? " (the default pool)" : ""}; ` +
          `heap limit ${pool.memoryLimitMb ?? "V8's default"} MB per worker (%workers --memory MB changes it)`,
      );
      say([fmt(header), ...table.map(fmt)].join("\n"));
    }
    if (session.clusterUrl !== undefined) {
      const cluster = session.cluster(session.clusterUrl);
      say(
        `Map cells, parallel.map and compute run on the cluster ${cluster.address.display}, ` +
          "not on this pool (%cluster off comes back here). Its workers:",
      );
      try {
        const workers = await cluster.workers();
        say(describeWorkers(cluster.address.display, workers, cluster.startHint, ownKeyId(session.clusterKeyFile)));
      } catch (e) {
        say(`(cannot list them: ${(e as Error).message})`);
      }
    }
  },
};
