#!/bin/bash
# Side-by-side benchmark of Pampero, Prosody and ejabberd with the same driver (see --help).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
A=$HERE/anchors
BENCH=/tmp/pampero-bench
DOMAIN=bench.local
# compiled Pampero (npm run build); BENCH_PAMPERO_DIST measures another build, e.g. a snapshot
# compiled with `tsc --outDir` while the checkout's dist/ is being rebuilt
DIST=$(cd "${BENCH_PAMPERO_DIST:-$ROOT/dist}" 2>/dev/null && pwd || echo "${BENCH_PAMPERO_DIST:-$ROOT/dist}")

usage() {
  cat <<'EOF'
usage: loadtest/compare.sh [options]

Runs the foundation scenarios with the same load driver (loadtest/anchors/xmppbench.py)
against Pampero, Prosody and ejabberd, one server after the other, then prints the
comparison table (loadtest/compare-report.py).  Every server: plain TCP on 127.0.0.1,
SASL PLAIN, pinned to one CPU (taskset -c 0, nice -n -10); the driver on the other CPU
(taskset -c 1, nice -n -10); the server is restarted before each scenario series.
Runtime data (spools, logs, results) lives under /tmp/pampero-bench/, never in the repo.

Scenarios (users load1..loadN, password pass<N>; provisioned automatically):
  S1  login: 2000 users, 50 logins in flight (closed loop)   -> logins/s, login p50/p99
  S2  chat: 500 users in 250 pairs, offered rate stepped up, 8 s steps, pass = 0 lost,
      p99 < 100 ms, >= 97 % of the rate sent                -> highest passing msg/s
  S3  roster (optional, not in the default set): 20,000 users rost1..rost20000 with 20
      contacts each, roster get RTT of 1000 random users       -> p50/p99 ms, gets/s
  S4  idle: RSS with 0, 5000, 10000 idle sessions (10 s settle) -> bytes per session

Options:
  --servers LIST        comma list, run in this order (default pampero,prosody,ejabberd)
  --scenarios LIST      comma list of S1,S2,S3,S4 (default S1,S2,S4)
  --runs N              runs per scenario (default 1 = quick look; use 3 for the record)
  --quick               smoke test with small numbers (S1 300 users / 25 in flight;
                        S2 100 users, rates 200,500,1000, 3 s steps; S3 1000 users,
                        100 samples; S4 0,500,1000 sessions, 3 s settle); ~1-2 min/server
  --out DIR             results directory (default /tmp/pampero-bench/results/<date>-<time>)
  --rates LIST          S2 offered rates, msg/s (default 500,1000,1500,2000,2500,3000,4000,
                        5000,6000,8000,10000,12000,15000,20000,25000,30000)
  --s3-users N          S3 population (default 20000; provisioning it takes ~2.5 min on ejabberd)
  --pampero-iterations N
                        SCRAM iterations of the provisioned Pampero accounts (default 4096).
                        Pampero stores SCRAM keys only, so every PLAIN login costs it one
                        PBKDF2 with N iterations (~1.8 ms at 4096 on this machine); Prosody and
                        ejabberd store clear text here and pay none. N != 4096 uses its own
                        data dir /tmp/pampero-bench/pampero-i<N>.
  --fresh               delete the servers' benchmark data first (users are re-provisioned)
  --server-cpu N        CPU for the server (default 0)
  --driver-cpu N        CPU for the driver (default 1)
  --no-report           do not print the comparison table at the end
  -h, --help            this text

Environment: PYTHON (driver interpreter, default /usr/bin/python3, which sees python3-uvloop),
BENCH_DRIVER_ARGS (extra xmppbench.py options, e.g. --no-echo), BENCH_PAMPERO_ARGS (extra flags for
`pampero start`), BENCH_PAMPERO_DIST (compiled Pampero to measure, default <repo>/dist; it needs
cli/pampero.cjs and loadtest/provision-pampero.js, and node_modules + package.json reachable
from it). (Not PAMPERO_*: the server reads those as its own settings and rejects unknown ones.)

Prerequisites: root (sysctl, setpriv to the prosody/ejabberd users), loadtest/install-reference-servers.sh
run once, and for Pampero `npm run build` (needs dist/cli/pampero.cjs and
dist/loadtest/provision-pampero.js).

Examples:
  loadtest/compare.sh --quick                                    # smoke test, all three
  loadtest/compare.sh --quick --servers prosody,ejabberd
  loadtest/compare.sh --runs 3                                   # the record (S1, S2, S4)
  loadtest/compare.sh --runs 3 --servers pampero --scenarios S2 --out /tmp/pampero-bench/results/x
  python3 loadtest/compare-report.py /tmp/pampero-bench/results/<dir>   # table again
EOF
}

