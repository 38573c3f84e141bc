#!/usr/bin/env python3
"""Comparison table of a loadtest/compare.sh results directory.

usage: compare-report.py RESULTS_DIR           markdown report (machine, versions, table, warnings)
       compare-report.py --last FILE.jsonl     one-line summary of the last run in FILE (progress)

RESULTS_DIR holds meta.json (written by compare.sh) and one <server>.jsonl per server, one JSON
line per driver run (xmppbench.py --json-out, label "<server> <scenario> run<N>").
Figures are medians over the runs, per-run values in brackets.  Ratios are Pampero / other
server: for "higher is better" rows a ratio > 1 means Pampero is better, for "lower is better"
rows (latency, CPU, memory) a ratio < 1 means Pampero is better.
"""
import json
import os
import statistics
import sys

SERVERS = ["pampero", "prosody", "ejabberd"]
NAMES = {"pampero": "Pampero", "prosody": "Prosody", "ejabberd": "ejabberd"}
FOREIGN_WARN_FRAC = 0.10   # foreign CPU > 10 % of wall time (and > 1 s): the host was busy
DRIVER_WARN_FRAC = 0.80    # driver CPU > 80 % of wall: the driver may have been the limit


def load_runs(path):
    runs = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                try:
                    runs.append(json.loads(line))
                except ValueError:
                    pass
    return runs


def key_of(r):
    """(server, scenario) from the label written by compare.sh: '<server> <S> run<N>'."""
    parts = (r.get("label") or "").split()
    if len(parts) >= 2:
        return parts[0], parts[1]
    sc = {"login": "S1", "chat": "S2", "roster": "S3", "idle": "S4"}.get(r.get("scenario"), "?")
    return "?", sc


def med(xs):
    xs = [x for x in xs if isinstance(x, (int, float))]
    return statistics.median(xs) if xs else None


def fmt_num(x, digits=None):
    if x is None:
        return "–"
    if digits is None:
        digits = 0 if abs(x) >= 100 else (1 if abs(x) >= 10 else 2)
    return f"{x:,.{digits}f}"


def cell(vals, digits=None):
    m = med(vals)
    if m is None:
        return "–", None
    shown = [fmt_num(v, digits) for v in vals if isinstance(v, (int, float))]
    return (f"**{fmt_num(m, digits)}**" + (f" [{', '.join(shown)}]" if len(shown) > 1 else "")), m


# metric rows: (scenario, label, direction, extractor(run) -> number or None, digits)
def _s1_cpu_ms(r):
    ok = r.get("ok") or 0
    srv = (r.get("cpu_s") or {}).get("server")
    return srv * 1000.0 / ok if ok and srv is not None else None


def _best(r, k):
    b = r.get("best_step") or {}
    return b.get(k)


def _s4_rss_max(r):
    p = r.get("points") or []
    return p[-1]["rss_kib"] / 1024.0 if p else None


def _s4_conns(r):
    p = r.get("points") or []
    return p[-1]["connections"] if p else None


def _s3_conc(r):
    for k, v in r.items():
        if k.startswith("roster_get_ms_concurrency"):
            return v.get("p99")
    return None


METRICS = [
    ("S1", "S1 login: logins/s", "higher", lambda r: r.get("logins_per_s"), None),
    ("S1", "S1 login time p50 (ms)", "lower", lambda r: (r.get("login_ms") or {}).get("p50"), None),
    ("S1", "S1 login time p99 (ms)", "lower", lambda r: (r.get("login_ms") or {}).get("p99"), None),
    ("S1", "S1 server CPU per login (ms)", "lower", _s1_cpu_ms, 2),
    ("S1", "S1 RSS with all online (MB)", "lower",
     lambda r: r["rss_kib_with_all_online"] / 1024.0 if r.get("rss_kib_with_all_online") else None, None),
    ("S2", "S2 chat: best delivered msg/s (p99 < 100 ms, 0 lost)", "higher",
     lambda r: r.get("best_sustained_delivered_per_s") if "steps" in r else None, None),
    ("S2", "S2 latency p50 at best (ms)", "lower", lambda r: _best(r, "lat_ms_p50"), None),
    ("S2", "S2 latency p99 at best (ms)", "lower", lambda r: _best(r, "lat_ms_p99"), None),
    ("S3", "S3 roster get RTT sequential p50 (ms)", "lower",
     lambda r: (r.get("roster_get_ms_sequential") or {}).get("p50"), None),
    ("S3", "S3 roster get RTT sequential p99 (ms)", "lower",
     lambda r: (r.get("roster_get_ms_sequential") or {}).get("p99"), None),
    ("S3", "S3 roster get RTT 50 in flight p99 (ms)", "lower", _s3_conc, None),
    ("S3", "S3 roster gets/s (50 in flight)", "higher", lambda r: r.get("roster_gets_per_s_concurrent"), None),
    ("S4", "S4 idle: bytes per session ((RSS@max − RSS@0) / sessions)", "lower",
     lambda r: r.get("bytes_per_conn"), None),
    ("S4", "S4 RSS at max sessions (MB)", "lower", _s4_rss_max, None),
]


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}×"


