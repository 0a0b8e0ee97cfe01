/**
 * Binary values inside widget state (messaging spec 2): before sending, each binary value is taken
 * out of the state and its path recorded in `buffer_paths`; the bytes travel as the message's
 * binary frames. A binary item of a list is replaced by null, a binary value of an object key is
 * removed. On receipt, putBuffers puts each frame back at its path.
 */

/** A path into a state object: object keys and list indices. */
export type BufferPath = (string | number)[];

export function isBinary(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

export function asBytes(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(value)
    ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
    : new Uint8Array(value);
}

/**
 * The state without its binary values, their paths and their bytes. Objects and lists that hold
 * binary values are copied; the caller's state is not changed.
 */
export function removeBuffers(state: Record<string, unknown>): {
  state: Record<string, unknown>;
  bufferPaths: BufferPath[];
  buffers: Uint8Array[];
} {
  const bufferPaths: BufferPath[] = [];
  const buffers: Uint8Array[] = [];
  const walk = (value: unknown, path: BufferPath): unknown => {
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      value.forEach((item, i) => {
        const inner = isBinary(item) ? take(item, [...path, i]) : walk(item, [...path, i]);
        if (inner !== item) (copy ??= [...value])[i] = inner;
      });
      return copy ?? value;
    }
    if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
      let copy: Record<string, unknown> | undefined;
      for (const [key, item] of Object.entries(value)) {
        if (isBinary(item)) {
          take(item, [...path, key]);
          copy ??= { ...(value as Record<string, unknown>) };
          delete copy[key];
          continue;
        }
        const inner = walk(item, [...path, key]);
        if (inner !== item) (copy ??= { ...(value as Record<string, unknown>) })[key] = inner;
      }
      return copy ?? value;
    }
    return value;
  };
  const take = (item: ArrayBuffer | ArrayBufferView, path: BufferPath): null => {
    bufferPaths.push(path);
    buffers.push(asBytes(item));
    return null;
  };
  return { state: walk(state, []) as Record<string, unknown>, bufferPaths, buffers };
}

/** Puts each buffer back into `state` at its path (in place); a path that does not fit is an error naming it. */
export function putBuffers(state: Record<string, unknown>, paths: unknown, buffers: readonly Uint8Array[]): void {
  if (!Array.isArray(paths)) return;
  paths.forEach((path: unknown, i) => {
    if (!Array.isArray(path) || path.length === 0 || i >= buffers.length) {
      throw new Error(
        `widget message: buffer_paths[${i}] is ${JSON.stringify(path)} with ${buffers.length} buffer(s): each path must be a non-empty list with one buffer per path`,
      );
    }
    let obj = state as Record<string | number, unknown>;
    for (const key of path.slice(0, -1)) {
      const next = obj[key as string | number];
      if (!next || typeof next !== "object") {
        throw new Error(`widget message: buffer path ${JSON.stringify(path)} does not exist in the state`);
      }
      obj = next as Record<string | number, unknown>;
    }
    obj[path[path.length - 1] as string | number] = buffers[i];
  });
}
