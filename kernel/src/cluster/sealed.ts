/**
 * Values that workers leave in Redis (graph results for later tasks, events for the kernel):
 * serialized and signed with the cluster key for the key they are stored at, so that a reader uses
 * only what a keyed worker wrote there (whoever can write to Redis without the key could otherwise
 * feed any data to the next task or any result to the kernel).
 */
import { digest, sign, verify } from "./key";
import { decode, encode } from "./wire";

/** The signature before the value. */
export const SEAL_BYTES = 32;

/** The bytes to store: signature, then the value. */
export function seal(key: Buffer, where: string, value: unknown): Buffer {
  const body = encode(value);
  return Buffer.concat([Buffer.from(sign(key, [where, digest(body)]), "hex"), body]);
}

/** The value; throws saying why when the bytes are not signed with `key` for `where`. */
export function unseal(key: Buffer, where: string, bytes: Buffer): unknown {
  const body = bytes.subarray(SEAL_BYTES);
  if (bytes.length < SEAL_BYTES || !verify(key, [where, digest(body)], bytes.subarray(0, SEAL_BYTES).toString("hex")))
    throw new Error(`the value at ${where} is not signed with this cluster's key (written by someone without it?)`);
  return decode(body);
}
