#!/usr/bin/env python3
"""An independent recomputation of every volt feature and the label, straight from recordings.

Written plainly from the definitions in docs/features.md: its own JSON reading of the three
recording formats (and raw Advanced Trade messages), its own ordering and duplicate rules, and
full-window recomputation for every row (a slice of the per-second grid summed afresh, no running
sums). It runs `volt replay --label` on the same files and compares every row and every column.

    oracle.py --volt BUILD/engine/volt [--tol 1e-9] [--keep DIR] FILE...

Exit status 0 when every value agrees to the tolerance (relative, with an absolute floor of
1e-15 times the column's scale for values that are differences near zero), 1 otherwise.
"""
import argparse
import calendar
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

NS = 1_000_000_000
GAP_NS = 10 * NS
LAMBDA = math.exp(-math.log(2) / 60.0)
TAU_WINDOW, TAU_MIN, TAU_Q = 1800, 300, 90
Z_WINDOW, Z_MIN = 900, 120
# pandas 3 reads floats exactly by default; older pandas needs asking
ROUND_TRIP = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


def iso_ns(s):
    """ISO 8601 UTC text -> ns since the epoch (exact)."""
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1]
    elif s.endswith("+00:00"):
        s = s[:-6]
    date, _, clock = s.partition("T")
    frac = ""
    if "." in clock:
        clock, frac = clock.split(".")
    y, mo, d = (int(x) for x in date.split("-"))
    h, mi, se = (int(x) for x in clock.split(":"))
    secs = calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0))
    return secs * NS + int((frac + "000000000")[:9] or 0)


def epoch_ns(v):
    """Epoch seconds (number or text with a fraction) -> ns, exactly as written."""
    t = repr(v) if isinstance(v, float) else str(v)
    whole, _, frac = t.partition(".")
    return int(whole) * NS + int((frac + "000000000")[:9] or 0)


def num(x):
    if x is None:
        return math.nan
    return float(x)


def unwrap(top):
    """A journal or seed envelope's message and receive time; a bare message as it is (recv 0)."""
    if not isinstance(top, dict) or not any(k in top for k in ("recv_ns", "ingest_time", "ts", "raw", "payload")):
        return top, 0
    recv = 0
    if "recv_ns" in top:
        recv = int(top["recv_ns"])
    elif "ingest_time" in top:
        recv = iso_ns(top["ingest_time"])
    elif "ts" in top:
        recv = epoch_ns(top["ts"])
    elif "timestamp" in top:  # the seed's journal: {"timestamp": ..., "raw": ...}
        recv = iso_ns(top["timestamp"])
    inner = top.get("payload", top.get("raw"))
    return (json.loads(inner) if isinstance(inner, str) else inner), recv


def ticks_of_file(path, epoch):
    """Yields (msg_seq_or_None, [tick dicts]) per message, in file order."""
    with open(path, "rb") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                top = json.loads(line)
            except ValueError:
                continue
            msg, recv = unwrap(top)
            if not isinstance(msg, dict):
                continue
            out = []
            if "channel" in msg:  # Advanced Trade
                mts = iso_ns(msg["timestamp"]) if "timestamp" in msg else 0
                seq = msg.get("sequence_num")
                ch = msg["channel"]
                for ev in msg.get("events", []) or []:
                    for key, kind in (("tickers", "ticker"), ("trades", "trade")):
                        for it in ev.get(key, []) or []:
                            t = item(it, kind, mts, recv, "advanced")
                            if t:
                                out.append(t)
                if ch not in ("ticker", "ticker_batch", "market_trades"):
                    out = []
                yield ("adv", seq), out
            else:  # Exchange feed (and the seed journal's ticker objects)
                ty = msg.get("type")
                kind = {"ticker": "ticker", "match": "trade", "last_match": "trade"}.get(ty)
                if kind:
                    t = item(msg, kind, 0, recv, "exchange")
                    if t:
                        t["pseq"] = msg.get("sequence")
                        out.append(t)
                yield ("exch", None), out


