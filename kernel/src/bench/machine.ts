/** The machine the numbers come from, and how busy other processes keep it. */
import * as os from "node:os";

export interface Machine {
  cpus: number;
  model: string;
  memoryGb: number;
  node: string;
  platform: string;
}

export function describeMachine(): Machine {
  return {
    cpus: os.availableParallelism(),
    model: os.cpus()[0]?.model ?? "unknown",
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** Percent of all cores busy over the next `ms` while this process sleeps (others' load). */
export async function busyPercent(ms = 500): Promise<number> {
  const total = () =>
    os.cpus().reduce(
      (acc, c) => {
        const t = c.times;
        acc.busy += t.user + t.nice + t.sys + t.irq;
        acc.all += t.user + t.nice + t.sys + t.irq + t.idle;
        return acc;
      },
      { busy: 0, all: 0 },
    );
  const a = total();
  await new Promise((r) => setTimeout(r, ms));
  const b = total();
  return b.all > a.all ? (100 * (b.busy - a.busy)) / (b.all - a.all) : 0;
}
