import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { SignatureError } from "../errors";
import { JupyterMessage, MessageHeader, PROTOCOL_VERSION } from "./messages";

const DELIMITER = "<IDS|MSG>";

/** Signs and verifies messages with the connection key (HMAC, as the connection file says). */
export class Signer {
  private readonly algorithm: string | null;

  constructor(
    private readonly key: string,
    scheme: string,
  ) {
    // An empty key disables signing, as the spec allows.
    this.algorithm = key ? scheme.replace(/^hmac-/, "") : null;
  }

  sign(parts: Buffer[]): string {
    if (!this.algorithm) return "";
    const hmac = createHmac(this.algorithm, this.key);
    for (const part of parts) hmac.update(part);
    return hmac.digest("hex");
  }

  verify(signature: string, parts: Buffer[]): boolean {
    if (!this.algorithm) return true;
    const expected = Buffer.from(this.sign(parts));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/** Turns the frames of one ZeroMQ multipart message into a message; throws SignatureError. */
export function decodeMessage(frames: Buffer[], signer: Signer): JupyterMessage {
  const at = frames.findIndex((f) => f.toString() === DELIMITER);
  if (at < 0 || frames.length < at + 6) {
    throw new SignatureError("malformed message: no <IDS|MSG> delimiter or missing frames");
  }
  const signature = frames[at + 1].toString();
  const parts = frames.slice(at + 2, at + 6);
  if (!signer.verify(signature, parts)) {
    throw new SignatureError("invalid HMAC signature");
  }
  const [header, parent, metadata, content] = parts.map((p) => JSON.parse(p.toString() || "{}"));
  return {
    identities: frames.slice(0, at),
    header,
    parent_header: parent,
    metadata,
    content,
    buffers: frames.slice(at + 6),
  };
}

export function encodeMessage(msg: JupyterMessage<unknown>, signer: Signer): Buffer[] {
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p)));
  return [...msg.identities, Buffer.from(DELIMITER), Buffer.from(signer.sign(parts)), ...parts, ...msg.buffers];
}

export function makeHeader(msgType: string, session: string): MessageHeader {
  return {
    msg_id: randomUUID(),
    session,
    username: "paralab",
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}
