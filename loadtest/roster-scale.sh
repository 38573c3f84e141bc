#!/bin/bash
# Roster retrieval at scale (issue 3): for each population, import N users × 20 contacts with
# `pampero roster import`, start the all-in-one on CPU 0, and let xmppbench (CPU 1) log in 1000
# random users and time roster gets one at a time and 50 in flight. Prints one JSON line per size
# and keeps the raw output under $OUT.
#
#   loadtest/roster-scale.sh [SIZES...]        default: 10000 100000 500000
#   env: OUT (results dir), ITERATIONS (SCRAM iterations for the import, default 1: the figure
#   measured is roster retrieval, not password hashing), SAMPLES (default 1000), WARMUP (untimed
#   passes first, default 1: the same run with another seed, i.e. 1000 other users, so that the
#   figures are those of a server past its JIT warm-up, as one that has run for a while; 0 for a
#   cold start, whose first pass has p99 1.5–2.4 ms against 0.2–0.4 ms warm)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZES=("${@:-10000 100000 500000}")
[ $# -eq 0 ] && SIZES=(10000 100000 500000)
OUT=${OUT:-/tmp/pampero-bench/results/roster-scale-$(date +%Y%m%d-%H%M%S)}
ITERATIONS=${ITERATIONS:-1}
SAMPLES=${SAMPLES:-1000}
DOMAIN=bench.local
PY=/usr/bin/python3
mkdir -p "$OUT"
[ -f "$ROOT/dist/cli/pampero.cjs" ] || { echo "build first: npm run build" >&2; exit 1; }
ulimit -n 20000 || true

for N in "${SIZES[@]}"; do
  DATA=/tmp/pampero-bench/roster-$N
  rm -rf "$DATA"; mkdir -p "$DATA"
  start=$(date +%s.%N)
  node "$ROOT/dist/loadtest/generate-rosters.js" --count "$N" --user-fmt 'big%d' --password-fmt 'pass%d' --contacts 20 --domain $DOMAIN \
    | node "$ROOT/dist/cli/pampero.cjs" roster import - --data-dir "$DATA" --domain $DOMAIN --iterations "$ITERATIONS" > "$OUT/import-$N.log" 2>&1
  import_s=$(echo "$(date +%s.%N) - $start" | bc)
  size_kib=$(du -sk "$DATA/lmdb" | cut -f1)
  taskset -c 0 nice -n -10 node "$ROOT/dist/cli/pampero.cjs" start --domain $DOMAIN --data-dir "$DATA" --c2s-port 17222 \
    --c2s-tls-port 0 --http-port 0 --component-port 17275 --allow-plain-from-loopback --log-level warn > "$OUT/server-$N.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do grep -q "c2s" "$OUT/server-$N.log" 2>/dev/null && break; sleep 0.1; done
  rss_before=$(awk '/VmRSS/ {print $2}' /proc/$PID/status)
  for w in $(seq 1 "${WARMUP:-1}"); do
    taskset -c 1 nice -n -10 $PY "$ROOT/loadtest/anchors/xmppbench.py" --port 17222 --domain $DOMAIN --user-fmt 'big%d' \
      --password 'pass%d' --label "warm-up $w" roster --users "$N" --samples "$SAMPLES" --seed $((100 + w)) > "$OUT/warmup-$N-$w.json" 2>&1 || true
  done
  taskset -c 1 nice -n -10 $PY "$ROOT/loadtest/anchors/xmppbench.py" --port 17222 --domain $DOMAIN --user-fmt 'big%d' \
    --password 'pass%d' --pid $PID --label "pampero roster $N" roster --users "$N" --samples "$SAMPLES" --seed 1 > "$OUT/roster-$N.json" 2> "$OUT/roster-$N.err" || true
  # After the run: RSS split into the process's own memory (RssAnon) and LMDB's file pages it
  # mapped (RssFile: the kernel's page cache, shared and reclaimable).
  read -r rss_after anon_after file_after < <(awk '/^VmRSS/ {r=$2} /^RssAnon/ {a=$2} /^RssFile/ {f=$2} END {print r, a, f}' /proc/$PID/status)
  kill -INT $PID; wait $PID || true
  $PY - "$N" "$import_s" "$size_kib" "$rss_before" "$OUT/roster-$N.json" "$rss_after" "$anon_after" "$file_after" <<'PYEOF'
import json, sys
n, import_s, size_kib, rss_before, path, rss_after, anon_after, file_after = sys.argv[1:]
r = json.loads(open(path).read().strip().splitlines()[-1])
print(json.dumps({"users": int(n), "items": int(n) * 20, "import_s": round(float(import_s), 1),
  "items_per_s": round(int(n) * 20 / float(import_s)), "lmdb_mib": round(int(size_kib) / 1024, 1),
  "rss_mib_after_start": round(int(rss_before) / 1024, 1), "rss_mib_after_run": round(int(rss_after) / 1024, 1),
  "rss_anon_mib_after_run": round(int(anon_after) / 1024, 1), "rss_file_mib_after_run": round(int(file_after) / 1024, 1), "result": r}))
PYEOF
done | tee "$OUT/summary.jsonl"