die() { echo "compare.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*"; }

SERVERS=pampero,prosody,ejabberd
SCENARIOS=S1,S2,S4
RUNS=1
QUICK=0
OUT=
RATES=500,1000,1500,2000,2500,3000,4000,5000,6000,8000,10000,12000,15000,20000,25000,30000
RATES_SET=0
S3_USERS=20000
ITER=4096
FRESH=0
SCPU=0
DCPU=1
REPORT=1
ARGS_ORIG="$*"
while [ $# -gt 0 ]; do
  case $1 in
    --servers) SERVERS=${2:?}; shift ;;
    --scenarios) SCENARIOS=${2:?}; shift ;;
    --runs) RUNS=${2:?}; shift ;;
    --quick) QUICK=1 ;;
    --out) OUT=${2:?}; shift ;;
    --rates) RATES=${2:?}; RATES_SET=1; shift ;;
    --s3-users) S3_USERS=${2:?}; shift ;;
    --pampero-iterations) ITER=${2:?}; shift ;;
    --fresh) FRESH=1 ;;
    --server-cpu) SCPU=${2:?}; shift ;;
    --driver-cpu) DCPU=${2:?}; shift ;;
    --no-report) REPORT=0 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done

# ---------------------------------------------------------------- scenario sizes
if [ $QUICK = 1 ]; then
  S1_USERS=300; S1_CONC=25
  S2_USERS=100; S2_DUR=3; [ $RATES_SET = 1 ] || RATES=200,500,1000
  S3_FMT='qrost%d'; S3_USERS=1000; S3_SAMPLES=100
  S4_COUNTS=0,500,1000; S4_SETTLE=3
  PAUSE=1; AFTER_START=1
else
  S1_USERS=2000; S1_CONC=50
  S2_USERS=500; S2_DUR=8
  S3_FMT='rost%d'; S3_SAMPLES=1000
  S4_COUNTS=0,5000,10000; S4_SETTLE=10
  PAUSE=5; AFTER_START=3
fi
# users load1..N needed by the selected scenarios
NEED=0
for S in ${SCENARIOS//,/ }; do
  case $S in
    S1) [ $S1_USERS -gt $NEED ] && NEED=$S1_USERS ;;
    S2) [ $S2_USERS -gt $NEED ] && NEED=$S2_USERS ;;
    S3) ;;
    S4) n=${S4_COUNTS##*,}; [ $n -gt $NEED ] && NEED=$n ;;
    *) die "unknown scenario $S (S1 S2 S3 S4)" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[[ $ITER =~ ^[1-9][0-9]*$ ]] || die "--pampero-iterations must be a positive integer"
if [ "$ITER" = 4096 ]; then PDATA=$BENCH/pampero; else PDATA=$BENCH/pampero-i$ITER; fi

# ---------------------------------------------------------------- preconditions
[ "$(id -u)" = 0 ] || die "needs root (sysctl; the reference servers run via setpriv as their users)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (server on one, driver on the other)"
PY=${PYTHON:-/usr/bin/python3}
[ -x "$PY" ] || die "python interpreter $PY not found"
for S in ${SERVERS//,/ }; do
  case $S in
    pampero)
      [ -f "$DIST/cli/pampero.cjs" ] || die "$DIST/cli/pampero.cjs is missing: Pampero is not built (run 'npm run build' in $ROOT; the CLI must exist before Pampero can be measured). Use --servers prosody,ejabberd to run the reference servers only."
      [ -f "$DIST/loadtest/provision-pampero.js" ] || die "$DIST/loadtest/provision-pampero.js is missing: run 'npm run build' in $ROOT"
      command -v node >/dev/null || die "node not found" ;;
    prosody)
      command -v prosody >/dev/null || die "prosody is not installed: run loadtest/install-reference-servers.sh" ;;
    ejabberd)
      command -v ejabberdctl >/dev/null && command -v erlc >/dev/null || die "ejabberd/erlc not installed: run loadtest/install-reference-servers.sh" ;;
    *) die "unknown server $S (pampero prosody ejabberd)" ;;
  esac
