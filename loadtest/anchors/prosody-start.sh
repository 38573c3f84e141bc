#!/bin/sh
# Start Prosody pinned to CPU ${SERVER_CPU:-0} as the prosody user; prints the server PID
# (the lua5.4 process).  Runtime data under /tmp/pampero-bench/prosody.
# Copied from shared/anchors; changes: paths, CPU from $SERVER_CPU, fails when the port
# does not come up instead of printing a stale PID.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
R=/tmp/pampero-bench/prosody
mkdir -p $R/data $R/certs
rm -f $R/prosody.pid
chown -R prosody:prosody $R
ulimit -n 20000
# setpriv (not su/runuser) keeps the raised fd limit
nohup nice -n -10 taskset -c "${SERVER_CPU:-0}" setpriv --reuid=prosody --regid=prosody --init-groups \
  env HOME=/var/lib/prosody prosody -F --config "$HERE/prosody.cfg.lua" >$R/stdout.log 2>&1 &
for i in $(seq 100); do
  ss -ltnH 'sport = :15222' | grep -q LISTEN && [ -s $R/prosody.pid ] && break; sleep 0.2
done
if ! ss -ltnH 'sport = :15222' | grep -q LISTEN || [ ! -s $R/prosody.pid ]; then
  echo "prosody-start.sh: Prosody did not listen on 15222 within 20 s; see $R/stdout.log $R/prosody.log" >&2
  tail -5 $R/stdout.log >&2 2>/dev/null || true
  exit 1
fi
cat $R/prosody.pid
