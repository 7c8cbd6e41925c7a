#!/usr/bin/env bash
# tests/tools/test_status_page.sh BUILD_DIR — the status page (docs/operations.md, "Status page")
# in headless Chromium, during a live run against volt-exchange's synthetic market: the page's own
# script fetches /status.json and must show each product with its price and p_spike, the model's
# threshold, the feed connected and the alerts. A screenshot is taken each run; with
# VOLT_UPDATE_DOCS=1 it replaces docs/img/status-page.png.
set -u
B=${1:?usage: test_status_page.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib.sh" status_page
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { echo "FAIL the status page test needs Chromium (Debian: chromium): run tools/bootstrap"; exit 1; }
chrome() { timeout 60 "$CHROME" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --no-first-run --user-data-dir="$T/chrome" "$@" 2>>"$T/chrome.err"; }

"$B/tools/volt-exchange" --port 0 --synthetic --seed 5 --rate 40 --trades > "$T/vx.out" 2> "$T/vx.err" &
for _ in $(seq 600); do grep -q ready "$T/vx.out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^ready //p' "$T/vx.out")
check "volt-exchange is ready" "$([ -n "$URL" ]; echo $?)" "$(tail -3 "$T/vx.err")"
[ -n "$URL" ] || { finish; exit 1; }
# a low threshold, so that alerts show within the test's seconds
timeout 120 "$B/engine/volt" live --url "$URL" --pair BTC-USD --pair ETH-USD --seconds 90 \
  --alert-threshold 0.05 --alert-cooldown 5 --metrics 127.0.0.1:0 --quiet > "$T/live.log" 2>&1 &
vpid=$!
port=$(metrics_port "$T/live.log")
check "volt live serves its status page" "$([ -n "$port" ]; echo $?)" "$(tail -5 "$T/live.log")"
[ -n "$port" ] || { finish; exit 1; }
U=http://127.0.0.1:$port
ready=1
for _ in $(seq 600); do # both products scored and an alert raised
  curl -sf --max-time 5 "$U/status.json" > "$T/s.json" 2>/dev/null &&
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if len(s["products"])==2 and s["alerts_total"]>0 else 1)' "$T/s.json" 2>/dev/null &&
    { ready=0; break; }
  sleep 0.1
done
check "status.json: two products scored and an alert raised" $ready "$(cat "$T/s.json" 2>/dev/null | head -c 600)"

curl -sf --max-time 5 "$U/metrics" > "$T/live.prom"
if "$SRC/.venv/bin/python" -c 'import prometheus_client' 2>/dev/null; then
  out=$("$SRC/.venv/bin/python" "$SRC/tests/tools/metrics_check.py" docs "$T/live.prom" "$SRC/docs/operations.md" 2>&1)
  check "every metric of a live run (connection ones too) is described in docs/operations.md" $? "$out"
fi
chrome --virtual-time-budget=5000 --dump-dom "$U/" > "$T/dom.html"
check "Chromium loaded the page" $? "$(tail -5 "$T/chrome.err")"
out=$(python3 - "$T/dom.html" "$T/s.json" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1]).read()
s = json.load(open(sys.argv[2]))
errs = []
def cells(table):
    m = re.search(r'<table id="%s">.*?<tbody>(.*?)</tbody>' % table, dom, re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", m.group(1), re.S) if m else []
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]
prods = cells("products")
names = sorted(r[0] for r in prods)
if names != ["BTC-USD", "ETH-USD"]:
    errs.append(f"products table: {names}")
for r in prods:
    try:
        price, p = float(r[1]), float(r[3])
        if not (price > 0 and 0 <= p <= 1):
            errs.append(f"{r[0]}: price {price}, p_spike {p}")
    except (ValueError, IndexError):
        errs.append(f"{r}: no price or p_spike")
if "alert at p \u2265 0.0500" not in html.unescape(dom):
    errs.append("the model card does not show the threshold 0.0500")
feed = re.search(r'<span id="feed"[^>]*>(.*?)</span>', dom, re.S)
if not feed or not html.unescape(feed.group(1)).startswith("connected"):
    errs.append(f"feed: {feed.group(1) if feed else None}")
alerts = cells("alerts")
if not alerts or any(a[0] not in ("BTC-USD", "ETH-USD") for a in alerts):
    errs.append(f"alerts table: {alerts[:3]}")
print("; ".join(errs) or f"{len(prods)} products, {len(alerts)} alerts shown, feed connected")
sys.exit(1 if errs else 0)
PY
)
check "the page shows the products, the threshold, the feed and the alerts ($out)" $? "$out"

chrome --virtual-time-budget=5000 --window-size=1180,620 --hide-scrollbars --screenshot="$T/status-page.png" "$U/" >/dev/null
size=$(stat -c %s "$T/status-page.png" 2>/dev/null || echo 0)
check "a screenshot of the page ($size bytes)" "$([ "$size" -gt 10000 ]; echo $?)" "$(tail -5 "$T/chrome.err")"
if [ "${VOLT_UPDATE_DOCS:-0}" = 1 ] && [ "$size" -gt 10000 ]; then
  cp "$T/status-page.png" "$SRC/docs/img/status-page.png" && echo "updated docs/img/status-page.png"
fi
kill -TERM $vpid 2>/dev/null; wait $vpid
check "volt live stops on SIGTERM (exit 0)" $? "$(tail -5 "$T/live.log")"
finish
