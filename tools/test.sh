#!/usr/bin/env bash
# The whole test suite (README's second command runs `npm ci && npm test`, which lands here):
# system packages the tests need, lint, a fresh build, the OpenAPI staleness check, then every jest
# project (unit, integration against real SQLite/ws/ICMP, and Chromium end-to-end) in one run whose
# last line is "Tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

# Debian packages: Chromium for the browser tests, iputils-ping as the RTT reference.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v ping >/dev/null || missing+=(iputils-ping)
command -v ip >/dev/null || missing+=(iproute2)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
  else
    echo "The tests need these Debian packages: ${missing[*]}. Install them: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "The agent's ICMP tests open raw sockets: run the tests as root (CI does) or grant node CAP_NET_RAW." >&2
  exit 1
fi

npx nx run-many -t lint --output-style=static
npx nx run-many -t build --output-style=static
npx nx run server:openapi-check --output-style=static
set +e
npx jest --config jest.config.ts --json --outputFile=dist/test-results.json
status=$?
set -e
node tools/test-summary.mjs dist/test-results.json
exit $status