def item(it, kind, msg_ns, recv, proto):
    pid = it.get("product_id")
    if not pid:
        return None
    if "time" in it and it["time"]:
        t_ns = iso_ns(it["time"])
    elif msg_ns:
        t_ns = msg_ns
    else:
        t_ns = recv
    side = str(it.get("side") or "").lower()
    if kind == "trade":  # trades (match, market_trades) report the maker's side: volt keeps the taker's
        side = {"buy": "sell", "sell": "buy"}.get(side, "")
    return {
        "product": pid, "kind": kind, "t": t_ns,
        "price": num(it.get("price")),
        "size": num(it.get("size", it.get("last_size"))),
        "side": side if side in ("buy", "sell") else "",
        "bid": num(it.get("best_bid")), "ask": num(it.get("best_ask")),
        "vol24": num(it.get("volume_24_h", it.get("volume_24h"))),
    }


def accepted_ticks(files):
    """Every tick volt keeps: duplicates by sequence and out-of-order ticks dropped."""
    per = {}
    for epoch, path in enumerate(files):
        last_msg_seq = None
        last_pseq = {}
        for (proto, seq), ticks in ticks_of_file(path, epoch):
            if proto == "adv" and seq is not None:
                if last_msg_seq is not None and seq <= last_msg_seq:
                    continue
                last_msg_seq = seq
            for t in ticks:
                ps = t.get("pseq")
                if ps is not None:
                    if t["product"] in last_pseq and ps <= last_pseq[t["product"]]:
                        continue
                    last_pseq[t["product"]] = ps
                lst = per.setdefault(t["product"], [])
                if lst and t["t"] < lst[-1]["t"]:
                    continue
                lst.append(t)
    return per


def segments(ticks):
    seg, out = [], []
    for t in ticks:
        if seg and t["t"] - seg[-1]["t"] > GAP_NS:
            out.append(seg)
            seg = []
        seg.append(t)
    if seg:
        out.append(seg)
    return out


def ffill_last(values, secs, s0, n):
    """Close of each grid second s0..s0+n-1: the last non-NaN value at or before its end."""
    out = np.full(n, np.nan)
    cur = math.nan
    j = 0
    for k in range(n):
        while j < len(values) and secs[j] <= s0 + k:
            if not math.isnan(values[j]):
                cur = values[j]
            j += 1
        out[k] = cur
    return out


