#!/usr/bin/env python3
"""tests/tools/metrics_check.py — checks a /metrics scrape with prometheus_client's own parser
(an independent reader of the text format), and compares it with what else the run said.

  metrics_check.py parse SCRAPE                 the scrape parses; names follow the conventions
  metrics_check.py get SCRAPE NAME [LABEL=V]... prints one sample's value
  metrics_check.py summary SCRAPE SUMMARY [STATUS_JSON]   the scrape equals the run's summary
  metrics_check.py docs SCRAPE DOC...           every metric in the scrape is described in a doc
"""
import json
import re
import sys

from prometheus_client.parser import text_string_to_metric_families


def families(path):
    with open(path) as f:
        return list(text_string_to_metric_families(f.read()))


def samples(path):
    out = {}
    for fam in families(path):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def get(sm, name, **labels):
    return sm[(name, tuple(sorted(labels.items())))]


def check_parse(path):
    errs = []
    fams = families(path)
    if len(fams) < 40:
        errs.append(f"only {len(fams)} metric families")
    for fam in fams:
        if not fam.name.startswith("volt_"):
            errs.append(f"{fam.name}: no volt_ prefix")
        if fam.type == "counter":
            # prometheus_client strips _total from a counter family's name; its samples carry it
            if any(not s.name.endswith("_total") for s in fam.samples):
                errs.append(f"{fam.name}: a counter sample without _total")
        if fam.type == "histogram":
            if not fam.name.endswith("_seconds"):
                errs.append(f"{fam.name}: a histogram not in seconds")
            by = {}
            for s in fam.samples:
                if s.name.endswith("_bucket"):
                    key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
                    by.setdefault(key, []).append((float(s.labels["le"]), s.value))
            for key, b in by.items():
                vals = [v for _, v in sorted(b)]
                if vals != sorted(vals):
                    errs.append(f"{fam.name}{key}: buckets not cumulative")
        if re.search(r"_(ms|us|ns|millis|micros|bytes_total_bytes)$", fam.name):
            errs.append(f"{fam.name}: not a base unit")
    return errs


def summary_numbers(path):
    """The end-of-run summary's counts (engine/run/report.c)."""
    text = open(path).read()
    def n(pattern):
        m = re.search(pattern, text, re.M)
        if not m:
            raise SystemExit(f"summary: no match for {pattern!r}")
        return int(m.group(1))
    return {
        "read": n(r"^  messages read\s+(\d+)"),
        "accepted": n(r"^  accepted\s+(\d+)"),
        "rejected": n(r"^  rejected\s+(\d+)"),
        "ticks": n(r"^  ticks\s+(\d+)"),
        "rows": n(r"^  feature rows\s+(\d+)"),
        "out_of_order": n(r"^  dropped out-of-order\s+(\d+)"),
        "duplicates": n(r"^  dropped duplicates\s+(\d+)"),
        "seq_gaps": n(r"^  sequence gaps\s+(\d+)"),
        "alerts": n(r"^  alerts\s+(\d+)"),
        "lat_n": n(r"^  receive->signal .*\(us, n=(\d+)\)"),
        "book_messages": n(r"^  level 2\s+(\d+) messages"),
    }


def check_summary(scrape, summary, status=None):
    sm = samples(scrape)
    s = summary_numbers(summary)
    rejected = sum(v for (name, _), v in sm.items() if name == "volt_messages_rejected_total")
    pairs = [
        ("read", get(sm, "volt_messages_read_total")),
        ("accepted", get(sm, "volt_messages_accepted_total")),
        ("rejected", rejected),
        ("ticks", get(sm, "volt_ticks_total")),
        ("rows", get(sm, "volt_rows_total")),
        ("out_of_order", get(sm, "volt_ticks_out_of_order_total")),
        ("duplicates", get(sm, "volt_ticks_duplicate_total")),
        ("seq_gaps", get(sm, "volt_sequence_gaps_total")),
        ("alerts", get(sm, "volt_alerts_total")),
        ("lat_n", get(sm, "volt_stage_latency_seconds_count", stage="receive_to_signal")),
        ("book_messages", get(sm, "volt_book_messages_total")),
    ]
    errs = [f"{k}: summary {s[k]}, metrics {v:g}" for k, v in pairs if s[k] != v]
    if get(sm, "volt_run_finished") != 1:
        errs.append("volt_run_finished is not 1 after the run")
    if status:
        st = json.load(open(status))
        if sum(p["rows"] for p in st["products"]) != s["rows"]:
            errs.append("status.json: the products' rows do not add up to the summary's")
        if st["alerts_total"] != s["alerts"]:
            errs.append(f"status.json alerts_total {st['alerts_total']} != summary {s['alerts']}")
        if not st["finished"]:
            errs.append("status.json: not finished")
    print(", ".join(f"{k} {s[k]}" for k in ("read", "accepted", "rejected", "rows", "alerts", "lat_n")))
    return errs


def main():
    cmd = sys.argv[1]
    if cmd == "parse":
        errs = check_parse(sys.argv[2])
    elif cmd == "get":
        labels = dict(a.split("=", 1) for a in sys.argv[4:])
        print(f"{get(samples(sys.argv[2]), sys.argv[3], **labels):g}")
        return 0
    elif cmd == "docs":
        text = "".join(open(p).read() for p in sys.argv[3:])
        errs = []
        for fam in families(sys.argv[2]):
            name = fam.name + ("_total" if fam.type == "counter" else "")
            if not re.search(r"`%s[`{]" % re.escape(name), text):
                errs.append(f"{name} is not described in {' '.join(sys.argv[3:])}")
    elif cmd == "summary":
        errs = check_summary(*sys.argv[2:5])
    else:
        raise SystemExit(__doc__)
    for e in errs:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
