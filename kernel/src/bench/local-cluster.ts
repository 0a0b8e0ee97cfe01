/**
 * A cluster on this machine for the benchmark: Debian's redis-server on a free port and
 * `paralab worker` processes, the same programs a real cluster runs. Everything is stopped by stop().
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as net from "node:net";
import * as path from "node:path";

export interface LocalCluster {
  url: string;
  key: string;
  workers: number[];
  stop(): void;
}

export async function startLocalCluster(workers: number, concurrency = 1): Promise<LocalCluster> {
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  };
  try {
    const port = await freePort();
    const key = randomBytes(24).toString("hex");
    await started(
      children,
      spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]),
      "Ready to accept connections",
    );
    const url = `redis://127.0.0.1:${port}`;
    const cli = path.join(__dirname, "..", "cli", "main.js");
    const env = { ...process.env, PARALAB_CLUSTER_KEY: key };
    const pids: number[] = [];
    for (let i = 0; i < workers; i++) {
      const w = spawn(process.execPath, [cli, "worker", "--redis", url, "--concurrency", String(concurrency)], { env });
      await started(children, w, "serving queue");
      pids.push(w.pid!);
    }
    return { url, key, workers: pids, stop };
  } catch (e) {
    stop();
    throw e;
  }
}

function started(children: ChildProcess[], child: ChildProcess, readyLine: string): Promise<void> {
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = "";
    child.on("error", (e) =>
      reject(new Error(`${child.spawnfile}: ${e.message} (scripts/setup-redis.sh installs redis-server)`)),
    );
    child.stdout?.setEncoding("utf8").on("data", (t: string) => {
      seen += t;
      if (seen.includes(readyLine)) resolve();
    });
    child.stderr?.setEncoding("utf8").on("data", (t: string) => (seen += t));
    child.on("exit", (code) => reject(new Error(`${child.spawnfile} exited (${code}): ${seen.slice(-500)}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}
