#!/usr/bin/env bash
# npm test: build, check format and lint, then unit tests (node:test), end-to-end tests through
# real Jupyter clients (pytest in the project's .venv), and the JupyterLab extension in Chromium.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -d node_modules ] || npm install --no-audit --no-fund
bash scripts/setup-venv.sh
bash scripts/setup-chromium.sh
bash scripts/setup-redis.sh
npm run build
echo "== format and lint"
npx prettier --check .
npx eslint .
echo "== unit tests (node:test)"
node --test --test-concurrency=1 kernel/dist/
echo "== end-to-end tests (real Jupyter clients)"
npx --no-install paralab install --prefix .venv >/dev/null
(cd test && ../.venv/bin/python -m pytest -q -p no:cacheprovider .)
echo "== browser tests (JupyterLab 4 in Chromium)"
node --test --test-concurrency=1 test/browser/
