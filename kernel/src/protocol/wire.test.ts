import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Signer, decodeMessage, encodeMessage, makeHeader } from "./wire";

describe("wire", () => {
  const signer = new Signer("secret", "hmac-sha256");
  const msg = {
    identities: [Buffer.from("client")],
    header: makeHeader("execute_request", "s1"),
    parent_header: {},
    metadata: {},
    content: { code: "1" },
    buffers: [],
  };

  it("round-trips a signed message", () => {
    const decoded = decodeMessage(encodeMessage(msg, signer), signer);
    assert.deepEqual(decoded.content, { code: "1" });
    assert.deepEqual(decoded.identities, [Buffer.from("client")]);
  });

  it("rejects a message signed with another key", () => {
    const forged = encodeMessage(msg, new Signer("other", "hmac-sha256"));
    assert.throws(() => decodeMessage(forged, signer), { name: "SignatureError", message: /invalid HMAC signature/ });
  });

  it("rejects a message whose content was changed after signing", () => {
    const frames = encodeMessage(msg, signer);
    frames[frames.length - 1] = Buffer.from(JSON.stringify({ code: "evil()" }));
    assert.throws(() => decodeMessage(frames, signer), /invalid HMAC signature/);
  });

  it("rejects frames without a delimiter", () => {
    assert.throws(() => decodeMessage([Buffer.from("x")], signer), /malformed message/);
  });
});
