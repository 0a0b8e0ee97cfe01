/**
 * Prefixes each line of a worker's output with its rank (`[w0] `), across chunks that split
 * lines anywhere.
 */
export class StreamPrefixer {
  private readonly atLineStart = new Map<string, boolean>();

  /** `worker` names the worker where `w${rank}` says too little (a cluster's host:pid/w0). */
  prefix(rank: number, name: string, text: string, worker = `w${rank}`): string {
    const key = `${rank}:${name}`;
    const tag = `[${worker}] `;
    let out = "";
    let start = this.atLineStart.get(key) ?? true;
    for (const ch of text.split(/(?<=\n)/)) {
      out += (start ? tag : "") + ch;
      start = ch.endsWith("\n");
    }
    this.atLineStart.set(key, start);
    return out;
  }
}

/** Collects each worker's output for --group-outputs, printed per worker after the run. */
export class GroupedOutput {
  private readonly chunks = new Map<string, string>();
  private readonly names = new Map<number, string>();

  add(rank: number, name: "stdout" | "stderr", text: string, worker?: string): void {
    const key = `${name}:${rank}`;
    this.chunks.set(key, (this.chunks.get(key) ?? "") + text);
    if (worker) this.names.set(rank, worker);
  }

  /** One block per worker and stream, in rank order. */
  flush(write: (name: "stdout" | "stderr", text: string) => void): void {
    const entries = [...this.chunks.entries()].sort(([a], [b]) => Number(a.split(":")[1]) - Number(b.split(":")[1]));
    for (const [key, text] of entries) {
      const [name, rank] = key.split(":");
      const body = text.endsWith("\n") ? text : text + "\n";
      write(name as "stdout" | "stderr", `── ${this.names.get(Number(rank)) ?? `w${rank}`} ${name} ──\n${body}`);
    }
    this.chunks.clear();
  }
}
