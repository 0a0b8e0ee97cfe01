/** How messages about values that travel to and from workers name a value's type. */

/** The class of an object ("Map", "Celsius"; "object" when it has none), else its typeof; "null". */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name || "object";
}

/** The name with its article: "an Int32Array", "a Map". */
export function withArticle(name: string): string {
  return `${/^[AEIOU]/i.test(name) ? "an" : "a"} ${name}`;
}
