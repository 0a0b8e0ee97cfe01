"""The paralab command line, as a user runs it."""
import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLI = os.path.join(ROOT, "kernel", "bin", "paralab.js")
VERSION = json.load(open(os.path.join(ROOT, "kernel", "package.json")))["version"]


def paralab(*args, cwd=None, timeout=120):
    return subprocess.run(["node", CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def notebook(cells):
    return {
        "cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": [], "execution_count": None} for c in cells],
        "metadata": {"kernelspec": {"name": "paralab", "display_name": "TypeScript (paralab)", "language": "typescript"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_version_and_help():
    assert paralab("--version").stdout.strip() == VERSION
    out = paralab("--help").stdout
    for command in ("install", "uninstall", "kernel", "run"):
        assert command in out


def test_install_writes_a_kernel_spec(tmp_path):
    result = paralab("install", "--prefix", str(tmp_path))
    assert result.returncode == 0, result.stderr
    spec = json.load(open(tmp_path / "share" / "jupyter" / "kernels" / "paralab" / "kernel.json"))
    assert spec["display_name"] == "TypeScript (paralab)" and spec["language"] == "typescript"
    assert spec["argv"][-3:] == ["kernel", "--config-path", "{connection_file}"]
    assert spec["argv"][1] == os.path.realpath(CLI)  # the committed bin: its path does not depend on a build
    extension = tmp_path / "share" / "jupyter" / "labextensions" / "paralab-labextension"
    assert json.load(open(extension / "package.json"))["jupyterlab"]["_build"]["load"].startswith("static/remoteEntry.")
    assert json.load(open(extension / "install.json"))["packageName"] == "paralab"
    assert (extension / "schemas" / "paralab-labextension" / "package.json.orig").exists()
    both = paralab("install", "--user", "--prefix", str(tmp_path))
    assert both.returncode == 1
    assert both.stderr.strip() == "paralab install: give at most one of --user, --sys-prefix, --prefix DIR"


def test_install_sys_prefix_writes_into_the_active_environment(tmp_path):
    env = {**os.environ, "VIRTUAL_ENV": str(tmp_path)}
    result = subprocess.run(["node", CLI, "install", "--sys-prefix"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Installed paralab {VERSION} for Jupyter (--sys-prefix ({tmp_path})):")
    assert (tmp_path / "share" / "jupyter" / "kernels" / "paralab" / "kernel.json").exists()


def test_uninstall_removes_what_install_wrote(tmp_path):
    assert paralab("install", "--prefix", str(tmp_path)).returncode == 0
    result = paralab("uninstall", "--prefix", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Removed paralab from Jupyter (--prefix {tmp_path}):")
    data = tmp_path / "share" / "jupyter"
    assert not (data / "kernels" / "paralab").exists()
    assert not (data / "labextensions" / "paralab-labextension").exists()


def test_run_from_another_folder_writes_notebook_and_report(tmp_path):
    nb_dir = tmp_path / "work"
    nb_dir.mkdir()
    (nb_dir / "data.txt").write_text("21")
    nb = notebook([
        'import { display } from "paralab";\nimport fs from "node:fs";\nconst n = Number(fs.readFileSync("data.txt", "utf8"));',
        "%%parallel --workers 2\nn * 2 + rank",
    ])
    (nb_dir / "nb.ipynb").write_text(json.dumps(nb))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = paralab("run", "../work/nb.ipynb", "--out", "out.ipynb", "--html", "report.html", cwd=elsewhere)
    assert result.returncode == 0, result.stdout + result.stderr
    done = json.load(open(elsewhere / "out.ipynb"))
    outputs = done["cells"][1]["outputs"]
    assert any(o.get("data", {}).get("text/plain") == "[ 42, 43 ]" for o in outputs)
    html = (elsewhere / "report.html").read_text()
    assert "<img src=\"data:image/png;base64," in html
    # The report carries style/ (paralab's variables, shared with the labextension, and its own).
    assert '<body class="paralab-report">' in html and "--paralab-color-text:" in html


def test_run_reports_a_failing_cell_with_exit_code(tmp_path):
    (tmp_path / "bad.ipynb").write_text(json.dumps(notebook(["1 + 1", 'throw new Error("boom")', "2 + 2"])))
    result = paralab("run", "bad.ipynb", cwd=tmp_path)
    assert result.returncode == 1
    assert "cell 2/3 error" in result.stderr and "Error: boom" in result.stderr
    done = json.load(open(tmp_path / "bad.out.ipynb"))
    assert done["cells"][1]["outputs"][0]["ename"] == "Error"
    assert done["cells"][2]["outputs"] == []  # stops at the first error, like nbclient


def test_run_missing_notebook_is_a_clear_error(tmp_path):
    result = paralab("run", "nope.ipynb", cwd=tmp_path)
    assert result.returncode == 1
    assert "cannot read nope.ipynb (ENOENT)" in result.stderr
    (tmp_path / "junk.ipynb").write_text("{not json")
    result = paralab("run", "junk.ipynb", cwd=tmp_path)
    assert result.returncode == 1 and "junk.ipynb is not a notebook" in result.stderr