done
"$PY" -c 'import uvloop' 2>/dev/null || echo "note: uvloop not importable by $PY; the driver falls back to asyncio (slower driver)" >&2

# kernel settings of the anchors: wide ephemeral range, and the server ports kept out of it
# (otherwise a client socket may take 15222/16222/17222 and the server cannot bind on restart)
sysctl -qw net.ipv4.ip_local_port_range="10000 65000" 2>/dev/null || echo "warning: could not set net.ipv4.ip_local_port_range" >&2
sysctl -qw net.ipv4.ip_local_reserved_ports=15222,15280,16222,16280,17222,17280,4369 2>/dev/null || echo "warning: could not set net.ipv4.ip_local_reserved_ports" >&2
ulimit -n 20000 2>/dev/null || echo "warning: could not raise the fd limit to 20000 (S4 needs > 10000 for the driver)" >&2

OUT=${OUT:-$BENCH/results/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT" || die "cannot create $OUT"
log "results in $OUT"

# ---------------------------------------------------------------- metadata
export CMP_OUT=$OUT CMP_SERVERS=$SERVERS CMP_SCENARIOS=$SCENARIOS CMP_RUNS=$RUNS CMP_QUICK=$QUICK \
  CMP_RATES=$RATES CMP_ITER=$ITER CMP_SCPU=$SCPU CMP_DCPU=$DCPU CMP_ARGS="$ARGS_ORIG" CMP_ROOT=$ROOT \
  CMP_S3_USERS=$S3_USERS CMP_PY=$PY
"$PY" - <<'PYEOF' || die "could not write meta.json"
import json, os, platform, subprocess, time
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:
        return ""
e = os.environ
cpu = ""
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip(); break
mem = ""
for line in open("/proc/meminfo"):
    if line.startswith("MemTotal"):
        mem = "%.1f GiB" % (int(line.split()[1]) / 1048576); break
osr = sh(". /etc/os-release && echo $PRETTY_NAME")
root = e["CMP_ROOT"]
pkg = json.load(open(os.path.join(root, "package.json")))
git = sh(f"git -C {root} rev-parse --short HEAD")
dirty = sh(f"git -C {root} status --porcelain --untracked-files=no")
meta = {
  "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
  "machine": {"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "os": osr, "mem": mem},
  "versions": {
    "node": sh("node --version"),
    "pampero": f"{pkg.get('version')} ({git}{'+dirty' if dirty else ''})",
    "prosody": sh("dpkg-query -W -f='${Version}' prosody"),
    "ejabberd": sh("dpkg-query -W -f='${Version}' ejabberd"),
    "erlang": sh("dpkg-query -W -f='${Version}' erlang-base"),
    "lua": sh("dpkg-query -W -f='${Version}' lua5.4"),
    "python": platform.python_version(),
    "uvloop": sh(e["CMP_PY"] + " -c 'import uvloop; print(uvloop.__version__)'") or "none (asyncio)",
  },
  "options": {"servers": e["CMP_SERVERS"].split(","), "scenarios": e["CMP_SCENARIOS"].split(","),
              "runs": int(e["CMP_RUNS"]), "quick": e["CMP_QUICK"] == "1", "s2_rates": e["CMP_RATES"],
              "s3_users": int(e["CMP_S3_USERS"]), "pampero_scram_iterations": int(e["CMP_ITER"]),
              "server_cpu": int(e["CMP_SCPU"]), "driver_cpu": int(e["CMP_DCPU"])},
  "command": "loadtest/compare.sh " + e["CMP_ARGS"],
}
json.dump(meta, open(os.path.join(e["CMP_OUT"], "meta.json"), "w"), indent=2)
PYEOF

# ---------------------------------------------------------------- per-server helpers
# PORT, the start/stop functions and provisioning for each server; SPIDS = PIDs for RSS.
SPIDS=()

port_of() { case $1 in pampero) echo 17222 ;; prosody) echo 15222 ;; ejabberd) echo 16222 ;; esac; }
listening() { ss -ltnH "sport = :$1" | grep -q LISTEN; }
listener_info() { ss -ltnpH "sport = :$1" | head -1; }

descendants() {  # PIDs of $1 and all its descendants
  local p=$1 c
  echo "$p"
  for c in $(pgrep -P "$p" 2>/dev/null); do descendants "$c"; done
}