def warnings_for(srv, runs, quick=False):
    out = []
    for r in runs:
        lab = r.get("label") or srv
        c = r.get("cpu_s") or {}
        wall, foreign, drv = c.get("wall") or 0, c.get("foreign") or 0, c.get("driver") or 0
        if wall and foreign > max(1.0, FOREIGN_WARN_FRAC * wall):
            out.append(f"{lab}: cpu_s.foreign = {foreign} s in {wall} s wall "
                       f"({100 * foreign / wall:.0f} % of a core taken by other work: treat as suspect)")
        if wall and drv > DRIVER_WARN_FRAC * wall:
            out.append(f"{lab}: driver used {drv} s CPU in {wall} s wall: the driver may have been the limit")
        if r.get("error"):
            out.append(f"{lab}: {r['error']} {r.get('first_errors', '')}")
        if r.get("errors") and isinstance(r["errors"], int):
            out.append(f"{lab}: {r['errors']} login errors, e.g. {r.get('first_errors', [])[:2]}")
        if r.get("errors") and isinstance(r["errors"], list):
            out.append(f"{lab}: login errors, e.g. {r['errors'][:2]}")
        if r.get("login_errors"):
            out.append(f"{lab}: {r['login_errors']} login errors")
        if r.get("rosters_with_unexpected_size"):
            out.append(f"{lab}: {r['rosters_with_unexpected_size']} rosters without the expected item count")
        if "steps" in r:
            if not r.get("best_step"):
                out.append(f"{lab}: no S2 step passed (first: {json.dumps(r['steps'][0]) if r['steps'] else '-'})")
            lost = sum(max(0, s.get("lost", 0)) for s in r["steps"] if s.get("pass"))
            if lost:
                out.append(f"{lab}: {lost} messages lost in passing steps")
            last = r["steps"][-1] if r["steps"] else None
            if last and last.get("pass") and not quick:
                out.append(f"{lab}: the highest offered rate ({last['offered_per_s']}/s) still passed: "
                           "add higher --rates to find the limit")
    return out


