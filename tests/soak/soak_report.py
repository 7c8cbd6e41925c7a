#!/usr/bin/env python3
"""tests/soak/soak_report.py DIR [KAFKA_PORT] — the soak's figures and checks (tests/soak/soak.sh):
resident memory flat after warm-up, receive->signal percentiles per 10-minute window from the
metrics' histogram deltas, and every message accounted for: the journal holds every frame read, the
rows file every feature row, Kafka every record (queued = delivered + failed; kcat counts what the
broker holds). Prints the figures and one PASS/FAIL line per check; exits 1 on a failure."""
import glob
import os
import re
import subprocess
import sys

OUT = sys.argv[1]
KPORT = sys.argv[2] if len(sys.argv) > 2 else "19192"
fails = 0


def check(name, ok, detail=""):
    global fails
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    fails += 0 if ok else 1


log = open(os.path.join(OUT, "volt.log")).read()


def num(label):
    m = re.search(r"^ +%s +([0-9.]+)" % re.escape(label), log, re.M)
    return float(m.group(1)) if m else None


exit_m = re.search(r"^volt exit (\d+)", log, re.M)
check("volt exits 0", exit_m and exit_m.group(1) == "0", exit_m.group(0) if exit_m else "no exit line")

# memory
rows = [tuple(map(int, l.split())) for l in open(os.path.join(OUT, "rss.tsv")).read().split("\n")[1:] if l.strip()]
dur = rows[-1][0] if rows else 0
warm = [r for t, r in rows if 300 <= t < 900]
last = [r for t, r in rows if t >= dur - 600]
med = lambda v: sorted(v)[len(v) // 2] if v else 0
m0, m1, mx = med(warm), med(last), max(r for _, r in rows) if rows else 0
growth = (m1 - m0) / m0 * 100 if m0 else float("nan")
print(f"memory: {len(rows)} samples over {dur} s; median RSS 5-15 min {m0 / 1024:.1f} MiB, "
      f"last 10 min {m1 / 1024:.1f} MiB ({growth:+.1f} %), max {mx / 1024:.1f} MiB")
check("resident memory flat: the last 10 minutes within 10 % of minutes 5-15", m0 and abs(growth) <= 10,
      f"{growth:+.1f} %")

# latency per 10-minute window, from the receive_to_signal histogram's deltas
BUCKET = re.compile(r'^volt_stage_latency_seconds_bucket\{stage="receive_to_signal",le="([^"]+)"\} (\d+)', re.M)
scrapes = sorted(glob.glob(os.path.join(OUT, "scrapes", "*.prom")))
series = []
for path in scrapes:
    t = int(os.path.basename(path).split(".")[0])
    b = [(float("inf") if le == "+Inf" else float(le), int(c)) for le, c in BUCKET.findall(open(path).read())]
    if b:
        series.append((t, b))


def quantile(delta, q):
    total = delta[-1][1]
    if total == 0:
        return float("nan")
    for le, c in delta:
        if c >= q * total:
            return le
    return float("inf")


windows = []
for w0 in range(0, dur, 600):
    inside = [s for s in series if w0 <= s[0] < w0 + 600 + 60]
    if len(inside) < 2:
        continue
    a, b = inside[0][1], inside[-1][1]
    delta = [(le, cb - ca) for (le, ca), (_, cb) in zip(a, b)]
    windows.append((w0 // 60, delta[-1][1], quantile(delta, 0.5), quantile(delta, 0.99), quantile(delta, 0.999)))
print("receive->signal per window (bucket upper edges, µs): minutes, ticks, p50, p99, p99.9")
for w in windows:
    f = lambda v: "inf" if v == float("inf") else f"{v * 1e6:g}"
    print(f"  {w[0]:3d}-{w[0] + 10:<3d} {w[1]:9d}  {f(w[2]):>6}  {f(w[3]):>6}  {f(w[4]):>6}")
p50s = [w[2] for w in windows if w[1]]
check("latency stable: every window's p50 within one bucket edge of every other window's",
      p50s and max(p50s) <= 2.5 * min(p50s), f"{p50s}")

# accounting
read, acc, rej = num("messages read"), num("accepted"), num("rejected")
rows_n = num("feature rows")
m = re.search(r"^ +journal +(\d+) lines", log, re.M)
jlines = int(m.group(1)) if m else -1
files = glob.glob(os.path.join(OUT, "journal", "*.ndjson"))
on_disk = sum(sum(1 for _ in open(f, "rb")) for f in files)
csv_rows = sum(1 for _ in open(os.path.join(OUT, "rows.csv"), "rb")) - 1
print(f"messages: read {read:.0f} = accepted {acc:.0f} + rejected {rej:.0f}; journal {jlines} lines "
      f"({on_disk} in {len(files)} files); feature rows {rows_n:.0f}, rows.csv {csv_rows}")
check("read = accepted + rejected", read == acc + rej)
check("the journal holds every frame read, whole", jlines == read and on_disk == jlines, f"{jlines} {on_disk} {read}")
check("rows.csv holds every feature row", csv_rows == rows_n, f"{csv_rows} vs {rows_n}")
kafka = {}
for m in re.finditer(r"^ +kafka (\S+) +queued (\d+), delivered (\d+), failed (\d+), dropped (\d+)", log, re.M):
    kafka[m.group(1)] = tuple(int(x) for x in m.groups()[1:])
for topic, (q, d, f, dr) in kafka.items():
    print(f"kafka {topic}: queued {q}, delivered {d}, failed {f}, dropped {dr}")
feat = kafka.get("ticks.features")
check("Kafka: every feature row queued or counted dropped; every queued record delivered or counted failed",
      feat and feat[0] + feat[3] == rows_n and feat[1] + feat[2] == feat[0], f"{feat}")
try:
    held = subprocess.run(["kcat", "-b", f"127.0.0.1:{KPORT}", "-C", "-t", "ticks.features", "-e", "-q",
                           "-f", "x\n"], capture_output=True, timeout=300).stdout.count(b"\n")
    print(f"kcat: the broker holds {held} ticks.features records")
    check("the broker holds every delivered feature record", feat and held >= feat[1], f"{held} vs {feat}")
except (OSError, subprocess.TimeoutExpired) as e:
    check("kcat reads the broker", False, str(e))
sys.exit(1 if fails else 0)
