#!/usr/bin/env bash
# Installs Debian's redis-server for the cluster tests (test/test_cluster.py) and notebook 10, once.
# Only the binary is used: each test starts its own server on a free port; the Debian service is
# not needed and is stopped if apt-get started it. Needs root; no stdin.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" != 0 ]; then
  echo "paralab: redis-server is missing; run scripts/setup-redis.sh as root (apt-get install -y redis-server)" >&2
  exit 1
fi
apt-get update </dev/null
apt-get install -y --no-install-recommends redis-server </dev/null
# Debian starts a system-wide server on 6379 when it can; the tests never use it.
if command -v service >/dev/null 2>&1; then service redis-server stop </dev/null >/dev/null 2>&1 || true; fi
