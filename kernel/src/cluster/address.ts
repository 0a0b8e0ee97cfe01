/**
 * A cluster's address, `redis[s]://[user:password@]host[:port][/queue]` (README, Clusters), parsed
 * once. The path names the BullMQ queue, not a Redis database (ioredis would read it as one),
 * which is why paralab parses the URL itself and hands ioredis the parts. Pure.
 */
import { ClusterUrlError } from "../errors";

export const DEFAULT_QUEUE = "paralab";
export const DEFAULT_PORT = 6379;

export interface ClusterAddress {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  queue: string;
  /** The URL as messages show it: the password replaced by ***. */
  display: string;
  /** Same server, credentials and queue: the key under which a kernel keeps one connection (never shown). */
  id: string;
}

const QUEUE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const EXAMPLE = "redis://HOST:PORT[/QUEUE] (or rediss:// for TLS; redis://:PASSWORD@HOST:PORT when Redis has one)";

/** Parses a cluster URL; `queue` (paralab worker --queue) overrides the URL's path. */
export function parseClusterUrl(text: string, queue?: string): ClusterAddress {
  const bad = (why: string) =>
    new ClusterUrlError(`"${redactText(text)}" is not a cluster URL: ${why}. Write ${EXAMPLE}.`);
  if (!text.includes("://")) throw bad("it has no redis:// scheme");
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw bad("it does not parse as a URL");
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") throw bad(`the scheme is ${url.protocol.slice(0, -1)}`);
  if (!url.hostname) throw bad("it names no host");
  const port = url.port ? Number(url.port) : DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${url.port} is out of range`);
  if (url.search || url.hash) throw bad("it has a ?query or #fragment, which paralab does not use");
  const path = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ""));
  if (queue !== undefined && path && path !== queue)
    throw new ClusterUrlError(
      `the URL names queue "${path}" but --queue says "${queue}"; give the queue once, in the URL or with --queue.`,
    );
  const name = queue ?? (path || DEFAULT_QUEUE);
  if (!QUEUE_NAME.test(name))
    throw bad(`the queue name "${name}" must be 1-64 letters, digits, _, . or - (it becomes part of Redis keys)`);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  const scheme = url.protocol.slice(0, -1);
  const user = username ? `${url.username}${password ? ":***" : ""}@` : password ? ":***@" : "";
  const display = `${scheme}://${user}${url.hostname}:${port}/${name}`;
  return {
    host,
    port,
    tls: scheme === "rediss",
    username,
    password,
    queue: name,
    display,
    id: `${scheme}://${username ?? ""}:${password ?? ""}@${url.hostname}:${port}/${name}`,
  };
}

/** Hides a password in text that may hold a URL, for error messages about a URL that did not parse. */
export function redactText(text: string): string {
  return text.replace(/(\/\/[^/:@\s]*:)[^@/\s]*@/g, "$1***@");
}
