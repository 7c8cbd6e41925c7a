#!/usr/bin/env python3
"""The book and trade-flow columns recomputed independently, compared with `volt replay`.

Written plainly from docs/features.md ("Book and trade flow"): its own reading of the recordings
(raw messages, the journal envelopes and the recorder's {"t":"recv","data":...} lines; .zst through
`zstd -dc`), whole level-2 books in dicts (prices as exact integers of 1e-8), the engine's
acceptance rules for messages and ticks (duplicate and out-of-order drops, sequence gaps that
invalidate the books, 10-s silences that restart a product's windows), and every window summed
afresh from per-second buckets for every row. Compares each row's eleven columns and its book flag.

    flow_oracle.py --volt BUILD/engine/volt FILE...

Exit 0 when every value agrees (to 1e-12 relative: the sums are the same additions in the same
order, so they agree exactly in practice), 1 otherwise.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from oracle import NS, GAP_NS, iso_ns, epoch_ns, item, unwrap  # noqa: E402  (the oracle's own readers)

COLS = ["ofi_1s", "ofi_10s", "ofi_60s", "depth_imb_5", "depth_imb_10bps", "microprice_dev_bps",
        "book_slope_10", "depth_change_10s", "signed_volume_60s", "vwap_dist_60s_bps",
        "large_trade_share_60s"]
BOOK_INVALID = 64
RESTART_BACK = 1024


def llround(v):
    """C's llround: to the nearest integer, halves away from zero (Python's round() goes to even,
    and a notional in units of 1e-8 often ends in exactly .5)."""
    f = math.floor(abs(v))
    r = int(f) + (1 if abs(v) - f >= 0.5 else 0)
    return r if v >= 0 else -r


def sec(ns):
    return ns // NS


def lines_of(path):
    if path.endswith(".zst"):
        data = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    else:
        data = open(path, "rb").read()
    for line in data.splitlines():
        if line.strip():
            yield line


def messages(path):
    """Yields (message dict, receive ns) in file order; recorder lines that are not 'recv' are
    skipped, as are lines that are not JSON objects (the engine rejects them)."""
    for line in lines_of(path):
        try:
            top = json.loads(line)
        except ValueError:
            continue
        if not isinstance(top, dict):
            continue
        if "t" in top and isinstance(top["t"], str):
            if top["t"] != "recv":
                continue
            msg = json.loads(top["data"]) if isinstance(top["data"], str) else top["data"]
            yield msg, epoch_ns(top["ts"]) if "ts" in top else 0
            continue
        msg, recv = unwrap(top)
        if isinstance(msg, dict):
            yield msg, recv


def px_units(s):
    return int(Decimal(s) * 100000000)


class Book:
    def __init__(self):
        self.bids, self.asks = {}, {}
        self.valid = False
        self.syncs = 0

    def best(self, side):
        d = self.bids if side == 0 else self.asks
        if not d:
            return None
        k = max(d) if side == 0 else min(d)
        return k, d[k]

    def levels(self, side, n=None):
        d = self.bids if side == 0 else self.asks
        keys = sorted(d, reverse=(side == 0))
        return [(k, d[k]) for k in (keys if n is None else keys[:n])]

    def usable(self):
        return self.valid and self.bids and self.asks


def ofi_event(before, after):
    """Cont-Kukanov-Stoikov e_n from (bid, ask) best levels before and after an event."""
    if before is None or after is None:
        return 0.0
    (pb, qb), (pa, qa) = before
    (pb2, qb2), (pa2, qa2) = after
    e = 0.0
    if pb2 >= pb:
        e += qb2
    if pb2 <= pb:
        e -= qb
    if pa2 <= pa:
        e -= qa2
    if pa2 >= pa:
        e += qa
    return e


def top_pair(b):
    if not b.usable():
        return None
    return b.best(0), b.best(1)


def depth(b, n):
    return sum_in_order([q for _, q in b.levels(0, n)]) + sum_in_order([q for _, q in b.levels(1, n)])


def sum_in_order(xs):
    s = 0.0
    for x in xs:
        s += x
    return s


class BookFlow:
    """One product's book clock and per-second buckets since its last snapshot."""

    def __init__(self):
        self.s = None
        self.sync_s = None
        self.syncs = 0
        self.live = False
        self.seen = False
        self.ofi = {}   # second -> summed contributions, in arrival order
        self.d10 = {}   # second -> depth after the last event of that second (usable book)

    def event(self, book, t_ns, e):
        self.seen = True
        s = sec(t_ns) if t_ns else self.s
        if s is None:
            return
        if self.s is not None and s < self.s:
            s = self.s
        if book.syncs != self.syncs:
            self.syncs = book.syncs
            self.ofi, self.d10 = {}, {}
            self.s = self.sync_s = s
            self.live = True
        elif s > self.s:
            self.s = s
        if not self.live:
            return
        self.ofi[s] = self.ofi.get(s, 0.0) + e
        if book.usable():
            self.d10[s] = depth(book, 10)

    def d10_close(self, c):
        """The depth close of second c: the last value set at or before it since the sync."""
        best = None
        for k in self.d10:
            if k <= c and (best is None or k > best):
                best = k
        return math.nan if best is None else self.d10[best]

    def read(self, book, s, out):
        for c in COLS[:8]:
            out[c] = math.nan
        if not self.seen:
            return 0
        if not book.usable() or not self.live:
            return BOOK_INVALID
        if s > self.s:
            self.s = s
        S, age = self.s, self.s - self.sync_s
        now = self.ofi.get(S, 0.0)
        for w, col in ((1, "ofi_1s"), (10, "ofi_10s"), (60, "ofi_60s")):
            if age >= w:
                out[col] = sum_in_order([self.ofi.get(c, 0.0) for c in range(S - w + 1, S)]) + now
        (pb, qb), (pa, qa) = book.best(0), book.best(1)
        bid, ask = pb * 1e-8, pa * 1e-8
        mid = (bid + ask) / 2.0
        b5 = sum_in_order([q for _, q in book.levels(0, 5)])
        a5 = sum_in_order([q for _, q in book.levels(1, 5)])
        out["depth_imb_5"] = (b5 - a5) / (b5 + a5)
        two_mid = pb + pa
        bn = near(book, 0, two_mid)
        an = near(book, 1, two_mid)
        out["depth_imb_10bps"] = (bn - an) / (bn + an)
        micro = (ask * qb + bid * qa) / (qb + qa)
        out["microprice_dev_bps"] = (micro - mid) / mid * 1e4
        deep_b = book.levels(0, 10)[-1][0] * 1e-8
        deep_a = book.levels(1, 10)[-1][0] * 1e-8
        out["book_slope_10"] = depth(book, 10) / ((deep_a - deep_b) / mid * 1e4)
        if age >= 10:
            out["depth_change_10s"] = depth(book, 10) / self.d10_close(S - 10) - 1.0
        return 0


