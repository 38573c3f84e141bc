#!/bin/sh
# Rolling restart of a Pampero fleet: every process in turn is drained, restarted and waited for
# (/readyz 200) before the next one (docs/cluster.md "Rolling restart", docs/deploy.md "Upgrading").
#
#   scripts/rolling-restart.sh local DATA_DIR
#       a fleet started with `pampero cluster up --data-dir DATA_DIR` (it restarts its processes:
#       routers, components, gateways; this follows the progress)
#   scripts/rolling-restart.sh systemd UNIT:HTTP_PORT ...
#       systemd units on this host, in the order given, e.g. pampero@router:5280 pampero@gateway:5280
#       (ExecStop drains through the admin API, deploy/systemd/pampero-drain)
#   scripts/rolling-restart.sh compose SERVICE ...
#       docker compose services (run from deploy/compose), e.g. router-1 router-2 roster-1 … gateway-2;
#       gateways and routers are drained through the admin API first
#
# PAMPERO: the pampero command (default: pampero on PATH, else node dist/cli/pampero.cjs here).
# READY_TIMEOUT: seconds to wait for each process to be ready again (default 120).
set -eu

mode="${1:-}"; [ $# -gt 0 ] && shift
timeout="${READY_TIMEOUT:-120}"
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "${PAMPERO:-}" ]; then
  if command -v pampero >/dev/null 2>&1; then PAMPERO=pampero; else PAMPERO="node $here/dist/cli/pampero.cjs"; fi
fi

usage() { sed -n '2,17p' "$0" >&2; exit 2; }

# wait_ready URL: polls until it answers 200, or fails after $timeout seconds.
wait_ready() {
  node -e "
    const url = process.argv[1], deadline = Date.now() + Number(process.argv[2]) * 1000;
    (async () => {
      for (;;) {
        const ok = await fetch(url).then((r) => r.ok, () => false);
        if (ok) process.exit(0);
        if (Date.now() > deadline) { console.error('not ready: ' + url); process.exit(1); }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();" "$1" "$timeout"
}

case "$mode" in
  local)
    [ $# -eq 1 ] || usage
    exec $PAMPERO cluster rolling-restart --data-dir "$1" --timeout "$((timeout * 20))"
    ;;
  systemd)
    [ $# -ge 1 ] || usage
    for item in "$@"; do
      unit="${item%%:*}"; port="${item##*:}"
      echo "restarting $unit"
      systemctl restart "$unit"
      wait_ready "http://127.0.0.1:$port/readyz"
      echo "$unit ready"
    done
    ;;
  compose)
    [ $# -ge 1 ] || usage
    drain='fetch("http://127.0.0.1:5285/admin/api/drain",{method:"POST",headers:{authorization:"Bearer "+process.env.PAMPERO_ADMIN_TOKEN}}).then(r=>process.exit(r.status===202?0:1),()=>process.exit(1))'
    for service in "$@"; do
      echo "restarting $service"
      case "$service" in gateway-*|router-*) docker compose exec -T "$service" node -e "$drain" || true; sleep 5 ;; esac
      docker compose restart "$service"
      id="$(docker compose ps -q "$service")"
      waited=0
      until [ "$(docker inspect --format '{{.State.Health.Status}}' "$id")" = healthy ]; do
        waited=$((waited + 2)); [ "$waited" -le "$timeout" ] || { echo "$service not healthy" >&2; exit 1; }
        sleep 2
      done
      echo "$service ready"
    done
    ;;
  *) usage ;;
esac