def seg_features(seg, tau_samples):
    """Rows of one segment: every feature. tau_samples: dict second -> rv_60s close (product-wide,
    filled here for this segment's seconds after the rows are computed)."""
    n = len(seg)
    t = np.array([x["t"] for x in seg], dtype=np.int64)
    s = t // NS
    s0, s_last = int(s[0]), int(s[-1])
    G = s_last - s0 + 1
    is_tk = np.array([x["kind"] == "ticker" for x in seg])
    price = np.array([x["price"] if x["kind"] == "ticker" else math.nan for x in seg])
    bid = np.array([x["bid"] if x["kind"] == "ticker" else math.nan for x in seg])
    ask = np.array([x["ask"] if x["kind"] == "ticker" else math.nan for x in seg])
    vol24 = np.array([x["vol24"] if x["kind"] == "ticker" else math.nan for x in seg])
    size = np.array([x["size"] for x in seg])
    side = [x["side"] for x in seg]
    has_q = ~np.isnan(bid) & ~np.isnan(ask)
    # state as of each row (inclusive), forward filled
    mid_row = np.where(has_q, 0.5 * (ask + bid), np.nan)
    mid_row = np.where(mid_row > 0, mid_row, np.nan)
    sbps_row = np.where(~np.isnan(mid_row), (ask - bid) / mid_row * 1e4, np.nan)
    ff = lambda a: pd.Series(a).ffill().to_numpy()
    mid = ff(mid_row)
    sbps = ff(sbps_row)
    lmid = np.array([math.log(m) if not math.isnan(m) else math.nan for m in mid])
    last_price = ff(price)
    bid_ff, ask_ff = ff(np.where(has_q, bid, np.nan)), ff(np.where(has_q, ask, np.nan))
    vol24_ff = ff(vol24)
    # grid closes
    Mc = ffill_last(mid_row, s, s0, G)
    Lc = np.array([math.log(m) if not math.isnan(m) else math.nan for m in Mc])
    SBc = ffill_last(sbps_row, s, s0, G)
    Pc = ffill_last(price, s, s0, G)
    V24c = ffill_last(vol24, s, s0, G)
    fm_idx = np.flatnonzero(~np.isnan(mid_row))
    fm = int(s[fm_idx[0]]) if len(fm_idx) else None
    have = lambda sec: fm is not None and sec >= fm
    r2 = np.zeros(G)
    for k in range(1, G):
        if have(s0 + k - 1):
            r2[k] = (Lc[k] - Lc[k - 1]) ** 2
    # seed: tick log-returns of ticker prices
    tick_ret = np.full(n, np.nan)
    prev = math.nan
    for i in range(n):
        if is_tk[i]:
            if not math.isnan(prev):
                tick_ret[i] = math.log(price[i] / prev)
            prev = price[i]

    def vol5_at(i_end, sec):
        """sample std of tick returns of seconds sec-299..sec among rows <= i_end"""
        m = (s[: i_end + 1] >= sec - 299) & (s[: i_end + 1] <= sec) & ~np.isnan(tick_ret[: i_end + 1])
        r = tick_ret[: i_end + 1][m]
        if len(r) < 2:
            return math.nan
        if not np.any(r != 0):
            return 0.0
        return float(np.std(r, ddof=1))

    # per-second closes of the seed's volatility (for the z-score) and of rv_60s (vol of vol, tau)
    last_row_of_sec = {}
    for i in range(n):
        last_row_of_sec[int(s[i])] = i
    vclose = np.full(G, np.nan)
    V60 = np.full(G, np.nan)
    i_le = np.searchsorted(s, np.arange(s0, s_last + 1), side="right") - 1
    for k in range(G):
        c = s0 + k
        if c - s0 >= 300:
            vclose[k] = vol5_at(int(i_le[k]), c)
        if have(c - 60):
            V60[k] = math.sqrt(float(np.sum(r2[k - 59: k + 1])))
    rows = []
    for i in range(n):
        sec = int(s[i])
        k = sec - s0
        f = {}
        warm = lambda w: sec - s0 >= w
        f["price_return_1min"] = last_price[i] / Pc[k - 60] - 1 if warm(60) else math.nan
        f["price_return_5min"] = last_price[i] / Pc[k - 300] - 1 if warm(300) else math.nan
        vol = vol5_at(i, sec) if warm(300) else math.nan
        f["price_volatility_5min"] = vol
        spread = ask_ff[i] - bid_ff[i]
        f["bid_ask_spread"] = spread
        m0 = 0.5 * (ask_ff[i] + bid_ff[i])
        f["bid_ask_spread_bps"] = spread / m0 * 1e4 if m0 > 0 else math.nan
        vref = V24c[k - 60] if warm(60) else math.nan
        f["volume_24h_pct_change"] = 100 * (vol24_ff[i] / vref - 1) if warm(60) and vref > 0 else math.nan
        f["trade_intensity"] = float(np.sum(is_tk[: i + 1] & (s[: i + 1] >= sec - 59))) if warm(60) else math.nan
        z = math.nan
        lo = max(k - Z_WINDOW, 0)
        zs = vclose[lo:k]
        zs = zs[~np.isnan(zs)]
        if len(zs) >= Z_MIN and not math.isnan(vol):
            mean = float(np.mean(zs))
            var = float(np.var(zs, ddof=1))
            if var > 1e-12 * float(np.mean(zs * zs)):
                z = (vol - mean) / math.sqrt(var)
        f["volatility_zscore_15min"] = z
        # v1
        rn = lmid[i] - Lc[k - 1] if have(sec - 1) else 0.0
        for w in (10, 30, 60, 300, 900):
            f["rv_%ds" % w] = math.sqrt(float(np.sum(r2[k - w + 1: k])) + rn * rn) if have(sec - w) else math.nan
        if have(sec - 60):
            cs = np.arange(fm + 1, sec)
            wts = LAMBDA ** (sec - cs).astype(float)
            a = float(np.sum(wts * r2[cs - s0])) + rn * rn
            b = float(np.sum(wts)) + 1.0
            f["ewma_rv_60s"] = math.sqrt(60 * a / b)
        else:
            f["ewma_rv_60s"] = math.nan
        f["vol_of_vol_300s"] = float(np.std(V60[k - 300: k], ddof=1)) if have(sec - 360) else math.nan
        r10 = lmid[i] - Lc[k - 10] if have(sec - 10) else math.nan
        r60 = lmid[i] - Lc[k - 60] if have(sec - 60) else math.nan
        f["logret_10s"], f["logret_60s"] = r10, r60
        f["abs_logret_10s"], f["abs_logret_60s"] = abs(r10), abs(r60)
        trade = ~np.isnan(size[: i + 1]) & (size[: i + 1] > 0)
        if trade.any() and warm(60):
            win = trade & (s[: i + 1] >= sec - 59)
            buys = win & np.array([x == "buy" for x in side[: i + 1]])
            sells = win & np.array([x == "sell" for x in side[: i + 1]])
            f["trade_count_60s"] = float(win.sum())
            f["trade_volume_60s"] = float(np.sum(size[: i + 1][win])) if win.any() else 0.0
            bv = float(np.sum(size[: i + 1][buys])) if buys.any() else 0.0
            sv = float(np.sum(size[: i + 1][sells])) if sells.any() else 0.0
            f["taker_imbalance_60s"] = (bv - sv) / (bv + sv) if buys.any() or sells.any() else math.nan
        else:
            f["trade_count_60s"] = f["trade_volume_60s"] = f["taker_imbalance_60s"] = math.nan
        f["spread_change_10s_bps"] = sbps[i] - SBc[k - 10] if have(sec - 10) else math.nan
        f["mid_last_dev_bps"] = (last_price[i] - mid[i]) / mid[i] * 1e4
        f["secs_since_prev_tick"] = (t[i] - t[i - 1]) / 1e9 if i > 0 else math.nan
        for w in (60, 300):
            if have(sec - w):
                win = np.append(Mc[k - w: k], mid[i])
                f["range_%ds_bps" % w] = (win.max() - win.min()) / mid[i] * 1e4
            else:
                f["range_%ds_bps" % w] = math.nan
        age = (t[i] - s0 * NS) / 1e9
        f["secs_since_gap"] = min(age, 3600.0)
        day = sec % 86400
        ang = 2.0 * math.pi * day / 86400.0
        f["tod_sin"], f["tod_cos"] = math.sin(ang), math.cos(ang)
        samples = [tau_samples[c] for c in range(sec - TAU_WINDOW, sec) if c in tau_samples]
        f["tau_trailing"] = float(np.percentile(samples, TAU_Q)) if len(samples) >= TAU_MIN else math.nan
        f["_mid_l"] = lmid[i]
        rows.append(f)
        # after the last row of a second, that second's rv_60s close joins tau's samples
        if last_row_of_sec.get(sec) == i:
            pass
    return rows, t, s0, V60


