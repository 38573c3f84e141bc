#!/bin/sh
# usage: ejabberd-provision.sh USERFMT PASSWORD FIRST COUNT ROSTER [DOMAIN]
#   e.g. ejabberd-provision.sh 'load%d' 'pass%d' 1 10000 0
# Compiles ejabberd_bulk.erl, loads it into the running node ejabberd@localhost
# over Erlang distribution and runs it there.  Prints the time taken.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
UF=$(printf '%s' "$1" | sed 's/%d/~B/g'); PF=$(printf '%s' "$2" | sed 's/%d/~B/g')
FIRST=$3; COUNT=$4; ROSTER=$5; DOMAIN=${6:-bench.local}
B=/tmp/pampero-bench/ejabberd/bulk; mkdir -p $B
erlc -o $B "$HERE/ejabberd_bulk.erl"
COOKIE=$(cat /var/lib/ejabberd/.erlang.cookie)
erl -sname "prov$$@localhost" -setcookie "$COOKIE" -noshell -pa $B -eval "
N = 'ejabberd@localhost',
{ok, Bin} = file:read_file(\"$B/ejabberd_bulk.beam\"),
{module, _} = rpc:call(N, code, load_binary, [ejabberd_bulk, \"ejabberd_bulk.beam\", Bin]),
R = rpc:call(N, ejabberd_bulk, provision, [<<\"$DOMAIN\">>, \"$UF\", \"$PF\", $FIRST, $COUNT, $ROSTER], infinity),
io:format(\"~p~n\", [R]), halt()."