pampero_start() {
  mkdir -p "$PDATA" "$BENCH/pampero-logs"
  local logf=$BENCH/pampero-logs/stdout.log
  # nohup/nice/taskset exec each other, so $! is the node process
  (cd "$ROOT" && exec nohup nice -n -10 taskset -c "$SCPU" node --max-semi-space-size=4 "$DIST/cli/pampero.cjs" start \
      --domain $DOMAIN --data-dir "$PDATA" --c2s-port 17222 --c2s-tls-port 0 --http-port 17280 \
      --allow-plain-from-loopback --log-level warn ${BENCH_PAMPERO_ARGS:-} >>"$logf" 2>&1) &
  local pid=$!
  echo "$pid" > "$BENCH/pampero-logs/pampero.pid"
  for _ in $(seq 300); do
    listening 17222 && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if ! kill -0 "$pid" 2>/dev/null || ! listening 17222; then
    echo "compare.sh: Pampero did not come up on 17222 within 60 s; last lines of $logf:" >&2
    tail -20 "$logf" >&2
    return 1
  fi
  sleep 0.5   # let a cluster primary fork its workers before the PIDs are collected
  mapfile -t SPIDS < <(descendants "$pid")
}

pampero_stop() {
  local f=$BENCH/pampero-logs/pampero.pid pid pids p
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null || { rm -f "$f"; return 0; }
  mapfile -t pids < <(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  for p in "${pids[@]}"; do   # whatever of ours is still there (by PID only)
    kill -0 "$p" 2>/dev/null && { echo "warning: Pampero process $p still running after 30 s, killing it" >&2; kill -KILL "$p"; }
  done
  rm -f "$f"
}

prosody_start() { local p; p=$(SERVER_CPU=$SCPU "$A/prosody-start.sh" | tail -1) || return 1; SPIDS=("$p"); }
prosody_stop() { "$A/prosody-stop.sh" >/dev/null 2>&1 || true; }
ejabberd_start() { local p; p=$(SERVER_CPU=$SCPU "$A/ejabberd-start.sh" | tail -1) || return 1; SPIDS=("$p"); }
ejabberd_stop() { "$A/ejabberd-stop.sh" >/dev/null 2>&1 || true; }

start_server() {  # $1 server
  local port; port=$(port_of "$1")
  if listening "$port"; then
    die "port $port is already in use before starting $1: $(listener_info "$port")"
  fi
  "${1}_start" || die "$1 did not start"
  [ ${#SPIDS[@]} -gt 0 ] && [ -n "${SPIDS[0]}" ] || die "$1: no server PID"
  log "$1 up on $port, pid(s) ${SPIDS[*]} (cpu $(taskset -cp "${SPIDS[0]}" 2>/dev/null | awk '{print $NF}'))"
}
stop_server() {
  "${1}_stop"
  local port; port=$(port_of "$1")
  for _ in $(seq 50); do listening "$port" || return 0; sleep 0.2; done
  echo "warning: $1 still listening on $port after stop: $(listener_info "$port")" >&2
}
restart_server() { stop_server "$1"; start_server "$1"; sleep "$AFTER_START"; }

# how many users FMT are provisioned: a stamp inside the server's runtime dir, so deleting that
# dir (or --fresh) also forgets it.  Pampero has none: its provisioning skips existing accounts.
stamp_get() { cat "$BENCH/$1/stamps/$2" 2>/dev/null || echo 0; }
stamp_set() { mkdir -p "$BENCH/$1/stamps"; echo "$3" > "$BENCH/$1/stamps/$2"; }

# provision users FMT 1..COUNT with ROSTER contacts each (password pass<N>); server stopped on entry
provision() {  # $1 server $2 fmt $3 count $4 roster
  local srv=$1 fmt=$2 count=$3 roster=$4 key have
  key=${fmt//%d/}
  have=0
  [ "$srv" = pampero ] || have=$(stamp_get "$srv" "$key")
  if [ "$have" -ge "$count" ]; then
    log "$srv: users ${fmt} 1..$have already provisioned (need $count)"
    return 0
  fi
  log "$srv: provisioning users ${fmt} $((have + 1))..$count (roster $roster)"
  case $srv in
    prosody)
      "$PY" "$A/prosody-provision.py" --data "$BENCH/prosody/data" --domain $DOMAIN --user-fmt "$fmt" \
        --password 'pass%d' --count "$count" --roster "$roster" || die "prosody provisioning failed"
      chown -R prosody:prosody "$BENCH/prosody" ;;
    ejabberd)
      start_server ejabberd
      # roster rings depend on the population: a partial earlier population is redone whole
      local first=$((have + 1)) n=$((count - have))
      [ "$roster" -gt 0 ] && { first=1; n=$count; }
      "$A/ejabberd-provision.sh" "$fmt" 'pass%d' "$first" "$n" "$roster" $DOMAIN || { stop_server ejabberd; die "ejabberd provisioning failed"; }
      stop_server ejabberd ;;
    pampero)
      (cd "$ROOT" && node "$DIST/loadtest/provision-pampero.js" --data-dir "$PDATA" --domain $DOMAIN \
        --user-fmt "$fmt" --password 'pass%d' --count "$count" --iterations "$ITER" --roster "$roster") \
        || die "pampero provisioning failed" ;;
  esac
  [ "$srv" = pampero ] || stamp_set "$srv" "$key" "$count"
}

# one driver run; stdout (the JSON line) and stderr (per-step lines) go to $OUT/<server>.log
drive() {  # $1 server $2 scenario $3 run, rest: xmppbench options + scenario
  local srv=$1 sc=$2 run=$3; shift 3
  local pidargs=() p
  for p in "${SPIDS[@]}"; do pidargs+=(--pid "$p"); done
  log "$srv $sc run$run: $*"
  # shellcheck disable=SC2086
  timeout 960 nice -n -10 taskset -c "$DCPU" "$PY" "$A/xmppbench.py" --host 127.0.0.1 --domain $DOMAIN \
    --password 'pass%d' "${pidargs[@]}" --label "$srv $sc run$run" --json-out "$OUT/$srv.jsonl" \
    ${BENCH_DRIVER_ARGS:-} "$@" >>"$OUT/$srv.log" 2> >(tee -a "$OUT/$srv.log" | sed -u "s/^/    /" >&2)
  local rc=$?
  [ $rc -eq 0 ] || echo "warning: driver exited $rc ($srv $sc run$run); see $OUT/$srv.log" >&2
  "$PY" "$HERE/compare-report.py" --last "$OUT/$srv.jsonl" 2>/dev/null | sed 's/^/    => /'
  sleep "$PAUSE"
}

# ---------------------------------------------------------------- main loop
CURRENT=
cleanup() { [ -n "$CURRENT" ] && stop_server "$CURRENT"; }
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

T_ALL=$(date +%s)
for SRV in ${SERVERS//,/ }; do
  PORT=$(port_of "$SRV")
  T_SRV=$(date +%s)
  log "=== $SRV"
  CURRENT=$SRV
  stop_server "$SRV"
  if [ $FRESH = 1 ]; then
    log "$SRV: --fresh, deleting its benchmark data"
    case $SRV in
      pampero) rm -rf "$PDATA" ;;
      *) rm -rf "${BENCH:?}/$SRV" ;;
    esac
  fi
  [ "$NEED" -gt 0 ] && provision "$SRV" 'load%d' "$NEED" 0
  [[ ,$SCENARIOS, == *,S3,* ]] && provision "$SRV" "$S3_FMT" "$S3_USERS" 20
  for S in ${SCENARIOS//,/ }; do
    restart_server "$SRV"
    for r in $(seq "$RUNS"); do
      case $S in
        S1) drive "$SRV" S1 "$r" --port "$PORT" --user-fmt 'load%d' login --users $S1_USERS --concurrency $S1_CONC ;;
        S2) drive "$SRV" S2 "$r" --port "$PORT" --user-fmt 'load%d' chat --users $S2_USERS --rates "$RATES" --duration $S2_DUR ;;
        S3) drive "$SRV" S3 "$r" --port "$PORT" --user-fmt "$S3_FMT" roster --users "$S3_USERS" --samples $S3_SAMPLES --seed "$r" ;;
        S4) [ "$r" -gt 1 ] && restart_server "$SRV"   # RSS baseline from a fresh process each run
            drive "$SRV" S4 "$r" --port "$PORT" --user-fmt 'load%d' idle --counts $S4_COUNTS --settle $S4_SETTLE ;;
      esac
    done
  done
  stop_server "$SRV"
  CURRENT=
  log "$SRV done in $(( $(date +%s) - T_SRV )) s"
done
log "all done in $(( $(date +%s) - T_ALL )) s; results in $OUT"
if [ $REPORT = 1 ]; then
  "$PY" "$HERE/compare-report.py" "$OUT" | tee "$OUT/report.md"
fi
