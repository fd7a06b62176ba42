#!/usr/bin/env bash
# The whole test suite (README's second command runs `npm ci && npm test`, which lands here):
# system packages the tests need, lint, a fresh build, the OpenAPI staleness check, then every jest
# project (unit, integration against real SQLite/ws/ICMP, and Chromium end-to-end) in one run whose
# last line is "Tests: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

# If anything fails before jest runs, the last line still says so (CI reads it).
jest_ran=0
trap 'status=$?; if [ $jest_ran -eq 0 ] && [ $status -ne 0 ]; then echo "A step before the tests failed: see above."; echo "Tests: 0 passed, 1 failed"; fi' EXIT

# Debian packages: Chromium for the browser tests, curl for the shipped deploy script's test,
# iputils ping as the reference of the agent's ICMP accuracy test, prometheus (promtool and the server
# itself) for the /metrics test that a real Prometheus scrapes.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v curl >/dev/null || missing+=(curl)
command -v ping >/dev/null || missing+=(iputils-ping)
command -v promtool >/dev/null || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing Debian packages: ${missing[*]}"
    # -o DPkg::Lock::Timeout: wait for another apt/dpkg run to finish rather than fail on its lock.
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}" >/dev/null \
      || { apt-get -o DPkg::Lock::Timeout=600 update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}" >/dev/null; }
    # Installing prometheus starts its service where systemd runs; the test starts a Prometheus of its own.
    if [[ " ${missing[*]} " == *" prometheus "* ]]; then systemctl disable --now prometheus 2>/dev/null || true; fi
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
# Unit and integration tests in parallel, then the whole-system tests on a quiet machine (they
# start processes and a browser, and must not compete with bcrypt-heavy suites for two cores).
set +e
jest_ran=1
npx jest --config jest.config.ts --selectProjects protocol node-kit server agent web --json --outputFile=dist/test-results.json
status=$?
npx jest --config jest.config.ts --selectProjects e2e --json --outputFile=dist/test-results-e2e.json
e2e_status=$?
set -e
node tools/test-summary.mjs dist/test-results.json dist/test-results-e2e.json
[ $status -eq 0 ] && [ $e2e_status -eq 0 ]
