#!/bin/sh
# Stop the Prosody started by prosody-start.sh (by its pidfile only).
F=/tmp/pampero-bench/prosody/prosody.pid
[ "${BENCH_SASL:-plain}" = scram ] && F=/tmp/pampero-bench/prosody-scram/prosody.pid  # the SCRAM variant
[ -s $F ] || exit 0
P=$(cat $F)
kill "$P" 2>/dev/null || { rm -f $F; exit 0; }
for i in $(seq 150); do kill -0 "$P" 2>/dev/null || break; sleep 0.2; done
kill -0 "$P" 2>/dev/null && kill -9 "$P"
rm -f $F
