import { lockAsync, lockSync, newInt32, remaining, unlock, waitAsync } from "./atomics-wait";
import { SHARED_TAG } from "./tag";
import { blockedOn, newObjectId } from "./wait-board";

// ctl layout (Int32Array)
const LOCK = 0;
const HEAD = 1;
const TAIL = 2;
const COUNT = 3;
const CAPACITY = 4;
const SLOT_BYTES = 5;
const ID = 6;
const CTL_LEN = 7;

const KIND_NUMBER = 1;
const KIND_JSON = 2;
const HEADER = 8; // int32 kind + int32 byte length

/**
 * A bounded FIFO queue on shared memory for numbers and JSON-able values (producer/consumer).
 * `push`/`pop` block the calling thread (workers); `pushAsync`/`popAsync` wait without blocking
 * (kernel); `tryPush`/`tryPop` never wait. Each value must fit in `slotBytes` once JSON-encoded
 * (numbers always fit).
 */
export class SharedQueue<T = unknown> {
  readonly [SHARED_TAG] = "SharedQueue" as const;
  readonly ctl: Int32Array;
  readonly data: Uint8Array;

  constructor(capacity: number | { ctl: Int32Array; data: Uint8Array }, options: { slotBytes?: number } = {}) {
    if (typeof capacity !== "number") {
      this.ctl = capacity.ctl;
      this.data = capacity.data;
      return;
    }
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `new SharedQueue(capacity): capacity must be a positive integer, got ${capacity}. Try: new SharedQueue(64)`,
      );
    }
    const slotBytes = Math.ceil((options.slotBytes ?? 256) / 8) * 8;
    this.ctl = newInt32(CTL_LEN);
    this.ctl[CAPACITY] = capacity;
    this.ctl[SLOT_BYTES] = slotBytes;
    this.ctl[ID] = newObjectId();
    this.data = new Uint8Array(new SharedArrayBuffer(capacity * (HEADER + slotBytes)));
  }

  get capacity(): number {
    return this.ctl[CAPACITY];
  }

  get size(): number {
    return Atomics.load(this.ctl, COUNT);
  }

  get id(): number {
    return this.ctl.length > ID ? this.ctl[ID] : 0;
  }

  /** Blocks while the queue is full. Returns false on timeout. */
  push(value: T, timeoutMs = Infinity): boolean {
    const enc = this.encodeValue(value);
    const deadline = timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      if (this.tryPushEncoded(enc)) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      blockedOn("push", this.id, left !== Infinity, () => Atomics.wait(this.ctl, COUNT, this.capacity, left));
    }
  }

  async pushAsync(value: T, timeoutMs = Infinity): Promise<boolean> {
    const enc = this.encodeValue(value);
    const deadline = timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      await lockAsync(this.ctl, LOCK);
      const ok = this.putLocked(enc);
      unlock(this.ctl, LOCK);
      if (ok) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      await waitAsync(this.ctl, COUNT, this.capacity, left);
    }
  }

  tryPush(value: T): boolean {
    return this.tryPushEncoded(this.encodeValue(value));
  }

  /** Blocks while the queue is empty. Returns undefined on timeout. */
  pop(timeoutMs = Infinity): T | undefined {
    const deadline = timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      const r = this.tryPopRaw();
      if (r.ok) return r.value;
      const left = remaining(deadline);
      if (left === 0) return undefined;
      blockedOn("pop", this.id, left !== Infinity, () => Atomics.wait(this.ctl, COUNT, 0, left));
    }
  }

  async popAsync(timeoutMs = Infinity): Promise<T | undefined> {
    const deadline = timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      await lockAsync(this.ctl, LOCK);
      const r = this.takeLocked();
      unlock(this.ctl, LOCK);
      if (r.ok) return r.value;
      const left = remaining(deadline);
      if (left === 0) return undefined;
      await waitAsync(this.ctl, COUNT, 0, left);
    }
  }

  /** The oldest value, or undefined when the queue is empty. */
  tryPop(): T | undefined {
    const r = this.tryPopRaw();
    return r.ok ? r.value : undefined;
  }

  encode(): { [SHARED_TAG]: "SharedQueue"; ctl: Int32Array; data: Uint8Array } {
    return { [SHARED_TAG]: "SharedQueue", ctl: this.ctl, data: this.data };
  }

  private tryPushEncoded(enc: Encoded): boolean {
    lockSync(this.ctl, LOCK);
    try {
      return this.putLocked(enc);
    } finally {
      unlock(this.ctl, LOCK);
    }
  }

  private tryPopRaw(): { ok: true; value: T } | { ok: false } {
    lockSync(this.ctl, LOCK);
    try {
      return this.takeLocked();
    } finally {
      unlock(this.ctl, LOCK);
    }
  }

  private putLocked(enc: Encoded): boolean {
    const ctl = this.ctl;
    if (ctl[COUNT] >= ctl[CAPACITY]) return false;
    const tail = ctl[TAIL];
    const off = tail * (HEADER + ctl[SLOT_BYTES]);
    const view = new DataView(this.data.buffer, this.data.byteOffset);
    view.setInt32(off, enc.kind);
    if (enc.kind === KIND_NUMBER) {
      view.setFloat64(off + HEADER, enc.num);
    } else {
      view.setInt32(off + 4, enc.bytes.length);
      this.data.set(enc.bytes, off + HEADER);
    }
    ctl[TAIL] = (tail + 1) % ctl[CAPACITY];
    Atomics.add(ctl, COUNT, 1);
    Atomics.notify(ctl, COUNT);
    return true;
  }

  private takeLocked(): { ok: true; value: T } | { ok: false } {
    const ctl = this.ctl;
    if (ctl[COUNT] === 0) return { ok: false };
    const head = ctl[HEAD];
    const off = head * (HEADER + ctl[SLOT_BYTES]);
    const view = new DataView(this.data.buffer, this.data.byteOffset);
    let value: T;
    if (view.getInt32(off) === KIND_NUMBER) {
      value = view.getFloat64(off + HEADER) as T;
    } else {
      const len = view.getInt32(off + 4);
      // slice() copies into a non-shared buffer, which TextDecoder accepts
      value = JSON.parse(decoder.decode(this.data.slice(off + HEADER, off + HEADER + len))) as T;
    }
    ctl[HEAD] = (head + 1) % ctl[CAPACITY];
    Atomics.sub(ctl, COUNT, 1);
    Atomics.notify(ctl, COUNT);
    return { ok: true, value };
  }

  private encodeValue(value: T): Encoded {
    if (typeof value === "number") return { kind: KIND_NUMBER, num: value };
    const json = JSON.stringify(value);
    if (json === undefined) {
      throw new TypeError(
        `SharedQueue.push: ${typeof value} cannot be stored (only numbers and JSON-able values). Push a number, string, array or plain object.`,
      );
    }
    const bytes = encoder.encode(json);
    const max = this.ctl[SLOT_BYTES];
    if (bytes.length > max) {
      throw new RangeError(
        `SharedQueue.push: value needs ${bytes.length} bytes as JSON but slots hold ${max}. Create the queue with new SharedQueue(capacity, { slotBytes: ${Math.ceil(bytes.length / 8) * 8} }).`,
      );
    }
    return { kind: KIND_JSON, bytes };
  }
}

type Encoded = { kind: typeof KIND_NUMBER; num: number } | { kind: typeof KIND_JSON; bytes: Uint8Array };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
