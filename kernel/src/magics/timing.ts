import { MagicOptionError } from "../errors";
import { formatDuration } from "../format";
import { Magic, MagicContext } from "./registry";
import type { ExecuteOutcome } from "../executor/executor";

/** Wall and CPU time of running `run` once. */
export async function measure<T>(
  run: () => Promise<T>,
): Promise<{ value: T; wallMs: number; userMs: number; systemMs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await run();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { value, wallMs, userMs: cpu.user / 1000, systemMs: cpu.system / 1000 };
}

function showOutcome(outcome: ExecuteOutcome, ctx: MagicContext): void {
  if (outcome.hasValue) ctx.showValue(outcome.value);
}

export const timeMagic: Magic = {
  name: "time",
  kinds: ["line", "cell"],
  summary: "wall and CPU time of a line or cell",
  synopsis: "CODE   or   %%time (cell body is the code)",
  description: "Runs the code once and prints its CPU time (user, sys) and wall time, then its result.",
  options: [],
  positional: "code",
  async run(call, _options, ctx) {
    const code = call.body;
    if (!code.trim()) throw new MagicOptionError(`%time: nothing to time. Try: %time [1, 2, 3].map((x) => x * 2)`);
    const prepared = ctx.code.prepare(code);
    const t = await measure(prepared);
    ctx.sink.stream(
      "stdout",
      `CPU times: user ${formatDuration(t.userMs)}, sys ${formatDuration(t.systemMs)}, total ${formatDuration(t.userMs + t.systemMs)}\n` +
        `Wall time: ${formatDuration(t.wallMs)}\n`,
    );
    showOutcome(t.value, ctx);
  },
};

export const timeitMagic: Magic = {
  name: "timeit",
  kinds: ["line", "cell"],
  summary: "repeat a line or cell and report mean ± std",
  synopsis: "[-n N] [-r R] CODE   or   %%timeit [-n N] [-r R] (cell body is the code)",
  description:
    "Runs the code N times per round, R rounds, and prints the mean and standard deviation of one run " +
    "across rounds. Without -n, N grows until a round takes at least 0.2 s.",
  options: [
    {
      flag: "--number",
      short: "-n",
      type: "int",
      metavar: "N",
      help: "runs per round (default: chosen automatically)",
      example: "100",
    },
    { flag: "--repeat", short: "-r", type: "int", metavar: "R", help: "rounds (default: 7)", example: "7" },
  ],
  positional: "code",
  async run(call, options, ctx) {
    const code = call.body;
    if (!code.trim()) throw new MagicOptionError(`%timeit: nothing to time. Try: %timeit Math.sqrt(2)`);
    const prepared = ctx.code.prepare(code);
    const rounds = (options.repeat as number | undefined) ?? 7;
    const runRound = async (n: number) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        await prepared();
        if (ctx.signal.aborted) throw ctx.signal.reason;
      }
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    let number = options.number as number | undefined;
    if (number === undefined) {
      number = 1;
      while ((await runRound(number)) < 200 && number < 1e9) number *= 10;
    }
    const perRun: number[] = [];
    for (let r = 0; r < rounds; r++) perRun.push((await runRound(number)) / number);
    const mean = perRun.reduce((a, b) => a + b, 0) / perRun.length;
    const std = Math.sqrt(perRun.reduce((a, b) => a + (b - mean) ** 2, 0) / perRun.length);
    ctx.sink.stream(
      "stdout",
      `${formatDuration(mean)} ± ${formatDuration(std)} per loop (mean ± std. dev. of ${rounds} run${rounds === 1 ? "" : "s"}, ` +
        `${number} loop${number === 1 ? "" : "s"} each)\n`,
    );
  },
};
