import { keyId, loadClusterKey } from "../cluster/key";
import { describeWorkers, ownKeyId } from "./cluster-workers";
import { ClusterUrlError, MagicOptionError } from "../errors";
import { isIdentifier } from "../lang/identifier";
import { Magic } from "./registry";

/** `%cluster URL` sets the session's cluster, `%cluster` lists its workers, `%cluster off` leaves it (README, Clusters). */
export const clusterMagic: Magic = {
  name: "cluster",
  kinds: ["line"],
  summary: "run map cells on a cluster of paralab workers (BullMQ on Redis); %cluster lists them; off",
  synopsis: "[redis://HOST:PORT[/QUEUE] | VARIABLE [--key-file F] | off]",
  description: [
    "%cluster redis://HOST:PORT[/QUEUE] makes the session's %%parallel --map cells and parallel.map calls run",
    "on the `paralab worker`s serving that queue (rediss:// for TLS, redis://:PASSWORD@HOST:PORT for a password).",
    "Tasks are signed with the key in PARALAB_CLUSTER_KEY (or --key-file F); workers need the same key.",
    "%cluster VARIABLE takes the URL from a kernel variable. %cluster alone lists the workers (host, pid, slots,",
    "busy, last heartbeat); %cluster off returns to the local pool.",
    "",
    "Start a worker on each machine:",
    "  PARALAB_CLUSTER_KEY=... paralab worker --redis redis://HOST:PORT [--concurrency N]",
    "",
    "Example:",
    "  %cluster redis://10.0.0.5:6379",
  ].join("\n"),
  options: [
    {
      flag: "--key-file",
      type: "string",
      metavar: "F",
      help: "read the key that signs tasks from this file (default: $PARALAB_CLUSTER_KEY)",
      example: "~/.paralab-key",
    },
  ],
  positional: "words",
  async run(_call, options, ctx, positional) {
    const runners = ctx.runners;
    const say = (text: string) => ctx.sink.stream("stdout", text + "\n");
    if (positional.length > 1)
      throw new MagicOptionError(
        `%cluster: expected one URL or "off", got "${positional.join(" ")}". Try: %cluster redis://localhost:6379`,
      );
    const word = positional[0];
    const keyFile = options.keyFile as string | undefined;
    if (word === "off") {
      if (keyFile) throw new MagicOptionError("%cluster off takes no --key-file.");
      const url = runners.clusterUrl;
      runners.clusterUrl = undefined;
      if (!url) return say("No cluster was set: cells run on the local pool.");
      await runners.closeCluster(url);
      return say(`Cells run on the local pool again (${runners.defaultSize} ${runners.defaultKind} workers).`);
    }
    if (word === undefined) {
      if (keyFile)
        throw new MagicOptionError(
          "%cluster --key-file needs the URL too. Try: %cluster redis://HOST:PORT --key-file F",
        );
      const url = runners.clusterUrl;
      if (!url)
        return say(
          "No cluster: cells run on the local pool. Set one with %cluster redis://HOST:PORT[/QUEUE] " +
            "after starting workers with: paralab worker --redis redis://HOST:PORT",
        );
      const cluster = runners.cluster(url);
      const own = ownKeyId(runners.clusterKeyFile);
      return say(describeWorkers(cluster.address.display, await cluster.workers(), cluster.startHint, own));
    }
    const url = word.includes("://") ? word : urlFromVariable(word, ctx.code.locals);
    let cluster;
    try {
      cluster = runners.cluster(url);
    } catch (e) {
      throw e instanceof ClusterUrlError ? new MagicOptionError(`%cluster: ${e.message}`, { cause: e }) : e;
    }
    const own = keyId(loadClusterKey(keyFile ?? runners.clusterKeyFile)); // a missing key is said now, not at the first cell
    if (keyFile) runners.clusterKeyFile = keyFile;
    const workers = await cluster.workers(); // throws when Redis cannot be reached; the session keeps its runner
    runners.clusterUrl = url;
    say(
      `%%parallel cells, parallel.map and compute now run on the cluster ${cluster.address.display}; %cluster off returns to the local pool.`,
    );
    say(describeWorkers(cluster.address.display, workers, cluster.startHint, own));
  },
};

/** `%cluster url` where `url` is a kernel variable (a notebook that started its own Redis knows the URL only then). */
function urlFromVariable(word: string, locals: Record<string, unknown>): string {
  const value = isIdentifier(word) && word in locals ? locals[word] : undefined;
  if (typeof value === "string" && value.includes("://")) return value;
  const seen = !isIdentifier(word)
    ? `"${word}"`
    : !(word in locals)
      ? `"${word}", which is neither a URL nor a kernel variable`
      : `${word} = ${JSON.stringify(value) ?? String(value)}`;
  throw new MagicOptionError(
    `%cluster: expected a URL such as redis://HOST:PORT[/QUEUE] (or a variable holding one), or "off"; got ${seen}. ` +
      "Try: %cluster redis://localhost:6379",
  );
}
