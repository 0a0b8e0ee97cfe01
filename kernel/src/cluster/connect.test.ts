import * as assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { ClusterUnreachableError } from "../errors";
import { parseClusterUrl } from "./address";
import { answersPlainRedis, connectRedis } from "./connect";

/** A server on a free port of 127.0.0.1 that answers each connection with `onData`. */
async function listen(onData: (socket: net.Socket, text: string) => void): Promise<net.Server> {
  const server = net.createServer((socket) => {
    let text = "";
    socket.on("data", (d) => {
      text += d.toString("latin1");
      onData(socket, text);
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;

describe("a rediss:// URL for a Redis without TLS", () => {
  // As redis-server without TLS: a command line ends with CRLF; a TLS ClientHello has none, so
  // it waits for more and the handshake never ends.
  let plain: net.Server;
  // As a TLS-only port: anything that is not TLS closes the connection.
  let tlsOnly: net.Server;
  before(async () => {
    plain = await listen((socket, text) => {
      if (text.endsWith("\r\n") && /^PING/.test(text)) socket.write("+PONG\r\n");
    });
    tlsOnly = await listen((socket) => socket.destroy());
  });
  after(() => {
    plain.close();
    tlsOnly.close();
  });

  it("answersPlainRedis tells a plain Redis from a TLS port and from nothing", async () => {
    assert.equal(await answersPlainRedis("127.0.0.1", portOf(plain)), true);
    assert.equal(await answersPlainRedis("127.0.0.1", portOf(tlsOnly)), false);
    const closed = await listen(() => {});
    const port = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    assert.equal(await answersPlainRedis("127.0.0.1", port), false);
  });

  it("connectRedis says the server does not speak TLS and gives the redis:// URL", async () => {
    const port = portOf(plain);
    await assert.rejects(connectRedis(parseClusterUrl(`rediss://127.0.0.1:${port}/q1`)), (e: unknown) => {
      assert.ok(e instanceof ClusterUnreachableError);
      assert.match(
        e.message,
        new RegExp(
          `^cannot reach Redis at rediss://127\\.0\\.0\\.1:${port}/q1: the server at 127\\.0\\.0\\.1:${port} does not speak TLS ` +
            `\\(it answered a plain-text PING, as a Redis without TLS does\\)\\. Use redis:// instead of rediss://: redis://127\\.0\\.0\\.1:${port}/q1\\.$`,
        ),
      );
      return true;
    });
  });
});
