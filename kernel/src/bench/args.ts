/** Command line of `npm run bench -- [--quick] [--full] [--only ids] [--json FILE]` (pure). */

export interface BenchArgs {
  /** Reduced run (fewer repetitions and items), for a check under ~90 s. */
  quick: boolean;
  /** Also the slow cases (GPU matmul 1024). */
  full: boolean;
  /** Section ids to run; undefined = all. */
  only?: string[];
  jsonPath: string;
}

export const USAGE = `usage: npm run bench -- [--quick] [--full] [--only kernel,deno,toplevel,tiny,cpu,data,cell,ipp,gpu,cluster,graph] [--json FILE]
  --quick   reduced run (under ~90 s)
  --full    also the slow cases (GPU matmul 1024, ~40 s)
  --only    run only these sections
  --json    where to write the results (default build/bench.json)`;

export function parseBenchArgs(argv: readonly string[], sectionIds: readonly string[]): BenchArgs {
  const out: BenchArgs = { quick: false, full: false, jsonPath: "build/bench.json" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") out.quick = true;
    else if (a === "--full") out.full = true;
    else if (a === "--only" || a === "--json") {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`bench: ${a} needs a value.\n${USAGE}`);
      if (a === "--json") out.jsonPath = v;
      else {
        out.only = v.split(",").filter(Boolean);
        const bad = out.only.filter((id) => !sectionIds.includes(id));
        if (bad.length) throw new Error(`bench: unknown section ${bad.join(", ")}. Sections: ${sectionIds.join(", ")}`);
      }
    } else throw new Error(`bench: unknown option ${a}.\n${USAGE}`);
  }
  return out;
}
