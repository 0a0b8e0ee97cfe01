/**
 * Deno for the "deno" section, installed on demand from npm's `deno` package, as the Python peers
 * are installed into .venv: `npm install --no-save` of a pinned version into build/bench-peers/
 * (git-ignored), once; never global, nothing from outside the npm registry. The `deno` package
 * ships the binary in a platform package (@deno/linux-x64-glibc, ...) among its optional
 * dependencies; its own install_api.cjs says which one fits this machine and where the binary is.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The version compared; pinned so that runs compare the same Deno. */
export const DENO_VERSION = "2.9.6";

export interface Deno {
  bin: string;
  /** Deno's version, as `deno --version` says it: "2.9.6". */
  version: string;
  /** DENO_DIR for the kernel (its caches), inside the install folder. */
  denoDir: string;
}

let cached: Deno | string | undefined;

/** Installs Deno once per machine (once per run checked); returns it, or why it cannot be had. */
export function ensureDeno(root: string, log: (m: string) => void): Deno | string {
  if (cached !== undefined) return cached;
  const dir = path.join(root, "build", "bench-peers", `deno-${DENO_VERSION}`);
  const api = path.join(dir, "node_modules", "deno", "install_api.cjs");
  try {
    if (!fs.existsSync(api)) {
      log(`installing deno@${DENO_VERSION} from npm into ${path.relative(root, dir)} (once)`);
      fs.mkdirSync(dir, { recursive: true });
      // --ignore-scripts: the package's postinstall only copies the binary next to bin.cjs;
      // runInstall below does the same (or returns the platform package's path).
      execFileSync(
        "npm",
        [
          "install",
          "--no-save",
          "--ignore-scripts",
          "--no-audit",
          "--no-fund",
          "--no-package-lock",
          "--prefix",
          dir,
          `deno@${DENO_VERSION}`,
        ],
        { stdio: ["ignore", "ignore", "pipe"], timeout: 300_000 },
      );
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runInstall } = require(api) as { runInstall(): string };
    const bin = runInstall();
    const said = execFileSync(bin, ["--version"], { encoding: "utf8", timeout: 30_000 });
    const version = /^deno (\S+)/.exec(said)?.[1] ?? said.split("\n")[0];
    cached = { bin, version, denoDir: path.join(dir, "deno-dir") };
  } catch (e) {
    const err = e as { stderr?: Buffer; message?: string };
    // npm's own reason ("npm error code ECONNREFUSED", "npm error notsup ..."), not its log path.
    const npmSays = (err.stderr?.toString() ?? "")
      .split("\n")
      .filter((l) => /^npm (error|ERR!) (code|notsup|FetchError|network|[a-z ]*:)/i.test(l))
      .slice(0, 2)
      .join("; ");
    const why = (npmSays || err.message || String(e)).slice(0, 300);
    // Leave no half install behind: the next run tries again.
    fs.rmSync(dir, { recursive: true, force: true });
    cached = `Deno ${DENO_VERSION} could not be had from npm on ${process.platform}-${process.arch} (${why})`;
  }
  return cached;
}

/** Deno's kernel spec, as `deno jupyter --install` writes it, with its caches kept in the install folder. */
export function denoKernelSpec(deno: Deno): Record<string, unknown> {
  return {
    argv: [deno.bin, "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: "Deno",
    language: "typescript",
    env: { DENO_DIR: deno.denoDir, NO_COLOR: "1" },
  };
}
