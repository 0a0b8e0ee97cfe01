/**
 * Graph results as they wait in Redis for the tasks that read them: serialized and signed with
 * the cluster key, so that a worker reads only what a keyed worker wrote there (whoever can write
 * to Redis without the key could otherwise feed any data to the next task).
 */
import { digest, sign, verify } from "./key";
import { decode, encode } from "./wire";

const SIG_BYTES = 32;

/** The bytes to store: signature, then the value. */
export function seal(key: Buffer, where: string, value: unknown): Buffer {
  const body = encode(value);
  return Buffer.concat([Buffer.from(sign(key, [where, digest(body)]), "hex"), body]);
}

/** The value; throws saying why when the bytes are not signed with `key` for `where`. */
export function unseal(key: Buffer, where: string, bytes: Buffer): unknown {
  const body = bytes.subarray(SIG_BYTES);
  if (bytes.length < SIG_BYTES || !verify(key, [where, digest(body)], bytes.subarray(0, SIG_BYTES).toString("hex")))
    throw new Error(`the value at ${where} is not signed with this cluster's key (written by someone without it?)`);
  return decode(body);
}
