/**
 * Connections to the cluster's Redis. They fail fast and say why (ioredis would otherwise retry
 * forever and queue commands meanwhile, so a wrong URL would look like a hung cell), and every
 * connection has an error listener, so that a Redis that goes away never crashes the process
 * that used it.
 */
import net from "node:net";
import { Redis, type RedisOptions } from "ioredis";
import { ClusterUnreachableError } from "../errors";
import type { ClusterAddress } from "./address";

export type { Redis } from "ioredis";

/** Time to connect (and, with TLS, to shake hands) before saying Redis cannot be reached. */
export const CONNECT_TIMEOUT_MS = 3000;
/** How long the plain-text check of a rediss:// server that failed the TLS handshake may take. */
export const PLAIN_CHECK_MS = 1000;
/** The code of the cause when a rediss:// server turned out to speak plain Redis. */
const NOT_TLS = "ERR_PARALAB_NOT_TLS";
/** After a connection that worked breaks: how long to try again before giving up. */
export const RECONNECT_FOR_MS = 5000;
/**
 * A kernel's command that gets no answer this long fails: a Redis paused with SIGSTOP (or whose
 * machine stopped answering) keeps its connections open, and would otherwise hold a cell forever.
 */
export const ANSWER_WITHIN_MS = 10_000;

export interface ConnectOptions {
  /** BullMQ workers block on Redis; they must retry forever (maxRetriesPerRequest: null). */
  blocking?: boolean;
  /** Keep reconnecting forever (a `paralab worker` waits for Redis to come back). */
  persistent?: boolean;
  /** Seen in CLIENT LIST, for whoever debugs the server. */
  name?: string;
  /** Ends the message when Redis cannot be reached (the kernel adds that the local pool still works). */
  hint?: string;
}

export function redisOptions(a: ClusterAddress, o: ConnectOptions = {}): RedisOptions {
  let firstFailure = 0;
  return {
    host: a.host,
    port: a.port,
    username: a.username,
    password: a.password,
    tls: a.tls ? { servername: /^[\d.:]+$/.test(a.host) ? undefined : a.host } : undefined,
    connectionName: o.name,
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Commands fail at once while disconnected instead of waiting in a queue nobody sees.
    enableOfflineQueue: Boolean(o.blocking),
    maxRetriesPerRequest: o.blocking ? null : 1,
    // Workers wait for Redis as long as it takes; a kernel's cell must end.
    commandTimeout: o.blocking || o.persistent ? undefined : ANSWER_WITHIN_MS,
    retryStrategy: (times: number) => {
      if (times === 1) firstFailure = Date.now();
      if (!o.persistent && Date.now() - firstFailure > RECONNECT_FOR_MS) return null;
      return Math.min(100 * times, 1000);
    },
  };
}

/**
 * Connects and pings; throws ClusterUnreachableError naming the URL and the cause. The returned
 * connection reconnects for a while (forever when persistent) if it breaks later.
 */
export async function connectRedis(a: ClusterAddress, o: ConnectOptions = {}): Promise<Redis> {
  const options = redisOptions(a, o);
  const retry = options.retryStrategy;
  const redis = new Redis({ ...options, retryStrategy: () => null });
  let lastError: Error | undefined;
  redis.on("error", (e: Error) => (lastError = e));
  try {
    await withTimeout(redis.connect(), CONNECT_TIMEOUT_MS + 500);
    await withTimeout(redis.ping(), CONNECT_TIMEOUT_MS);
  } catch (e) {
    redis.disconnect();
    const cause = lastError ?? (e as Error);
    // A Redis without TLS never answers the handshake (it waits for the end of a command line):
    // without this check that reads as "no answer within 3 s".
    if (a.tls && mayBePlainRedis(cause) && (await answersPlainRedis(a.host, a.port))) {
      throw unreachable(
        a,
        Object.assign(new Error("the server speaks Redis without TLS", { cause }), { code: NOT_TLS }),
        o.hint,
      );
    }
    throw unreachable(a, cause, o.hint);
  }
  redis.options.retryStrategy = retry;
  return redis;
}

/** A failed TLS connection that a server without TLS could explain (not: nothing there, or a refused password). */
function mayBePlainRedis(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code ?? "";
  return (
    !["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"].includes(code) &&
    !/NOAUTH|WRONGPASS|invalid (user|pass)/i.test(e.message)
  );
}

/**
 * True when host:port answers a plain-text PING as Redis does (+PONG, or an error such as
 * -NOAUTH): a server without TLS. A TLS server answers with a TLS alert or closes.
 */
export function answersPlainRedis(host: string, port: number, timeoutMs = PLAIN_CHECK_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let reply = "";
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (d: Buffer) => {
      reply += d.toString("latin1");
      if (reply.includes("\r\n") || reply.length > 64) done(/^[+-][A-Z]/.test(reply));
    });
    socket.on("error", () => done(false));
    socket.on("close", () => done(false));
  });
}

/** A connection that died for good (or was closed) cannot be used again. */
export function isGone(redis: Redis): boolean {
  return redis.status === "end" || redis.status === "close";
}

export function unreachable(a: ClusterAddress, e: Error, hint?: string): ClusterUnreachableError {
  return new ClusterUnreachableError(
    `cannot reach Redis at ${a.display}: ${describeConnectError(a, e)}.${hint ? ` ${hint}` : ""}`,
    { cause: e },
  );
}

/** Words for what went wrong while connecting, with the fix. */
export function describeConnectError(a: ClusterAddress, e: Error): string {
  const code = (e as NodeJS.ErrnoException).code ?? "";
  const msg = e.message;
  if (code === NOT_TLS) {
    return (
      `the server at ${a.host}:${a.port} does not speak TLS (it answered a plain-text PING, as a Redis without TLS does). ` +
      `Use redis:// instead of rediss://: ${a.display.replace(/^rediss:/, "redis:")}`
    );
  }
  if (code === "ECONNREFUSED")
    return `nothing listens on ${a.host}:${a.port} (connection refused). Start Redis there (redis-server --port ${a.port}) or fix the URL`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `unknown host ${a.host}. Fix the host name in the URL`;
  if (code === "ETIMEDOUT" || /timed? ?out/i.test(msg))
    return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s (a firewall, a wrong port${a.tls ? "" : ", or a TLS-only server: try rediss://"}?)`;
  if (/NOAUTH/.test(msg)) return "Redis wants a password: put it in the URL, redis://:PASSWORD@HOST:PORT";
  if (/WRONGPASS|invalid password|invalid username-password/i.test(msg))
    return "Redis refused the user name or password in the URL. Fix them";
  if (/certificate|self.signed|CERT_|SSL|TLS|wrong version number|EPROTO/i.test(msg + code))
    return (
      `the TLS connection failed (${msg}). For a server with its own certificate authority start the kernel ` +
      `and the workers with NODE_EXTRA_CA_CERTS=ca.pem; a server without TLS wants redis://, not rediss://`
    );
  if (/Connection is closed|ECONNRESET|socket hang up/i.test(msg))
    return a.tls
      ? "the server closed the connection (is it a TLS port?)"
      : "the server closed the connection (a TLS-only server wants rediss://)";
  return `${msg}${code ? ` (${code})` : ""}`;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("connection timed out"), { code: "ETIMEDOUT" })), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
