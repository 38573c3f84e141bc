#!/bin/bash
# Cross-gateway chat (issue 7): the same chat search (S2: pairs, rising offered rate, a step passes
# with 0 lost and p99 < 100 ms) against a local fleet — partners always on different gateways
# (`--ports`) — and against the all-in-one on the same data, in one run; prints both and the ratio.
#
#   npm run build && loadtest/cross-gateway.sh
#   env: CLIENTS (500), RATES (500,1000,2000,4000,6000,8000,10000,12000,15000), GATEWAYS (2),
#        ROUTERS (1), INSTANCES (1), BASE (16000), OUT (results dir)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLIENTS=${CLIENTS:-500}
RATES=${RATES:-500,1000,2000,4000,6000,8000,10000,12000,15000}
GATEWAYS=${GATEWAYS:-2}
ROUTERS=${ROUTERS:-1}
INSTANCES=${INSTANCES:-1}
BASE=${BASE:-16000}
OUT=${OUT:-/tmp/pampero-bench/results/cross-gateway-$(date +%Y%m%d-%H%M%S)}
DATA=/tmp/pampero-bench/cross-gateway-data
DOMAIN=bench.local
[ -f "$ROOT/dist/cli/pampero.cjs" ] || { echo "build first: npm run build" >&2; exit 1; }
mkdir -p "$OUT"
ulimit -n 20000 || true
LOAD=(node --max-semi-space-size=4 "$ROOT/dist/loadtest/tool/cli.js")

rm -rf "$DATA"; mkdir -p "$DATA"
"${LOAD[@]}" --provision pampero --pampero-data "$DATA" --provision-count "$CLIENTS" --domain $DOMAIN -s chat -c "$CLIENTS" -q > "$OUT/provision.log" 2>&1

ports=""
for g in $(seq "$GATEWAYS"); do ports="$ports${ports:+,}$((BASE + 200 + g * 10))"; done

run_chat() { # label, extra args…
  local label=$1; shift
  "${LOAD[@]}" -s chat -c "$CLIENTS" --rates "$RATES" --domain $DOMAIN --label "$label" -o "$OUT/$label" -q \
    --json-out "$OUT/results.jsonl" "$@" > "$OUT/$label.md" 2> "$OUT/$label.err" || true
}

# 1. the fleet (archive off in both runs, so the two compare the same work)
PAMPERO_ARCHIVE__ENABLED=false PAMPERO_LOG_LEVEL=warn node --max-semi-space-size=4 "$ROOT/dist/cli/pampero.cjs" cluster up \
  --gateways "$GATEWAYS" --routers "$ROUTERS" --instances "$INSTANCES" --base-port "$BASE" --data-dir "$DATA" --domain $DOMAIN \
  --allow-plain-from-loopback > "$OUT/fleet.log" 2>&1 &
FLEET=$!
for _ in $(seq 300); do grep -q "fleet up" "$OUT/fleet.log" 2>/dev/null && break; sleep 0.2; done
grep -q "fleet up" "$OUT/fleet.log" || { echo "fleet did not start: $OUT/fleet.log" >&2; kill $FLEET; exit 1; }
run_chat fleet --ports "$ports"
kill -INT $FLEET; wait $FLEET || true

# 2. the all-in-one on the same data, same archive setting
PAMPERO_ARCHIVE__ENABLED=false node --max-semi-space-size=4 "$ROOT/dist/cli/pampero.cjs" start --domain $DOMAIN --data-dir "$DATA" \
  --c2s-port $((BASE + 5)) --c2s-tls-port 0 --http-port 0 --component-port $((BASE + 6)) --allow-plain-from-loopback --log-level warn > "$OUT/all-in-one.log" 2>&1 &
ONE=$!
for _ in $(seq 100); do grep -q "c2s" "$OUT/all-in-one.log" 2>/dev/null && break; sleep 0.1; done
run_chat all-in-one --port $((BASE + 5))
kill -INT $ONE; wait $ONE || true

python3 - "$OUT/results.jsonl" "$GATEWAYS" <<'PYEOF'
import json, sys
rows = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[r.get("label")] = r
def fig(r):
    return r.get("best_sustained_delivered_per_s") or 0
def p99(r):
    return (r.get("best_step") or {}).get("lat_ms_p99", "?")
fleet, one = rows.get("fleet", {}), rows.get("all-in-one", {})
f, o = fig(fleet), fig(one)
print(f"cross-gateway chat, {sys.argv[2]} gateways: {f:.0f} msg/s delivered (best step with p99 < 100 ms, 0 lost; p99 {p99(fleet)} ms)")
print(f"all-in-one, same data:             {o:.0f} msg/s (p99 {p99(one)} ms)")
print(f"ratio fleet / all-in-one:          {f / o:.2f}" if o else "ratio: n/a")
PYEOF
echo "raw results in $OUT"
