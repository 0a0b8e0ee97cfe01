#!/usr/bin/env bash
# Creates .venv with the pinned Jupyter packages of requirements.txt when it is missing
# or older than requirements.txt. Everything that needs Python calls this first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.requirements.stamp"
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$stamp" "$root/requirements.txt"; then
  exit 0
fi
echo "paralab: installing Jupyter's Python packages into $venv (once)" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/requirements.txt"
cp "$root/requirements.txt" "$stamp"
