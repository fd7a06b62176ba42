#!/bin/sh
# Adds this host to Meshping's target list (or refreshes its name), with one HTTPS PUT.
# Needs an API token with scope targets:register (an admin creates one: POST /api/tokens).
#
#   MESHPING_URL=https://monitor.example:8443 MESHPING_TOKEN=mpt_... ./register-target.sh [ADDRESS] [NAME] [GROUP]
#
# ADDRESS must be the address this host reaches the server from (the default; the server refuses
# any other); NAME defaults to `hostname`.
# The server's certificate is checked against MESHPING_CACERT (a PEM file) when set, else the
# system's CAs; MESHPING_INSECURE=1 skips the check (only for a first test on a lab network).
set -eu

: "${MESHPING_URL:?set MESHPING_URL to the server, e.g. https://monitor.example:8443}"
: "${MESHPING_TOKEN:?set MESHPING_TOKEN to an API token with scope targets:register}"
address=${1:-}
name=${2:-$(hostname)}
group=${3:-}

json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
body="{\"name\":$(json_string "$name")"
[ -n "$address" ] && body="$body,\"address\":$(json_string "$address")"
[ -n "$group" ] && body="$body,\"group\":$(json_string "$group")"
body="$body}"

tls=""
[ -n "${MESHPING_CACERT:-}" ] && tls="--cacert $MESHPING_CACERT"
[ "${MESHPING_INSECURE:-0}" = "1" ] && tls="--insecure"

# shellcheck disable=SC2086 # $tls is one option or none
curl --silent --show-error --fail-with-body $tls \
  --request PUT \
  --header "Authorization: Bearer $MESHPING_TOKEN" \
  --header 'Content-Type: application/json' \
  --data "$body" \
  "${MESHPING_URL%/}/api/targets/self"
echo
