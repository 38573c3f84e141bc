#!/bin/sh
# Stop the ejabberd node started by ejabberd-start.sh.
[ -f /tmp/pampero-bench/ejabberd/ejabberdctl.cfg ] || exit 0
AS_EJ="setpriv --reuid=ejabberd --regid=ejabberd --init-groups env HOME=/var/lib/ejabberd"
$AS_EJ ejabberdctl --ctl-config /tmp/pampero-bench/ejabberd/ejabberdctl.cfg stop && \
$AS_EJ ejabberdctl --ctl-config /tmp/pampero-bench/ejabberd/ejabberdctl.cfg stopped
