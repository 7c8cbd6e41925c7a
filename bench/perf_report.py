#!/usr/bin/env python3
"""bench/perf_report.py — turns the results of bench/perf into docs/perf.md's generated tables.

    perf_report.py OUT [--update-doc docs/perf.md --img docs/img/latency_vs_load.png]

Reads OUT/pipeline-*.json, OUT/volt-path-*.json, OUT/micro.json, OUT/micro-ring.json,
OUT/seed-path.json and OUT/pandas-features.json; writes OUT/perf.md and OUT/latency_vs_load.png.
Every figure is a median over the repeat runs, with their range where it matters; ratios come from
the same run.
--update-doc replaces the text between the `bench/perf` markers of the given file."""
import argparse
import glob
import json
import os
import platform
import statistics
import subprocess
import sys

BEGIN = "<!-- bench/perf: generated, do not edit by hand -->"
END = "<!-- bench/perf: end -->"
STAGES = ["e2e", "queue", "parse", "features", "score", "to_sink"]
STAGE_NAMES = {"e2e": "receive→signal", "queue": "source→parse (ring)", "parse": "parse",
               "features": "parse→features", "score": "features→score", "to_sink": "score→sink"}


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def rng(xs, fmt):
    if not xs:
        return "–"
    lo, hi = min(xs), max(xs)
    return fmt(lo) if fmt(lo) == fmt(hi) else f"{fmt(lo)}–{fmt(hi)}"


def us(x):
    if x != x:
        return "–"
    if x >= 100:
        return f"{x:,.0f}".replace(",", " ")
    return f"{x:.2f}" if x < 10 else f"{x:.1f}"


