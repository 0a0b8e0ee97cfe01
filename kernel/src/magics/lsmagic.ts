import { Magic } from "./registry";

/** `%lsmagic`, over the kernel's magics (given late: the list includes %lsmagic itself). */
export const lsmagicMagic = (magics: () => readonly Magic[]): Magic => ({
  name: "lsmagic",
  kinds: ["line"],
  summary: "list the magics",
  synopsis: "",
  description: "Lists every line (%) and cell (%%) magic with a one-line summary. Each magic takes --help.",
  options: [],
  async run(_call, _options, ctx) {
    const rows: string[] = [];
    for (const kind of ["line", "cell"] as const) {
      const names = magics().filter((m) => m.kinds.includes(kind));
      rows.push(kind === "line" ? "Line magics:" : "Cell magics:");
      const width = Math.max(...names.map((m) => m.name.length)) + 4;
      for (const m of names) rows.push(`  ${(kind === "line" ? "%" : "%%") + m.name}`.padEnd(width + 2) + m.summary);
      rows.push("");
    }
    rows.push("Every magic prints its usage with --help, e.g. %%parallel --help.");
    ctx.sink.stream("stdout", rows.join("\n") + "\n");
  },
});
