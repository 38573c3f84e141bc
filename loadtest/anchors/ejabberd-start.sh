#!/bin/sh
# Start ejabberd (node ejabberd@localhost) pinned to CPU ${SERVER_CPU:-0}; prints the beam.smp PID.
# Runtime data (mnesia spool, logs) under /tmp/pampero-bench/ejabberd.
# Copied from shared/anchors; changes: paths, CPU from $SERVER_CPU, waits up to 120 s for the
# port (mnesia load time grows with the spool) and fails clearly when it does not come up.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
R=/tmp/pampero-bench/ejabberd
mkdir -p $R/db $R/log
cat > $R/ejabberdctl.cfg <<CFG
EJABBERD_CONFIG_PATH=$HERE/ejabberd.yml
SPOOL_DIR=$R/db
LOGS_DIR=$R/log
ERL_MAX_PORTS=65536
ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"
CFG
chown -R ejabberd:ejabberd $R
ulimit -n 20000
# setpriv (not su/runuser) keeps the raised fd limit; ejabberdctl then runs as its user
AS_EJ="setpriv --reuid=ejabberd --regid=ejabberd --init-groups env HOME=/var/lib/ejabberd"
nice -n -10 taskset -c "${SERVER_CPU:-0}" $AS_EJ ejabberdctl --ctl-config $R/ejabberdctl.cfg --config "$HERE/ejabberd.yml" \
  --spool $R/db --logs $R/log start
$AS_EJ ejabberdctl --ctl-config $R/ejabberdctl.cfg started
for i in $(seq 600); do
  ss -ltnH 'sport = :16222' | grep -q LISTEN && break; sleep 0.2
done
PID=$(ss -ltnpH 'sport = :16222' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
if [ -z "$PID" ]; then
  echo "ejabberd-start.sh: ejabberd did not listen on 16222 within 120 s; see $R/log/" >&2
  exit 1
fi
echo "$PID"
