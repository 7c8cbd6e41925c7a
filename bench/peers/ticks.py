"""Reading a recording the way the seed's Python consumers did: one json.loads per line, the
ticker fields taken from either the seed's journal records or Coinbase's own messages (Advanced
Trade `ticker`/`market_trades` channel messages, Exchange `ticker`/`match`). Shared by the peers
in this folder; volt's C parser is not involved."""
import json
from datetime import datetime, timezone


def _ts(s):
    # "2025-12-01T00:00:00.010981948Z" or "2025-11-30T23:56:11.637517" (UTC)
    s = s.rstrip("Z")
    frac = ""
    if "." in s:
        s, frac = s.split(".", 1)
    base = datetime.strptime(s, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return int(base.timestamp()) * 1_000_000_000 + int((frac + "000000000")[:9] or 0)


def _f(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def ticks_of_message(msg):
    """Yields dicts: t (ns), product, kind ('ticker'|'trade'), price, bid, ask, vol24, size, side."""
    if "raw" in msg and "timestamp" in msg and "channel" not in msg:  # the seed's journal record
        r = msg["raw"] if isinstance(msg["raw"], dict) else msg
        yield {"t": _ts(msg["timestamp"]), "product": msg.get("product_id"), "kind": "ticker",
               "price": _f(r.get("price")), "bid": _f(r.get("best_bid")), "ask": _f(r.get("best_ask")),
               "vol24": _f(r.get("volume_24_h", r.get("volume_24h"))), "size": float("nan"), "side": None}
        return
    if "channel" in msg:  # Advanced Trade
        t0 = _ts(msg["timestamp"]) if msg.get("timestamp") else 0
        for ev in msg.get("events") or []:
            for tk in ev.get("tickers") or []:
                yield {"t": t0, "product": tk.get("product_id"), "kind": "ticker",
                       "price": _f(tk.get("price")), "bid": _f(tk.get("best_bid")),
                       "ask": _f(tk.get("best_ask")), "vol24": _f(tk.get("volume_24_h")),
                       "size": float("nan"), "side": None}
            for tr in ev.get("trades") or []:
                # market_trades report the maker side: the taker is the other one
                side = {"BUY": "sell", "SELL": "buy"}.get(tr.get("side"))
                yield {"t": _ts(tr["time"]) if tr.get("time") else t0, "product": tr.get("product_id"),
                       "kind": "trade", "price": _f(tr.get("price")), "bid": float("nan"),
                       "ask": float("nan"), "vol24": float("nan"), "size": _f(tr.get("size")),
                       "side": side}
        return
    typ = msg.get("type")
    if typ in ("ticker", "match", "last_match"):  # Exchange feed
        kind = "ticker" if typ == "ticker" else "trade"
        yield {"t": _ts(msg["time"]) if msg.get("time") else 0, "product": msg.get("product_id"),
               "kind": kind, "price": _f(msg.get("price")), "bid": _f(msg.get("best_bid")),
               "ask": _f(msg.get("best_ask")), "vol24": _f(msg.get("volume_24h")),
               "size": _f(msg.get("last_size", msg.get("size"))),
               "side": msg.get("side") if kind == "trade" else None}


def read_lines(path, limit=None):
    out = []
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                out.append(line)
                if limit and len(out) >= limit:
                    break
    return out


def ticks_of_lines(lines):
    out = []
    for line in lines:
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if isinstance(msg, dict):
            out.extend(t for t in ticks_of_message(msg) if t["price"] == t["price"] or t["kind"] == "ticker")
    return out


def report(rep, path, line):
    """Prints the peer's one-line summary and writes its JSON report when a path is given."""
    print(line)
    if path:
        with open(path, "w") as f:
            json.dump(rep, f, indent=1)
