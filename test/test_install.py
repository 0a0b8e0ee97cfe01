"""paralab installed as a user installs it: the package that `npm pack` builds, `npm install -g`
into a scratch prefix, `paralab install --prefix` into a scratch Jupyter data directory, then
JupyterLab, a kernel through jupyter_client and Chromium on it, and `paralab uninstall`.

The tests of this module run in order on one installation (module fixtures); the global install
takes about 20 s with a warm npm cache (`npm ci` fills it)."""
import json
import os
import re
import shutil
import subprocess
import time

import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from conftest import TIMEOUT, ok, results_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_BIN = os.path.join(ROOT, ".venv", "bin")
CHROMIUM = os.environ.get("PARALAB_CHROMIUM", "/usr/bin/chromium")
VERSION = json.load(open(os.path.join(ROOT, "kernel", "package.json")))["version"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def npm_command():
    """The project's npm: the one running `npm test` (npm_execpath), else the one on PATH."""
    execpath = os.environ.get("npm_execpath")
    if execpath and execpath.endswith(".js") and os.path.exists(execpath):
        return [os.environ.get("npm_node_execpath", "node"), execpath]
    return [shutil.which("npm") or "npm"]


def user_environ():
    """os.environ without what `npm test` adds for its scripts (npm_config_local_prefix would make
    an npm run inside kernel/ act on the workspace root; a user's shell has none of them)."""
    return {k: v for k, v in os.environ.items() if not k.lower().startswith("npm_")}


def npm(*args, cwd=ROOT, timeout=600):
    result = subprocess.run(
        [*npm_command(), *args], cwd=cwd, env=user_environ(), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, f"npm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


class Installation:
    """Paths of one scratch installation, and the environment of a user's shell around it."""

    def __init__(self, work):
        self.work = work
        self.global_prefix = work / "global"  # what npm install -g --prefix writes
        self.package = self.global_prefix / "lib" / "node_modules" / "paralab"
        self.paralab = self.global_prefix / "bin" / "paralab"
        self.prefix = work / "jupyter"  # what paralab install --prefix gets
        self.data = self.prefix / "share" / "jupyter"

    def env(self, **extra):
        """A shell with the venv's Jupyter and npm's global bin on PATH, and the scratch data
        directory on JUPYTER_PATH; Jupyter's own config and user data kept out of ~."""
        env = user_environ()
        env.update(
            PATH=os.pathsep.join([str(self.global_prefix / "bin"), VENV_BIN, env.get("PATH", "")]),
            JUPYTER_PATH=str(self.data),
            JUPYTER_CONFIG_DIR=str(self.work / "config"),
            JUPYTER_DATA_DIR=str(self.work / "user-data"),
            JUPYTER_PLATFORM_DIRS="1",
        )
        env.update(extra)
        return env

    def run(self, *args, env=None, timeout=120):
        return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env or self.env(), stdin=subprocess.DEVNULL)

    def labextension_list(self):
        """`jupyter labextension list` as {extensions dir: [lines under it]}, colours removed."""
        result = self.run(os.path.join(VENV_BIN, "jupyter"), "labextension", "list")
        assert result.returncode == 0, result.stderr
        sections, current = {}, None
        for line in ANSI.sub("", result.stdout + result.stderr).splitlines():
            if line.startswith("/"):
                current = sections.setdefault(line.strip(), [])
            elif current is not None and line.strip():
                current.append(line.strip())
        return sections

    def kernelspecs(self):
        result = self.run(os.path.join(VENV_BIN, "jupyter"), "kernelspec", "list", "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)["kernelspecs"]


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    """`npm pack` in kernel/ (its prepack builds, which is quick once built): (tarball, npm's list)."""
    out = tmp_path_factory.mktemp("pack")
    result = npm("pack", "--json", "--pack-destination", str(out), cwd=os.path.join(ROOT, "kernel"))
    # prepack's build prints its own lines before npm's JSON.
    listing = json.loads(result.stdout[result.stdout.index("\n[") + 1 :] if not result.stdout.startswith("[") else result.stdout)[0]
    return out / listing["filename"], listing


@pytest.fixture(scope="module")
def installation(packed, tmp_path_factory):
    """`npm install -g --prefix SCRATCH ./paralab-VERSION.tgz`, as a user would from the registry."""
    tarball, _ = packed
    inst = Installation(tmp_path_factory.mktemp("installed"))
    t0 = time.monotonic()
    npm("install", "-g", "--prefix", str(inst.global_prefix), "--prefer-offline", "--no-audit", "--no-fund", str(tarball), cwd=str(inst.work))
    print(f"npm install -g took {time.monotonic() - t0:.1f} s")
    assert inst.paralab.exists(), f"npm linked no paralab command into {inst.global_prefix / 'bin'}"
    return inst


@pytest.fixture(scope="module")
def installed(installation):
    """`paralab install --prefix SCRATCH` from the global install; its result."""
    result = installation.run(installation.paralab, "install", "--prefix", installation.prefix)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_package_holds_what_users_run_and_nothing_else(packed):
    _, listing = packed
    files = [f["path"] for f in listing["files"]]
    not_for_users = [
        f
        for f in files
        if re.search(r"\.test\.|(^|/)fixtures[./]|render-samples|^dist/bench/|\.map$|tsconfig|^src/", f)
        or (f.endswith(".ts") and not f.endswith(".d.ts"))
    ]
    assert not_for_users == []
    for needed in (
        "package.json",
        "README.md",
        "bin/paralab.js",
        "dist/cli/main.js",
        "dist/index.js",
        "dist/index.d.ts",  # cells type-check `import ... from "paralab"` against it
        "dist/worker/thread-entry.js",
        "dist/worker/process-entry.js",
        "dist/style/variables.css",
        "dist/style/report.css",
        "labextension/package.json",
        "labextension/install.json",
        "labextension/static/style.js",
        "labextension/schemas/paralab-labextension/plugin.json",
    ):
        assert needed in files
    assert any(re.fullmatch(r"labextension/static/remoteEntry\.[0-9a-f]+\.js", f) for f in files)
    print(f"{listing['filename']}: {listing['entryCount']} files, {listing['size']} bytes packed, {listing['unpackedSize']} unpacked")


def test_paralab_install_says_what_it_installed_and_what_next(installation, installed):
    lines = installed.stdout.splitlines()
    assert lines[0] == f"Installed paralab {VERSION} for Jupyter (--prefix {installation.prefix}):"
    assert lines[1] == f'  kernel spec "paralab" (TypeScript (paralab)) → {installation.data / "kernels" / "paralab"}'
    assert lines[2] == f'  JupyterLab extension "paralab-labextension" → {installation.data / "labextensions" / "paralab-labextension"}'
    assert lines[-1] == 'Next: start JupyterLab with `jupyter lab` and pick "TypeScript (paralab)" in the Launcher.'
    assert installed.stderr == ""


def test_jupyterlab_lists_the_extension_enabled_and_ok(installation, installed):
    sections = installation.labextension_list()
    ours = sections.get(str(installation.data / "labextensions"))
    assert ours == [f"paralab-labextension v{VERSION} enabled OK (npm, paralab)"], sections


def test_the_kernel_spec_runs_the_installed_package(installation, installed):
    spec = installation.kernelspecs()["paralab"]
    assert spec["resource_dir"] == str(installation.data / "kernels" / "paralab")
    assert spec["spec"]["display_name"] == "TypeScript (paralab)"
    assert spec["spec"]["argv"][1] == str(installation.package / "bin" / "paralab.js")


def test_the_installed_kernel_runs_parallel_and_gpu_cells(installation, installed, tmp_path):
    specs = KernelSpecManager(kernel_dirs=[str(installation.data / "kernels")])
    km = KernelManager(kernel_name="paralab", kernel_spec_manager=specs)
    km.start_kernel(cwd=str(tmp_path))  # a folder with no node_modules, as a user's would be
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        out = ok(kc, 'import { versions } from "paralab";\n`${process.argv[1]} ${versions.paralab}`')
        assert results_of(out) == [{"text/plain": f"'{installation.package / 'bin' / 'paralab.js'} {VERSION}'"}]
        out = ok(kc, "%%parallel --workers 2\nrank * 10")
        assert {"text/plain": "[ 0, 10 ]"} in results_of(out)
        out = ok(kc, "%%gpu --output 4\nreturn this.thread.x * 2;")
        assert "0, 2, 4, 6" in results_of(out)[0]["text/plain"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_paralab_run_writes_a_report_with_the_shared_style(installation, tmp_path):
    nb = {
        "cells": [{"cell_type": "code", "source": "%%parallel --workers 2\nrank", "metadata": {}, "outputs": [], "execution_count": None}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb))
    result = subprocess.run(
        [str(installation.paralab), "run", "nb.ipynb", "--html", "report.html"],
        cwd=tmp_path, env=installation.env(), capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    html = (tmp_path / "report.html").read_text()
    assert '<body class="paralab-report">' in html and "--paralab-color-text:" in html and "data:image/png;base64," in html


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no chromium at {CHROMIUM} (run: bash scripts/setup-chromium.sh as root)")
def test_jupyterlab_in_chromium_shows_the_chart_and_the_parallel_panel(installation, installed):
    result = subprocess.run(
        ["node", os.path.join(ROOT, "test", "browser", "installed-lab.mjs"), str(installation.data)],
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    # JupyterLab loaded prebuilt extensions from the scratch directory only: this one.
    assert seen["federated"] == ["paralab-labextension"]
    bin_output, parallel_outputs = seen["outputs"]
    assert bin_output[0]["data"]["text/plain"] == f"'{installation.package / 'bin' / 'paralab.js'}'"
    assert any(o.get("data", {}).get("text/plain") == "[ 0, 10 ]" for o in parallel_outputs)
    assert seen["charts"] == 1, "the run chart is drawn by the extension"
    assert seen["panelState"] == "connected"
    assert seen["cores"] == os.cpu_count()
    assert seen["pageErrors"] == []


def test_paralab_uninstall_removes_the_kernel_spec_and_the_extension(installation, installed):
    result = installation.run(installation.paralab, "uninstall", "--prefix", installation.prefix)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Removed paralab from Jupyter (--prefix {installation.prefix}):",
        f'  kernel spec "paralab" ← {installation.data / "kernels" / "paralab"}',
        f'  JupyterLab extension "paralab-labextension" ← {installation.data / "labextensions" / "paralab-labextension"}',
        "The paralab command itself stays until: npm uninstall -g paralab",
    ]
    assert str(installation.data / "labextensions") not in installation.labextension_list()
    spec = installation.kernelspecs().get("paralab")  # .venv's own install may remain
    assert spec is None or spec["resource_dir"] != str(installation.data / "kernels" / "paralab")
    again = installation.run(installation.paralab, "uninstall", "--prefix", installation.prefix)
    assert again.returncode == 0 and "nothing to remove" in again.stdout


def test_without_jupyter_install_says_how_to_get_it(installation, tmp_path):
    # PATH holds node and npm's global bin only: no jupyter anywhere.
    bare = tmp_path / "bin"
    bare.mkdir()
    os.symlink(shutil.which("node"), bare / "node")
    user_data = tmp_path / "user-data"
    env = installation.env(PATH=os.pathsep.join([str(installation.global_prefix / "bin"), str(bare)]), JUPYTER_DATA_DIR=str(user_data))
    result = installation.run(installation.paralab, "install", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"Installed paralab {VERSION} for Jupyter (--user):"
    assert "Jupyter is not installed here (no jupyter command on PATH)" in result.stdout
    assert "pip install jupyterlab" in result.stdout
    assert (user_data / "kernels" / "paralab" / "kernel.json").exists()
    result = installation.run(installation.paralab, "uninstall", "--user", env=env)
    assert result.returncode == 0 and not (user_data / "kernels" / "paralab").exists()
