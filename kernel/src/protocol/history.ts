/** Input (and output) history of this kernel session, answering history_request. */
export class History {
  /** IPython numbers sessions; paralab keeps one session per kernel process. */
  private readonly session = 1;
  private readonly entries: { line: number; input: string; output: string | undefined }[] = [];

  add(line: number, input: string, output: string | undefined): void {
    this.entries.push({ line, input, output });
  }

  query(req: Record<string, unknown>): unknown[] {
    const output = Boolean(req.output);
    const format = (e: (typeof this.entries)[number]) =>
      [this.session, e.line, output ? [e.input, e.output ?? null] : e.input] as const;
    const n = typeof req.n === "number" ? req.n : undefined;
    switch (req.hist_access_type) {
      case "tail":
        return (n === undefined ? this.entries : this.entries.slice(-n)).map(format);
      case "range": {
        const start = Number(req.start ?? 0);
        const stop = req.stop == null ? Infinity : Number(req.stop);
        return this.entries.filter((e) => e.line >= start && e.line < stop).map(format);
      }
      case "search": {
        const pattern = globToRegExp(String(req.pattern ?? "*"));
        let hits = this.entries.filter((e) => pattern.test(e.input));
        if (req.unique) {
          const seen = new Set<string>();
          hits = hits
            .reverse()
            .filter((e) => !seen.has(e.input) && seen.add(e.input))
            .reverse();
        }
        return (n === undefined ? hits : hits.slice(-n)).map(format);
      }
      default:
        return [];
    }
  }
}

/** IPython searches history with sqlite GLOB patterns: * and ? wildcards, whole-string match. */
function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, "[\\s\\S]*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}