def near(book, side, two_mid):
    """Sizes within 10 bps of the mid, from the best level outwards (stops at the first outside)."""
    q = 0.0
    for p, qty in book.levels(side):
        inside = p * 2 * 10000 >= two_mid * 9990 if side == 0 else p * 2 * 10000 <= two_mid * 10010
        if not inside:
            break
        q += qty
    return q


class TradeFlow:
    """One product's trades per second within its current segment, as integers: sizes and each
    trade's notional (price x size, rounded) in units of 1e-8."""

    def __init__(self, s0):
        self.s0 = s0
        self.seen = False
        self.b = {}  # second -> [buy, sell, vol, notl, cvol, lvol, n]

    def bucket(self, c):
        return self.b.get(c, [0, 0, 0, 0, 0, 0, 0])

    def tick(self, t, s, mid, out):
        ref = [self.bucket(c) for c in range(s - 300, s)]
        ref_vol = sum(x[2] for x in ref)
        ref_n = sum(x[6] for x in ref)
        if t["size"] > 0 and t["price"] > 0:
            q = llround(t["size"] * 1e8)
            x = self.b.setdefault(s, [0, 0, 0, 0, 0, 0, 0])
            self.seen = True
            x[6] += 1
            x[2] += q
            x[3] += llround(t["price"] * t["size"] * 1e8)
            if t["side"] == "buy":
                x[0] += q
            elif t["side"] == "sell":
                x[1] += q
            if ref_n >= 30:
                x[4] += q
                if q * ref_n >= 4 * ref_vol:
                    x[5] += q
        for c in COLS[8:]:
            out[c] = math.nan
        if not self.seen or s - self.s0 < 60:
            return
        w = [sum(self.bucket(c)[k] for c in range(s - 59, s + 1)) for k in range(6)]
        out["signed_volume_60s"] = float(w[0] - w[1]) / 1e8
        if w[2] > 0 and not math.isnan(mid):
            vwap = float(w[3]) / float(w[2])
            out["vwap_dist_60s_bps"] = (mid - vwap) / vwap * 1e4
        if w[4] > 0:
            out["large_trade_share_60s"] = float(w[5]) / float(w[4])


