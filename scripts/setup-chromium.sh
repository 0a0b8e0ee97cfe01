#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (test/browser/), once. Needs root; no stdin.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" != 0 ]; then
  echo "paralab: chromium is missing; run scripts/setup-chromium.sh as root (apt-get install -y chromium)" >&2
  exit 1
fi
apt-get update </dev/null
apt-get install -y --no-install-recommends chromium </dev/null