def product_rows(ticks):
    tau_samples = {}
    out = []
    for seg in segments(ticks):
        # tau at a row uses closes of earlier seconds only; closes of this segment are added as the
        # rows pass them, so compute per row with the samples known before its second
        n = len(seg)
        t = np.array([x["t"] for x in seg], dtype=np.int64)
        rows, _, s0, V60 = seg_features_with_tau(seg, tau_samples)
        # labels
        lm = np.array([r["_mid_l"] for r in rows])
        for i, r in enumerate(rows):
            ti = int(t[i])
            if t[-1] <= ti + 60 * NS:
                r["label_future_rv_60s"], r["volatility_spike"] = math.nan, None
            else:
                idx = np.searchsorted(t, ti + np.arange(0, 61) * NS, side="right") - 1
                m = lm[idx]
                if np.isnan(m).any():
                    r["label_future_rv_60s"], r["volatility_spike"] = math.nan, None
                else:
                    rv = math.sqrt(float(np.sum(np.diff(m) ** 2)))
                    r["label_future_rv_60s"] = rv
                    tau = r["tau_trailing"]
                    r["volatility_spike"] = None if math.isnan(tau) else int(rv >= tau)
            r["label_tau"] = r["tau_trailing"]
            r["event_ns"] = ti
        out.extend(rows)
        for k in range(len(V60)):
            if not math.isnan(V60[k]):
                tau_samples[s0 + k] = float(V60[k])
    return out


