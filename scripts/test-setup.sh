#!/usr/bin/env bash
# Installs the system packages the tests need, only those missing (run by `npm test` via `pretest`).
# Quiet and quick when everything is there; needs root (apt-get) otherwise.
# To add a requirement, add one line to REQUIREMENTS: "<debian package>|<shell check that passes when present>".
set -euo pipefail

REQUIREMENTS=(
  "python3-slixmpp|/usr/bin/python3 -c 'import slixmpp'"
  "python3-aiohttp|/usr/bin/python3 -c 'import aiohttp'"
  "redis-server|command -v redis-server"
  "chromium|test -x /usr/bin/chromium"
  "prosody|test -x /usr/bin/prosody"
  # test/support/prosody.ts makes Prosody's s2s certificate with it (test/e2e/prosody-s2s.test.ts)
  "openssl|command -v openssl"
  "docker-compose|command -v docker-compose"
  # lmdb is rebuilt with the fix for LMDB's ITS#9496 (scripts/lmdb-its9496.mjs): a compiler and make
  "g++|command -v c++"
  "make|command -v make"
)

missing=()
for requirement in "${REQUIREMENTS[@]}"; do
  package="${requirement%%|*}"
  check="${requirement#*|}"
  if ! bash -c "$check" >/dev/null 2>&1; then
    missing+=("$package")
  fi
done

# Every test runs on lmdb built with the ITS#9496 fix (after the packages below are there).
ensure_lmdb_fix() { node "$(dirname "$0")/lmdb-its9496.mjs" --require; }

if [ "${#missing[@]}" -eq 0 ]; then ensure_lmdb_fix; exit 0; fi

echo "test-setup: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "test-setup: need root to apt-get install ${missing[*]} (or install them first)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# One update per install run: a fresh image has no package lists.
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "test-setup: installed ${missing[*]}"
ensure_lmdb_fix
