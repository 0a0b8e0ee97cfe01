#!/usr/bin/env bash
# npm run lab: JupyterLab with the paralab kernel and extension, opening the showcase notebook.
# Sets up .venv (once), builds kernel and labextension, installs both into .venv, starts JupyterLab.
# Extra arguments go to `jupyter lab` (e.g. npm run lab -- --port 8899 --no-browser).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -d node_modules ] || npm install --no-audit --no-fund
bash scripts/setup-venv.sh
npm run build
npx --no-install paralab install --prefix .venv
.venv/bin/jupyter labextension list 2>&1 | grep -i paralab || true
notebook="notebooks/showcase.ipynb"
[ -f "$notebook" ] || notebook=""
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
exec .venv/bin/jupyter lab "${extra[@]}" --ServerApp.root_dir="$root" ${notebook:+"$notebook"} "$@"
