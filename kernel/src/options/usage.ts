import { HELP_OPTION, OptionSpec } from "./spec";

/** Usage text for --help, generated from the same declarations the parser reads. */
export function formatUsage(
  magic: string,
  synopsis: string,
  description: string,
  specs: readonly OptionSpec[],
): string {
  const all = [...specs, HELP_OPTION];
  const left = all.map((s) => {
    const names = s.short ? `${s.short}, ${s.flag}` : s.flag;
    if (s.type === "flag") return names;
    const value = s.metavar ?? s.choices?.join("|") ?? s.type.toUpperCase();
    return s.type === "optionalString" ? `${names} [${value}]` : `${names} ${value}`;
  });
  const width = Math.max(...left.map((l) => l.length)) + 2;
  const rows = all.map((s, i) => `  ${left[i].padEnd(width)}${s.help}`);
  return [`Usage: ${magic} ${synopsis}`.trimEnd(), "", description, "", "Options:", ...rows].join("\n");
}
