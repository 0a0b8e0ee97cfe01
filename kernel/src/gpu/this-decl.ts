/**
 * Type-checking a `%%gpu` body: prepend GPU_THIS_DECL to the cell's type
 * check and wrap the body with `wrapBodyForTypeCheck`, so that `this` in the
 * body has gpu.js's kernel type.
 */

/** Name of the declared `this` type. */
export const GPU_THIS_TYPE = "ParalabGpuKernelThis";

/** The declaration the integrator prepends; declaring it again in a later cell merges harmlessly. */
export const GPU_THIS_DECL =
  `interface ${GPU_THIS_TYPE} { ` +
  "thread: { x: number; y: number; z: number }; " +
  "output: { x: number; y: number; z: number }; " +
  "constants: Record<string, number>; }\n";

/**
 * The body as a typed function: one header line, then the body lines
 * unchanged, so a diagnostic on wrapped line L is on body line L - 1.
 * `paramTypes` defaults to `any` for each parameter. (No leading `__` in the name: tslab's
 * converter renames such identifiers.)
 */
export function wrapBodyForTypeCheck(body: string, params: readonly string[], paramTypes?: readonly string[]): string {
  const typed = params.map((name, i) => `${name}: ${paramTypes?.[i] ?? "any"}`);
  // A function expression: a source with no top-level names costs the checker one program, not two.
  return `(function (this: ${GPU_THIS_TYPE}${typed.map((p) => ", " + p).join("")}): number {\n${body}\n});\n`;
}