def rate(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M/s"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k/s"
    return f"{x:.0f}/s"


def load(path):
    with open(path) as f:
        return json.load(f)


PAIRED_COUNTERS = ("ratio", "volt_ns", "peer_ns", "volt_Mps", "boost_Mps", "ck_Mps")


def micro(out):
    """name -> list of ns per iteration over the repetitions; items/s alike; a paired bench's
    counters (ratio, volt_ns, peer_ns) under "name:counter"."""
    t, ips = {}, {}
    paths = [os.path.join(out, f) for f in ("micro.json", "micro-ring.json")]
    unit = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
    benches = [b for p in paths if os.path.exists(p) for b in load(p).get("benchmarks", [])]
    for b in benches:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        n = (b.get("run_name") or b["name"]).replace("/manual_time", "")
        t.setdefault(n, []).append(b["real_time"] * unit.get(b.get("time_unit", "ns"), 1.0))
        if "items_per_second" in b:
            ips.setdefault(n, []).append(b["items_per_second"])
        for c in PAIRED_COUNTERS:
            if c in b:
                t.setdefault(f"{n}:{c}", []).append(b[c])
    return t, ips


def pipeline(out):
    runs = {}
    for p in sorted(glob.glob(os.path.join(out, "pipeline-*.json"))):
        for r in load(p)["runs"]:
            key = r["offered_per_s"] if r["offered_per_s"] is not None else float("inf")
            runs.setdefault(key, []).append(r)
    return dict(sorted(runs.items()))


def verdict(ok):
    return "met" if ok else "**missed**"


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    except OSError:
        rev = "?"
    return f"{os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}, commit {rev or '?'}"


def report(out):
    L = []
    pipe = pipeline(out)
    t, ips = micro(out)
    L.append(f"Machine: {machine()}. Produced by `bench/perf` (`make perf`); every cell is the "
             f"median of the repeat runs, ranges in brackets.")
    L.append("")

    # 1. the pipeline at offered rates, end to end
    L.append("**The pipeline at fixed offered rates** (`volt bench-pipeline`, latency from each "
             "message's intended send time, µs):")
    L.append("")
    L.append("| offered | achieved | receive→signal p50 | p90 | p99 | p99.9 | max |")
    L.append("|---|---|---|---|---|---|---|")
    for key, rs in pipe.items():
        e = [r["e2e_us"] for r in rs]
        L.append(f"| {'max' if key == float('inf') else rate(key)} | "
                 f"{rate(med([r['achieved_per_s'] for r in rs]))} "
                 f"[{rng([r['achieved_per_s'] for r in rs], rate)}] | "
                 + " | ".join(f"{us(med([x[q] for x in e]))} [{rng([x[q] for x in e], us)}]"
                              for q in ("p50", "p90", "p99", "p999", "max")) + " |")
    L.append("")
    L.append("**Per stage** (p50 / p99 / p99.9, µs; stages as in docs/bench.md):")
    L.append("")
    L.append("| offered | " + " | ".join(STAGE_NAMES[s] for s in STAGES) + " |")
    L.append("|---|" + "---|" * len(STAGES))
    for key, rs in pipe.items():
        cells = []
        for s in STAGES:
            k = f"{s}_us"
            if not all(k in r for r in rs):
                cells.append("–")
                continue
            cells.append(" / ".join(us(med([r[k][q] for r in rs])) for q in ("p50", "p99", "p999")))
        L.append(f"| {'max' if key == float('inf') else rate(key)} | " + " | ".join(cells) + " |")
    L.append("")

    # 2. targets, ratios against the peers
    rows = []
    at100k = pipe.get(100000)
    if at100k:
        p50 = med([r["e2e_us"]["p50"] for r in at100k])
        p99 = med([r["e2e_us"]["p99"] for r in at100k])
        rows.append(("end to end p50 at 100 k msg/s", f"{us(p50)} µs", "≤ 5 µs", p50 <= 5))
        rows.append(("end to end p99 at 100 k msg/s", f"{us(p99)} µs", "≤ 50 µs", p99 <= 50))
    if float("inf") in pipe:
        sat = med([r["achieved_per_s"] for r in pipe[float("inf")]])
        rows.append(("throughput at saturation", rate(sat), "≥ 1 M msg/s", sat >= 1e6))
    vp = [r["achieved_per_s"] for p in sorted(glob.glob(os.path.join(out, "volt-path-*.json")))
          for r in load(p)["runs"]]
    sp = os.path.join(out, "seed-path.json")
    if vp and os.path.exists(sp):
        seed = load(sp)
        x = med(vp) / seed["msgs_per_s"]
        rows.append(("whole path vs the seed's Python path (same recording, msg/s)",
                     f"{x:,.0f}× ({rate(med(vp))} vs {seed['msgs_per_s']:.0f}/s; the peer's "
                     f"per-message p50 {seed['latency_us']['p50']:,.0f} µs)".replace(",", " "),
                     "≥ 100×", x >= 100))
    pf = os.path.join(out, "pandas-features.json")
    if "features/update_all_recording" in t and os.path.exists(pf):
        pan = load(pf)
        v = med(t["features/update_all_recording"])
        x = pan["ns_per_tick"] / v
        rows.append(("features vs pandas rolling (same recording, ns/tick; issue 5)",
                     f"{x:.0f}× ({v:.0f} vs {pan['ns_per_tick']:,.0f} ns)".replace(",", " "),
                     "≥ 100×", x >= 100))
    if "features/update_all_recording" in t:
        v = med(t["features/update_all_recording"])
        rows.append(("features, full set, on the recording (issue 5)", f"{v:.0f} ns/tick",
                     "≤ 50 ns", v <= 50))
    for b, peer_names in (("1", ("ring/peer_ck_ring/1", "ring/peer_boost_spsc/1")),
                          ("32", ("ring/peer_ck_ring/1", "ring/peer_boost_spsc/32"))):
        rp = f"ring/paired_vs_peers/{b}"
        if f"{rp}:ratio" in t:  # rounds of volt and each peer taken in turns: the ratio that holds
            peers = {c: med(t[f"{rp}:{c}"]) for c in ("boost_Mps", "ck_Mps") if f"{rp}:{c}" in t}
            best = max(peers, key=peers.get)
            x = med(t[f"{rp}:ratio"])
            rows.append((f"ring across cores, batch {b}, vs the faster peer (paired rounds)",
                         f"{x:.2f}× [{min(t[f'{rp}:ratio']):.2f}–{max(t[f'{rp}:ratio']):.2f}] "
                         f"({med(t[f'{rp}:volt_Mps']):.0f} vs {peers[best]:.0f} M items/s, "
                         f"{best.split('_')[0]})", "≥ 0.9×", x >= 0.9))
            continue
        mine = ips.get(f"ring/two_threads_burst/{b}")
        peers = {n: med(ips[n]) for n in peer_names if n in ips}
        if mine and peers:
            best = max(peers, key=peers.get)
            x = med(mine) / peers[best]
            rows.append((f"ring across cores, batch {b}, vs the faster peer ({best.split('/')[1]})",
                         f"{x:.2f}× ({med(mine) / 1e6:.0f} vs {peers[best] / 1e6:.0f} M items/s)",
                         "≥ 0.9×", x >= 0.9))
    pp = "parse/paired_vs_peer_advanced_ticker"
    if f"{pp}:ratio" in t:  # blocks of each alternated in one loop: the ratio that holds here
        x, a, b = med(t[f"{pp}:ratio"]), med(t[f"{pp}:volt_ns"]), med(t[f"{pp}:peer_ns"])
        rows.append(("parse vs bare simdjson On-Demand (same message, paired blocks)",
                     f"{x:.2f}× [{min(t[f'{pp}:ratio']):.2f}–{max(t[f'{pp}:ratio']):.2f}] "
                     f"({a:.0f} vs {b:.0f} ns)", "≤ 1.25×", x <= 1.25))
    elif "parse/advanced_ticker" in t and "parse/peer_bare_simdjson_advanced_ticker" in t:
        a, b = med(t["parse/advanced_ticker"]), med(t["parse/peer_bare_simdjson_advanced_ticker"])
        rows.append(("parse vs bare simdjson On-Demand (same message)",
                     f"{a / b:.2f}× ({a:.0f} vs {b:.0f} ns)", "≤ 1.25×", a / b <= 1.25))
    if "parse/advanced_ticker" in t:
        a = med(t["parse/advanced_ticker"])
        rows.append(("parse, one Advanced Trade ticker (issue 2)", f"{a:.0f} ns", "≤ 300 ns", a <= 300))
    if "model/gbt_same_model_as_xgboost" in t and "model/peer_xgboost_predict_from_dense_1row" in t:
        a = med(t["model/gbt_same_model_as_xgboost"])
        b = med(t["model/peer_xgboost_predict_from_dense_1row"])
        rows.append(("tree scorer vs XGBoost's predict (same model and rows, one row)",
                     f"{b / a:.0f}× faster ({a / 1e3:.2f} vs {b / 1e3:.1f} µs)", "≥ 4×", b / a >= 4))
    if "model/logistic31_score" in t:
        a = med(t["model/logistic31_score"])
        rows.append(("logistic score, 31 inputs (issue 6)", f"{a:.0f} ns", "≤ 50 ns", a <= 50))
    L.append("**Targets** (issue 7 unless noted):")
    L.append("")
    L.append("| measure | measured | target | verdict |")
    L.append("|---|---|---|---|")
    for name, val, target, ok in rows:
        L.append(f"| {name} | {val} | {target} | {verdict(ok)} |")
    L.append("")

    # 3. the micro benches behind them
    L.append("**Micro benches behind them** (`volt-bench`, median [range] over the repetitions):")
    L.append("")
    L.append("| bench | time per op (ring, journal: per item) | items/s |")
    L.append("|---|---|---|")

    def ns(x):
        return f"{x / 1e3:.2f} µs" if x >= 1e4 else f"{x:.1f} ns"

    for n in sorted(t):
        if ":" in n or "/paired_" in n:  # paired benches: their counters are in the targets table
            continue
        per_s = f"{med(ips[n]) / 1e6:.1f} M" if n in ips else ""
        # the cross-core ring benches time 4 Mi items per iteration and the journal's 20 000
        # frames: show the time per item
        per_item = n.startswith(("ring/", "journal/")) and n in ips
        per_op = [1e9 / x for x in ips[n]] if per_item else t[n]
        L.append(f"| `{n}` | {ns(med(per_op))} [{rng(per_op, ns)}] | {per_s} |")
    L.append("")
    L.append("![latency versus offered load](img/latency_vs_load.png)")
    return "\n".join(L) + "\n"


def plot(out, png):
    pipe = pipeline(out)
    if not pipe:
        return
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    fixed = {k: rs for k, rs in pipe.items() if k != float("inf")}
    for q, style in (("p50", "o-"), ("p99", "s--"), ("p999", "^:")):
        xs = [med([r["achieved_per_s"] for r in rs]) for rs in fixed.values()]
        ys = [med([r["e2e_us"][q] for r in rs]) for rs in fixed.values()]
        line, = ax.plot(xs, ys, style, label=q.replace("p999", "p99.9"))
        ax.scatter([r["achieved_per_s"] for rs in fixed.values() for r in rs],
                   [r["e2e_us"][q] for rs in fixed.values() for r in rs], s=8, alpha=0.35,
                   color=line.get_color())
    if float("inf") in pipe:  # saturation: where the curve must end
        sat = med([r["achieved_per_s"] for r in pipe[float("inf")]])
        ax.axvline(sat, color="grey", linestyle="-.", linewidth=1,
                   label=f"saturation ({sat / 1e6:.2f} M/s)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("achieved rate (messages/s)")
    ax.set_ylabel("receive→signal latency (µs)")
    ax.set_title("volt: end-to-end latency versus load (medians; dots: each run)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(png)), exist_ok=True)
    fig.savefig(png)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--update-doc")
    ap.add_argument("--img")
    a = ap.parse_args()
    text = report(a.out)
    with open(os.path.join(a.out, "perf.md"), "w") as f:
        f.write(text)
    plot(a.out, os.path.join(a.out, "latency_vs_load.png"))
    print(text)
    if a.update_doc:
        doc = open(a.update_doc).read()
        if BEGIN not in doc or END not in doc:
            print(f"perf_report: {a.update_doc} has no bench/perf markers", file=sys.stderr)
            return 2
        head, rest = doc.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        with open(a.update_doc, "w") as f:
            f.write(head + BEGIN + "\n" + text + END + tail)
        if a.img:
            plot(a.out, a.img)
        print(f"perf_report: updated {a.update_doc}" + (f" and {a.img}" if a.img else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