class Product:
    def __init__(self):
        self.book = Book()
        self.bflow = BookFlow()
        self.last_t = None
        self.tflow = None
        self.mid = math.nan
        self.pseq = None


def book_events(msg):
    """(product, snapshot, [(side, px, qty)]) per event of a level-2 message, and its time."""
    if "channel" in msg:
        t_ns = iso_ns(msg["timestamp"]) if msg.get("timestamp") else 0
        evs = []
        for ev in msg.get("events") or []:
            ch = [(0 if u["side"] == "bid" else 1, px_units(u["price_level"]), float(u["new_quantity"]))
                  for u in ev.get("updates") or []]
            evs.append((ev["product_id"], ev.get("type") == "snapshot", ch))
        return evs, t_ns
    t_ns = iso_ns(msg["time"]) if msg.get("time") else 0
    if msg["type"] == "snapshot":
        ch = [(0, px_units(p), float(q)) for p, q in msg.get("bids", [])] + \
             [(1, px_units(p), float(q)) for p, q in msg.get("asks", [])]
        return [(msg["product_id"], True, ch)], t_ns
    ch = [(0 if sd == "buy" else 1, px_units(p), float(q)) for sd, p, q in msg.get("changes", [])]
    return [(msg["product_id"], False, ch)], t_ns


