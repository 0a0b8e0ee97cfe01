/**
 * The key shared by a kernel and its workers, and the HMAC-SHA256 signatures made with it.
 * Whoever can write to the queue could otherwise make every worker run their code: a worker runs
 * only tasks signed with its key.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import * as fs from "node:fs";
import { ClusterKeyError } from "../errors";

export const KEY_ENV = "PARALAB_CLUSTER_KEY";
/** Shorter keys are guessable; 16 characters is what `openssl rand -hex 8` gives. */
export const MIN_KEY_CHARS = 16;

const HOW =
  `Give the kernel and every worker the same secret: export ${KEY_ENV}=$(openssl rand -hex 32), ` +
  `or write it to a file and pass --key-file FILE (paralab worker) or %cluster URL --key-file FILE (kernel).`;

/** The key from --key-file when given, else from PARALAB_CLUSTER_KEY; throws saying how to set one. */
export function loadClusterKey(keyFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Buffer {
  let text: string;
  let from: string;
  if (keyFile !== undefined) {
    from = `key file ${keyFile}`;
    try {
      text = fs.readFileSync(keyFile, "utf8").trim();
    } catch (e) {
      throw new ClusterKeyError(`cannot read the ${from}: ${(e as Error).message}. ${HOW}`, { cause: e });
    }
  } else {
    from = KEY_ENV;
    text = (env[KEY_ENV] ?? "").trim();
    if (!text) throw new ClusterKeyError(`no cluster key: ${KEY_ENV} is not set and no --key-file was given. ${HOW}`);
  }
  if (text.length < MIN_KEY_CHARS)
    throw new ClusterKeyError(
      `the cluster key in ${from} has ${text.length} characters; use at least ${MIN_KEY_CHARS}. ${HOW}`,
    );
  return Buffer.from(text, "utf8");
}

/** Hex HMAC-SHA256 of the parts, each ended by a newline so that ("ab","c") ≠ ("a","bc"). */
export function sign(key: Buffer, parts: readonly (string | number)[]): string {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(`${String(p).length}:${String(p)}\n`);
  return h.digest("hex");
}

/** Constant-time check of a signature; a missing one is simply wrong. */
export function verify(key: Buffer, parts: readonly (string | number)[], signature: unknown): boolean {
  if (typeof signature !== "string" || !/^[0-9a-f]{64}$/.test(signature)) return false;
  return timingSafeEqual(Buffer.from(sign(key, parts), "hex"), Buffer.from(signature, "hex"));
}

/**
 * What a worker shows of its key in the registry, so that a kernel with another key fails its run
 * at once instead of waiting on workers that refuse each task and pause. A signature of a fixed
 * text: it tells no more about the key than any signed event in Redis does.
 */
export function keyId(key: Buffer): string {
  return sign(key, ["paralab cluster key id"]).slice(0, 16);
}

/** SHA-256 of bytes that a signed task refers to by digest (the job's variables, stored once). */
export function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