def report(d):
    meta = {}
    mp = os.path.join(d, "meta.json")
    if os.path.exists(mp):
        meta = json.load(open(mp))
    by = {}   # (srv, sc) -> runs
    servers = []
    for fn in sorted(os.listdir(d)):
        if fn.endswith(".jsonl"):
            for r in load_runs(os.path.join(d, fn)):
                srv, sc = key_of(r)
                by.setdefault((srv, sc), []).append(r)
                if srv not in servers:
                    servers.append(srv)
    order = [s for s in SERVERS if s in servers] + [s for s in servers if s not in SERVERS]
    m = meta.get("machine", {})
    v = meta.get("versions", {})
    o = meta.get("options", {})
    print(f"# Pampero vs Prosody vs ejabberd — {d}\n")
    print(f"- date: {meta.get('date', '?')}")
    print(f"- machine: {m.get('nproc', '?')} CPUs, {m.get('cpu', '?')}, kernel {m.get('kernel', '?')}, "
          f"{m.get('os', '')}, {m.get('mem', '')}")
    print(f"- versions: node {v.get('node', '?')}, Pampero {v.get('pampero', '?')}, Prosody {v.get('prosody', '?')}, "
          f"ejabberd {v.get('ejabberd', '?')} (Erlang {v.get('erlang', '?')}), driver Python {v.get('python', '?')} "
          f"+ uvloop {v.get('uvloop', '?')}")
    if o:
        print(f"- runs per scenario: {o.get('runs')}{' (QUICK mode: small numbers, not comparable with the record)' if o.get('quick') else ''}; "
              f"server on CPU {o.get('server_cpu')}, driver on CPU {o.get('driver_cpu')}, both nice -10; "
              f"SASL PLAIN over plain TCP on 127.0.0.1")
        print(f"- Pampero accounts: SCRAM keys only, {o.get('pampero_scram_iterations')} iterations "
              "(each PLAIN login costs Pampero one PBKDF2; Prosody and ejabberd store clear-text passwords here)")
    if meta.get("command"):
        print(f"- command: `{meta['command']}`")
    print()
    cols = [NAMES.get(s, s) for s in order]
    has_p = "pampero" in order
    ratio_cols = []
    if has_p and "ejabberd" in order:
        ratio_cols.append("ejabberd")
    if has_p and "prosody" in order:
        ratio_cols.append("prosody")
    head = ["Metric", "better"] + cols + [f"Pampero / {NAMES[s]}" for s in ratio_cols]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for sc, label, direction, fn, digits in METRICS:
        if not any((s, sc) in by for s in order):
            continue
        meds = {}
        cells = []
        for s in order:
            vals = [fn(r) for r in by.get((s, sc), [])]
            c, mv = cell(vals, digits)
            meds[s] = mv
            cells.append(c)
        ratios = [ratio(meds.get("pampero"), meds.get(s)) for s in ratio_cols]
        print("| " + " | ".join([label, direction] + cells + ratios) + " |")
    # run counts and extra context
    print()
    for s in order:
        for sc in ("S1", "S2", "S3", "S4"):
            rs = by.get((s, sc))
            if not rs:
                continue
            extra = ""
            if sc == "S2":
                fails = [(r["steps"][-1]["offered_per_s"], r["steps"][-1]["lat_ms_p99"], r["steps"][-1]["lost"])
                         for r in rs if r.get("steps") and not r["steps"][-1]["pass"]]
                extra = f"; first failing step (offered/s, p99 ms, lost): {fails}"
            if sc == "S4":
                extra = f"; points: {[[(p['connections'], round(p['rss_kib'] / 1024, 1)) for p in r.get('points', [])] for r in rs]} (sessions, RSS MB)"
            if sc == "S3":
                extra = f"; population {rs[0].get('population')}, items per roster {rs[0].get('items_per_roster_min_max')}"
            cpu = [(r.get("cpu_s") or {}) for r in rs]
            print(f"- {NAMES.get(s, s)} {sc}: {len(rs)} run(s); cpu_s server/driver/foreign per run: "
                  f"{[(c.get('server'), c.get('driver'), c.get('foreign')) for c in cpu]}{extra}")
    warns = []
    for s in order:
        for sc in ("S1", "S2", "S3", "S4"):
            warns += warnings_for(s, by.get((s, sc), []), bool(o.get("quick")))
    print()
    if warns:
        print("Warnings:")
        for w in warns:
            print(f"- {w}")
    else:
        print("Warnings: none (cpu_s.foreign small in every run, no errors, no losses).")


def last_line(path):
    runs = load_runs(path)
    if not runs:
        return
    r = runs[-1]
    c = r.get("cpu_s") or {}
    cpu = f"cpu_s server {c.get('server')} driver {c.get('driver')} foreign {c.get('foreign')} wall {c.get('wall')}"
    sc = r.get("scenario")
    if sc == "login":
        s = (f"{r.get('ok')}/{r.get('users')} logged in, {r.get('logins_per_s')} logins/s, "
             f"p50 {r['login_ms']['p50']} ms p99 {r['login_ms']['p99']} ms, errors {r.get('errors')}")
    elif sc == "chat":
        s = (f"best {r.get('best_sustained_delivered_per_s')} msg/s" if "steps" in r
             else f"ERROR {r.get('error')} {r.get('first_errors', '')}")
    elif sc == "idle":
        s = f"bytes/session {r.get('bytes_per_conn')}, points {r.get('points')}" + (
            f", errors {r['errors'][:2]}" if r.get("errors") else "")
    elif sc == "roster":
        s = (f"seq p50 {r['roster_get_ms_sequential']['p50']} p99 {r['roster_get_ms_sequential']['p99']} ms, "
             f"{r.get('roster_gets_per_s_concurrent')} gets/s, bad rosters {r.get('rosters_with_unexpected_size')}, "
             f"login errors {r.get('login_errors')}")
    else:
        s = sc
    print(f"{r.get('label')}: {s}; {cpu}")


def main():
    a = sys.argv[1:]
    if not a or a[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if a else 2
    if a[0] == "--last":
        for p in a[1:]:
            last_line(p)
        return 0
    if not os.path.isdir(a[0]):
        print(f"compare-report.py: {a[0]} is not a directory", file=sys.stderr)
        return 2
    report(a[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