def run_oracle(files):
    prods = {}
    rows = {}

    def prod(name):
        return prods.setdefault(name, Product())

    def all_books_invalid():
        for p in prods.values():
            p.book.valid = False

    for path in files:
        last_seq = None
        for p in prods.values():
            p.pseq = None
        for msg, recv in messages(path):
            adv = "channel" in msg
            kind = msg.get("channel") if adv else msg.get("type")
            seq = msg.get("sequence_num") if adv else None
            if seq is not None:
                if last_seq is not None and seq <= last_seq:
                    if last_seq - seq < RESTART_BACK:
                        continue  # a duplicate message
                    all_books_invalid()
                elif last_seq is not None and seq > last_seq + 1:
                    all_books_invalid()
                last_seq = seq
            if kind in ("l2_data", "snapshot", "l2update"):
                evs, t_ns = book_events(msg)
                t_ns = t_ns or recv
                for name, snap, changes in evs:
                    p = prod(name)
                    before = top_pair(p.book)
                    if snap:
                        p.book.bids.clear()
                        p.book.asks.clear()
                        p.book.valid = True
                        p.book.syncs += 1
                    for side, px, qty in changes:
                        d = p.book.bids if side == 0 else p.book.asks
                        if qty > 0:
                            d[px] = qty
                        else:
                            d.pop(px, None)
                    if p.book.bids and p.book.asks and max(p.book.bids) >= min(p.book.asks):
                        p.book.valid = False
                    e = 0.0 if snap else ofi_event(before, top_pair(p.book))
                    p.bflow.event(p.book, t_ns, e)
                continue
            ticks = []
            if adv and kind in ("ticker", "ticker_batch", "market_trades"):
                mts = iso_ns(msg["timestamp"]) if msg.get("timestamp") else 0
                for ev in msg.get("events") or []:
                    for key, k in (("tickers", "ticker"), ("trades", "trade")):
                        for it in (ev.get(key) or [])[:64]:
                            t = item(it, k, mts, recv, "advanced")
                            if t:
                                ticks.append(t)
                ticks.sort(key=lambda t: t["t"])
            elif not adv and kind in ("ticker", "match", "last_match"):
                t = item(msg, "ticker" if kind == "ticker" else "trade", 0, recv, "exchange")
                if t:
                    t["pseq"] = msg.get("sequence")
                    ticks.append(t)
            for t in ticks:
                p = prod(t["product"])
                if t.get("pseq") is not None:
                    if p.pseq is not None and t["pseq"] <= p.pseq:
                        continue
                    p.pseq = t["pseq"]
                if p.last_t is not None and t["t"] < p.last_t:
                    continue
                s = sec(t["t"])
                if p.last_t is None or t["t"] - p.last_t > GAP_NS:
                    p.tflow = TradeFlow(s)
                    p.mid = math.nan
                p.last_t = t["t"]
                if t["kind"] == "ticker" and not math.isnan(t["bid"]) and not math.isnan(t["ask"]):
                    m = 0.5 * (t["ask"] + t["bid"])
                    if m > 0:
                        p.mid = m
                out = {}
                p.tflow.tick(t, s, p.mid, out)
                out["_flag"] = p.bflow.read(p.book, s, out)
                out["_t"] = t["t"]
                rows.setdefault(t["product"], []).append(out)
    return rows


def agree(a, b, tol):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    return abs(a - b) <= tol * max(abs(a), abs(b))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--volt", required=True)
    ap.add_argument("--tol", type=float, default=1e-12)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="volt-flow-") as work:
        out = os.path.join(work, "rows.csv")
        subprocess.run([a.volt, "replay", "--quiet", "--out", out] + a.files, check=True,
                       stdout=subprocess.DEVNULL)
        import csv
        eng = {}
        for r in csv.DictReader(open(out)):
            eng.setdefault(r["product"], []).append(r)
    orc = run_oracle(a.files)
    bad, compared, defined = 0, 0, {c: 0 for c in COLS}
    for prod in sorted(set(eng) | set(orc)):
        e, o = eng.get(prod, []), orc.get(prod, [])
        if len(e) != len(o):
            print(f"flow oracle: {prod}: engine wrote {len(e)} rows, the oracle computes {len(o)}")
            bad += 1
            continue
        for i, (er, orow) in enumerate(zip(e, o)):
            if int(er["event_ns"]) != orow["_t"]:
                print(f"flow oracle: {prod} row {i}: event_ns engine {er['event_ns']} oracle {orow['_t']}")
                bad += 1
                break
            if (int(er["flags"]) & BOOK_INVALID) != orow["_flag"]:
                print(f"flow oracle: {prod} row {i}: book flag engine {int(er['flags']) & BOOK_INVALID} "
                      f"oracle {orow['_flag']}")
                bad += 1
                break
            for c in COLS:
                ev = float(er[c]) if er[c] not in ("", "nan") else math.nan
                if not agree(ev, orow[c], a.tol):
                    print(f"flow oracle: {prod} row {i} (event_ns {er['event_ns']}) {c}: engine {ev!r} "
                          f"oracle {orow[c]!r}")
                    bad += 1
                    if bad > 10:
                        return 1
                elif not math.isnan(ev):
                    defined[c] += 1
            compared += 1
    print(f"flow oracle: {compared} rows of {len(orc)} products compared; defined values per column:")
    print("  " + ", ".join(f"{c} {n}" for c, n in defined.items()))
    print("flow oracle: " + ("AGREE" if bad == 0 else f"{bad} DISAGREEMENTS"))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
