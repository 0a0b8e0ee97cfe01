/**
 * Weak scaling (`--scaling 1,2,4 --weak`): the work grows with the workers. In map mode the --map
 * expression is evaluated once per pool size with that size bound to WEAK_SIZE_NAME (the name the
 * SPMD body already sees); the SPMD body's share is fixed, so its total work is size × share.
 */

/** The name under which --weak shows a --map expression the pool size of each pass. */
export const WEAK_SIZE_NAME = "size";

/** The --map expression with `size` bound to the pool size: TypeScript, for the kernel to run or check. */
export function mapExprAtSize(expr: string, size: number | string): string {
  return `((${WEAK_SIZE_NAME}: number) => (${expr}))(${size})`;
}
