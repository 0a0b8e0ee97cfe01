/**
 * Low-level helpers on an Int32Array over a SharedArrayBuffer: a futex-style lock word
 * (Drepper's "mutex3": 0 free, 1 locked, 2 locked with waiters) and a non-blocking
 * Atomics.waitAsync for the kernel's main thread, where blocking Atomics.wait would freeze
 * the event loop.
 */

type WaitAsync = (
  a: Int32Array,
  index: number,
  value: number,
  timeoutMs?: number,
) => { async: boolean; value: Promise<string> | string };

const nativeWaitAsync = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;

/** Resolves when a[index] may no longer equal value (or on timeout). */
export async function waitAsync(a: Int32Array, index: number, value: number, timeoutMs = Infinity): Promise<string> {
  if (nativeWaitAsync) {
    const r = nativeWaitAsync(a, index, value, timeoutMs);
    return r.async ? await r.value : (r.value as string);
  }
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(a, index) === value) {
    if (Date.now() >= deadline) return "timed-out";
    await new Promise((r) => setTimeout(r, 1));
  }
  return "not-equal";
}

export function lockSync(a: Int32Array, i: number): void {
  let c = Atomics.compareExchange(a, i, 0, 1);
  if (c === 0) return;
  if (c !== 2) c = Atomics.exchange(a, i, 2);
  while (c !== 0) {
    Atomics.wait(a, i, 2);
    c = Atomics.exchange(a, i, 2);
  }
}

export async function lockAsync(a: Int32Array, i: number): Promise<void> {
  let c = Atomics.compareExchange(a, i, 0, 1);
  if (c === 0) return;
  if (c !== 2) c = Atomics.exchange(a, i, 2);
  while (c !== 0) {
    await waitAsync(a, i, 2);
    c = Atomics.exchange(a, i, 2);
  }
}

export function tryLock(a: Int32Array, i: number): boolean {
  return Atomics.compareExchange(a, i, 0, 1) === 0;
}

export function unlock(a: Int32Array, i: number): void {
  if (Atomics.sub(a, i, 1) !== 1) {
    Atomics.store(a, i, 0);
    Atomics.notify(a, i, 1);
  }
}

export function newInt32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(n * Int32Array.BYTES_PER_ELEMENT));
}

/** Milliseconds left until deadline (Infinity stays Infinity, never negative). */
export function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - Date.now());
}
