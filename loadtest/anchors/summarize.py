#!/usr/bin/env python3
"""Print per-scenario medians from xmppbench JSON lines.
usage: summarize.py /tmp/pampero-bench/results/prosody.jsonl [...]
S2/S5/S6/S7: 'best_delivered/s' is the delivered stanzas/s (messages x fanout)
of the highest passing step; runs=completed/all."""
import json, statistics, sys
from collections import defaultdict

def med(xs):
    xs = [x for x in xs if x is not None]
    return round(statistics.median(xs), 1) if xs else None

for path in sys.argv[1:]:
    rows = defaultdict(list)
    for line in open(path):
        r = json.loads(line)
        srv = r["label"].split()[0] if r.get("label") else path
        sc = r["scenario"]
        if sc == "chat" and r.get("transport") == "websocket":
            sc = "chat-ws"          # S6
        elif sc == "muc":
            sc = "muc-%dx%d" % (r.get("rooms", 0), r.get("occupants", 0))  # S5a / S5b
        rows[(srv, sc)].append(r)
    for (srv, sc), rs in sorted(rows.items()):
        n = len(rs)
        if sc == "login":
            print(f"{srv} S1 login  runs={n} logins/s={med([r['logins_per_s'] for r in rs])} "
                  f"p50_ms={med([r['login_ms']['p50'] for r in rs])} p99_ms={med([r['login_ms']['p99'] for r in rs])} "
                  f"each={[r['logins_per_s'] for r in rs]} errors={sum(r['errors'] for r in rs)}")
        elif sc == "chat" or sc == "chat-ws" or sc.startswith("muc") or sc == "pubsub":
            name = {"chat": "S2 chat  ", "chat-ws": "S6 ws-chat", "pubsub": "S7 pubsub"}.get(sc, "S5 " + sc)
            rs = [r for r in rs if "steps" in r]      # runs that got as far as the steps
            if not rs:
                print(f"{srv} {name} no completed run"); continue
            b = [r["best_step"] or {} for r in rs]
            extra = ""
            if sc.startswith("muc"):
                extra = f" join_s={[r.get('join_s') for r in rs]}"
            if sc.startswith("muc") or sc == "pubsub":
                extra += f" best_offered_msg/s={[r['best_offered_per_s'] for r in rs]}"
            print(f"{srv} {name} runs={len(rs)}/{n} best_delivered/s={med([r['best_sustained_delivered_per_s'] for r in rs])} "
                  f"each={[r['best_sustained_delivered_per_s'] for r in rs]} "
                  f"p50_ms@best={med([x.get('lat_ms_p50') for x in b])} p99_ms@best={med([x.get('lat_ms_p99') for x in b])} "
                  f"first_fail={[ (r['steps'][-1]['offered_per_s'], r['steps'][-1]['lat_ms_p99'], r['steps'][-1]['lost']) for r in rs if not r['steps'][-1]['pass']]} "
                  f"lost_all_steps={sum(max(0, s['lost']) for r in rs for s in r['steps'])} "
                  f"foreign_cpu_s={[r['cpu_s']['foreign'] for r in rs]} driver_cpu_s={[r['cpu_s']['driver'] for r in rs]}{extra}")
        elif sc == "roster":
            k = [x for x in rs[0] if x.startswith("roster_get_ms_concurrency")][0]
            print(f"{srv} S3 roster runs={n} pop={rs[0]['population']} seq_p50={med([r['roster_get_ms_sequential']['p50'] for r in rs])} "
                  f"seq_p99={med([r['roster_get_ms_sequential']['p99'] for r in rs])} "
                  f"conc_p50={med([r[k]['p50'] for r in rs])} conc_p99={med([r[k]['p99'] for r in rs])} "
                  f"gets/s={med([r['roster_gets_per_s_concurrent'] for r in rs])} rss_kib={[r.get('rss_kib') for r in rs]} "
                  f"items={rs[0]['items_per_roster_min_max']} bad={sum(r['rosters_with_unexpected_size'] for r in rs)}")
        elif sc == "idle":
            print(f"{srv} S4 idle   runs={n} points={[r['points'] for r in rs]} bytes/conn={[r.get('bytes_per_conn') for r in rs]}")
