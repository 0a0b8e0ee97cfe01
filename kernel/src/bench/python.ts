/** Runs the Python helpers of bench/ (jupyter_client, ipyparallel) in the project's .venv. */
import { execFileSync, spawn } from "node:child_process";
import * as path from "node:path";

let venvError: string | undefined | null = null;

/** Creates or refreshes .venv once per run; returns why it failed, or undefined. */
export function ensureVenv(root: string): string | undefined {
  if (venvError !== null) return venvError;
  try {
    execFileSync("bash", [path.join(root, "scripts", "setup-venv.sh")], { stdio: ["ignore", "inherit", "inherit"] });
    venvError = undefined;
  } catch (e) {
    venvError = `scripts/setup-venv.sh failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  return venvError;
}

/**
 * `.venv/bin/python bench/<script> '<options as JSON>'`; the script's last stdout line is its JSON
 * result, its stderr (progress) goes to ours.
 */
export function runPython<T>(
  root: string,
  script: string,
  options: object,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 600_000,
): Promise<T> {
  const python = path.join(root, ".venv", "bin", "python");
  const child = spawn(python, [path.join(root, "bench", script), JSON.stringify(options)], {
    cwd: path.join(root, "bench"),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
  return new Promise<T>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`bench/${script} exited with ${signal ?? code}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`bench/${script} printed no JSON result: ${last.slice(0, 200)}`));
      }
    });
  });
}