def seg_features_with_tau(seg, tau_samples):
    """seg_features, with tau per row from the samples of earlier segments plus this segment's
    closes of seconds before the row's."""
    rows, t, s0, V60 = seg_features(seg, {})
    s = t // NS
    for i, r in enumerate(rows):
        sec = int(s[i])
        samples = [tau_samples[c] for c in range(sec - TAU_WINDOW, sec) if c in tau_samples]
        samples += [float(V60[c - s0]) for c in range(max(s0, sec - TAU_WINDOW), sec)
                    if not math.isnan(V60[c - s0])]
        r["tau_trailing"] = float(np.percentile(samples, TAU_Q)) if len(samples) >= TAU_MIN else math.nan
    return rows, t, s0, V60


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--volt", required=True)
    ap.add_argument("--tol", type=float, default=1e-9)
    ap.add_argument("--keep")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="volt-oracle-")
    os.makedirs(work, exist_ok=True)
    out = os.path.join(work, "rows.csv")
    subprocess.run([a.volt, "replay", "--label", "--quiet", "--out", out] + a.files, check=True,
                   stdout=subprocess.DEVNULL)
    eng = pd.read_csv(out, keep_default_na=False, na_values=[""], **ROUND_TRIP,
                      dtype={"product": str})
    per = accepted_ticks(a.files)
    bad = 0
    worst = {}
    compared = 0
    for prod, ticks in sorted(per.items()):
        orc = product_rows(ticks)
        e = eng[eng["product"] == prod].reset_index(drop=True)
        if len(e) != len(orc):
            print(f"oracle: {prod}: engine wrote {len(e)} rows, the oracle computes {len(orc)}")
            bad += 1
            continue
        ens = e["event_ns"].to_numpy()
        ons = np.array([r["event_ns"] for r in orc])
        if not np.array_equal(ens, ons):
            i = int(np.flatnonzero(ens != ons)[0])
            print(f"oracle: {prod}: row {i}: event_ns engine {ens[i]} oracle {ons[i]}")
            bad += 1
            continue
        for col in [c for c in orc[0] if not c.startswith("_") and c not in ("event_ns",)]:
            ov = np.array([np.nan if r[col] is None else r[col] for r in orc], dtype=float)
            ev = e[col].to_numpy(dtype=float)
            nan_mismatch = np.isnan(ov) != np.isnan(ev)
            if nan_mismatch.any():
                i = int(np.flatnonzero(nan_mismatch)[0])
                print(f"oracle: {prod} {col}: row {i} (event_ns {ens[i]}): engine {ev[i]!r} oracle {ov[i]!r}")
                bad += 1
                continue
            m = ~np.isnan(ov)
            if not m.any():
                worst.setdefault(col, 0.0)
                continue
            scale = float(np.max(np.abs(ov[m]))) or 1.0
            err = np.abs(ev[m] - ov[m])
            rel = err / np.maximum(np.maximum(np.abs(ev[m]), np.abs(ov[m])), 1e-15 * scale)
            rel[err == 0] = 0.0
            worst[col] = max(worst.get(col, 0.0), float(rel.max()))
            if rel.max() > a.tol:
                i = int(np.flatnonzero(m)[int(np.argmax(rel))])
                print(f"oracle: {prod} {col}: row {i} (event_ns {ens[i]}): engine {ev[i]!r} oracle {ov[i]!r} rel {rel.max():.3g}")
                bad += 1
        compared += len(orc)
    labelled = int(eng["volatility_spike"].notna().sum())
    print(f"oracle: {compared} rows of {len(per)} products compared, {len(worst)} columns; "
          f"{labelled} labelled ({eng['volatility_spike'].mean() * 100:.2f}% positive)")
    for col, w in worst.items():
        print(f"  {col:26s} max relative difference {w:.3g}")
    print("oracle: " + ("AGREE" if bad == 0 else f"{bad} DISAGREEMENTS"))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
