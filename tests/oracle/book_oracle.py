#!/usr/bin/env python3
"""The level-2 books rebuilt independently, compared with `volt book` after every message.

    book_oracle.py --volt BUILD/engine/volt RECORDING.jsonl.zst [--top 10]

Reads a recorder's zstd JSONL (`{"t":"recv","data":"<message>"}` lines; others skipped) with the
standard library and `zstd -dc`, keeps every product's whole book in dicts (prices as exact
decimals scaled to 1e-8 units, sizes as Python floats: both correctly rounded), applies each
l2_data event (a snapshot replaces the book; new_quantity "0" removes a level), and compares the
top levels of each book after each event, and its count of events, with the engine's. Fails on the
first difference, naming it; also fails if a crossed book is ever reported valid. Exit 0 when all
agree."""
import argparse
import json
import subprocess
import sys
from decimal import Decimal


def px_units(s: str) -> int:
    return int(Decimal(s) * 100000000)


def top(levels: dict, n: int, best_high: bool):
    keys = sorted(levels, reverse=best_high)[:n]
    return [(k, levels[k]) for k in keys]


def oracle_lines(path: str, n: int):
    raw = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    books = {}
    for lineno, line in enumerate(raw.decode().splitlines(), 1):
        rec = json.loads(line)
        if rec.get("t") != "recv":
            continue
        msg = json.loads(rec["data"])
        if msg.get("channel") != "l2_data":
            continue
        for ev in msg["events"]:
            book = books.setdefault(ev["product_id"], ({}, {}))
            if ev["type"] == "snapshot":
                book[0].clear()
                book[1].clear()
            for u in ev["updates"]:
                side = book[0] if u["side"] == "bid" else book[1]
                px, qty = px_units(u["price_level"]), float(u["new_quantity"])
                if qty > 0:
                    side[px] = qty
                else:
                    side.pop(px, None)
            yield lineno, ev["product_id"], top(book[0], n, True), top(book[1], n, False)


def parse_side(text: str):
    out = []
    for item in text.split():
        px, qty = item.split(":")
        out.append((int(px), float(qty)))
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--volt", required=True)
    ap.add_argument("--top", type=int, default=10)
    ap.add_argument("recording")
    a = ap.parse_args()
    run = subprocess.run([a.volt, "book", "--top", str(a.top), a.recording], check=True,
                         capture_output=True, text=True)
    engine = run.stdout.splitlines()
    expected = list(oracle_lines(a.recording, a.top))
    if len(engine) != len(expected):
        print(f"DISAGREE: the engine reported {len(engine)} book events, the oracle {len(expected)}")
        return 1
    crossed_valid = 0
    for got, (lineno, product, bids, asks) in zip(engine, expected):
        f = got.split("\t")
        want = (str(lineno), product)
        if (f[0], f[1]) != want or parse_side(f[3]) != bids or parse_side(f[4]) != asks:
            print(f"DISAGREE at line {lineno} ({product}):\n  engine {got[:300]}\n"
                  f"  oracle bids {bids[:3]}... asks {asks[:3]}...")
            return 1
        if bids and asks and bids[0][0] >= asks[0][0] and f[2] == "1":
            crossed_valid += 1
    if crossed_valid:
        print(f"DISAGREE: {crossed_valid} crossed books reported valid")
        return 1
    print(f"book oracle: {len(expected)} book events agree on the top {a.top} levels of both sides")
    print(run.stderr.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
