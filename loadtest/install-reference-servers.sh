#!/bin/bash
# Installs what loadtest/compare.sh needs for the reference servers (Debian 12 packages):
#   prosody (0.12, Lua 5.4), ejabberd (23.01, Erlang/OTP 25; erl/erlc for ejabberd_bulk.erl),
#   python3-uvloop (optional speed-up of the driver), and the tools the helper scripts call
#   (taskset/setpriv from util-linux, ss from iproute2, sysctl from procps).
# Non-interactive and idempotent: packages already present are not touched, `apt-get update`
# only runs when something is missing.  The Debian services are kept from starting during the
# install (policy-rc.d) and are stopped and disabled afterwards: compare.sh starts its own
# instances on 15222 (Prosody) and 16222 (ejabberd) with the configs in loadtest/anchors/.
# Needs root.  usage: loadtest/install-reference-servers.sh
set -euo pipefail
if [ "$(id -u)" != 0 ]; then echo "install-reference-servers.sh: needs root (apt-get)" >&2; exit 1; fi
export DEBIAN_FRONTEND=noninteractive

PKGS=(prosody lua5.4 ejabberd erlang-base python3 python3-uvloop util-linux iproute2 procps)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  # keep the packages' services from starting (they would take 5222/5269/5280/4369 as
  # other users/paths); only if no policy-rc.d is there already, and removed afterwards
  POLICY=/usr/sbin/policy-rc.d; OWN_POLICY=0
  if [ ! -e $POLICY ]; then
    printf '#!/bin/sh\nexit 101\n' > $POLICY; chmod 755 $POLICY; OWN_POLICY=1
    trap '[ $OWN_POLICY = 1 ] && rm -f $POLICY' EXIT
  fi
  # an update only when the package lists are missing or do not know a package
  need_update=0
  for p in "${missing[@]}"; do
    apt-cache show "$p" >/dev/null 2>&1 || { need_update=1; break; }
  done
  [ $need_update = 1 ] && apt-get update -q
  apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    --no-install-recommends "${missing[@]}"
else
  echo "all packages present: ${PKGS[*]}"
fi

# stop and disable the packaged services (no-ops when they are not running / no systemd);
# `systemctl disable` also works without a running systemd (it only removes the symlinks)
for svc in prosody ejabberd; do
  if [ -d /run/systemd/system ]; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  else
    service "$svc" stop >/dev/null 2>&1 || true
    command -v systemctl >/dev/null && systemctl disable "$svc" >/dev/null 2>&1 || true
    update-rc.d "$svc" disable >/dev/null 2>&1 || true
  fi
done
# ejabberd under the Debian service user could also have been started by hand; stop only the
# packaged node (ejabberd@localhost with the packaged config), never our bench instance
if [ -f /etc/ejabberd/ejabberdctl.cfg ] && pgrep -u ejabberd -f "/etc/ejabberd/ejabberd.yml" >/dev/null 2>&1; then
  setpriv --reuid=ejabberd --regid=ejabberd --init-groups env HOME=/var/lib/ejabberd ejabberdctl stop >/dev/null 2>&1 || true
fi

# what is on the standard XMPP ports now (should be nothing from the packages)
busy=$(ss -ltnH '( sport = :5222 or sport = :5269 or sport = :5280 or sport = :5443 )' || true)
[ -n "$busy" ] && { echo "warning: something listens on a standard XMPP port:"; echo "$busy"; }

echo "versions:"
echo "  prosody  $(dpkg-query -W -f='${Version}' prosody)"
echo "  ejabberd $(dpkg-query -W -f='${Version}' ejabberd)"
echo "  erlang   $(dpkg-query -W -f='${Version}' erlang-base) (erlc: $(command -v erlc || echo missing))"
echo "  lua      $(dpkg-query -W -f='${Version}' lua5.4)"
echo "  uvloop   $(/usr/bin/python3 -c 'import uvloop; print(uvloop.__version__)' 2>/dev/null || echo missing)"
