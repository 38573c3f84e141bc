#!/bin/sh
# Stop the ejabberd node started by ejabberd-start.sh (BENCH_SASL=scram: its SCRAM variant).
R=/tmp/pampero-bench/ejabberd
[ "${BENCH_SASL:-plain}" = scram ] && R=/tmp/pampero-bench/ejabberd-scram
[ -f $R/ejabberdctl.cfg ] || exit 0
AS_EJ="setpriv --reuid=ejabberd --regid=ejabberd --init-groups env HOME=/var/lib/ejabberd"
$AS_EJ ejabberdctl --ctl-config $R/ejabberdctl.cfg stop && \
$AS_EJ ejabberdctl --ctl-config $R/ejabberdctl.cfg stopped
