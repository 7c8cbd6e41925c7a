#!/usr/bin/env python3
"""Writes the JSON Schemas of volt's Kafka records (docs/kafka.md) into docs/schemas/.

    make_schemas.py --volt BUILD/engine/volt [--out docs/schemas] [--check]

The features record is exactly a `volt replay --format ndjson` row: its columns come from the
engine's own feature table (`volt features`), so the schema cannot drift from the engine; with
--check nothing is written and the exit status says whether the files in --out are current."""
import argparse
import json
import os
import subprocess
import sys

DRAFT = "https://json-schema.org/draft/2020-12/schema"
NUM_OR_NULL = {"type": ["number", "null"]}


def feature_table(volt):
    out = subprocess.run([volt, "features"], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[1:]:  # fixed columns: name 27, unit 16, window 9, meaning
        rows.append({"name": line[0:27].strip(), "unit": line[27:43].strip(),
                     "window": line[43:52].strip(), "meaning": line[52:].strip()})
    return rows


def features_schema(volt):
    props = {
        "event_time": {"type": "string", "description": "event time, ISO 8601 UTC with nanoseconds"},
        "event_ns": {"type": "integer", "description": "event time, ns since the Unix epoch"},
        "recv_ns": {"type": "integer", "description": "receive/capture time in ns (0: none)"},
        "product": {"type": "string", "description": "product id, e.g. BTC-USD (also the key)"},
        "kind": {"enum": ["ticker", "trade"]},
        "seq": {"type": ["integer", "null"], "description": "the message's sequence number"},
        "price": NUM_OR_NULL, "size": NUM_OR_NULL,
        "side": {"type": ["string", "null"], "enum": ["buy", "sell", None],
                 "description": "the taker's side"},
        "best_bid": NUM_OR_NULL, "best_ask": NUM_OR_NULL,
    }
    for f in feature_table(volt):
        props[f["name"]] = {"type": ["number", "null"],
                            "description": f"{f['meaning']} [{f['unit']}; window {f['window']}]"}
    props.update({
        "segment_age_s": {"type": "number", "description": "seconds since the product's windows (re)started"},
        "flags": {"type": "integer", "minimum": 0, "description": "bit set: docs/features.md, Segments"},
        "score": NUM_OR_NULL,
        "p_spike": {"type": ["number", "null"], "minimum": 0, "maximum": 1,
                    "description": "the model's probability of a spike in the next 60 s"},
        "prediction": {"enum": [0, 1]},
        "alert": {"enum": [0, 1], "description": "1 on the row that raised an alert"},
    })
    return {"$schema": DRAFT, "$id": "https://volt.example/schemas/ticks.features.schema.json",
            "title": "ticks.features: one feature row per tick (key: product)",
            "type": "object", "properties": props, "required": list(props),
            "additionalProperties": False}


def alerts_schema():
    props = {
        "event_time": {"type": "string", "description": "event time of the tick that raised it"},
        "product": {"type": "string"},
        "p_spike": {"type": "number", "minimum": 0, "maximum": 1},
        "score": {"type": "number"},
        "threshold": {"type": "number", "description": "the model's alert threshold"},
        "model": {"type": "string", "description": "the model's version"},
        "latency_ns": {"type": "integer", "minimum": 0, "description": "receive -> signal"},
    }
    return {"$schema": DRAFT, "$id": "https://volt.example/schemas/volatility.alerts.schema.json",
            "title": "volatility.alerts: one record per alert (key: product)",
            "type": "object", "properties": props, "required": list(props),
            "additionalProperties": False}


def raw_schema():
    return {"$schema": DRAFT, "$id": "https://volt.example/schemas/ticks.raw.schema.json",
            "title": "ticks.raw: every received message, byte for byte (key: its product, or empty)",
            "description": "The feed's own message as it arrived (Coinbase Advanced Trade or Exchange "
                           "feed JSON), rejected ones included, so it need not even be valid JSON.",
            "type": ["object", "array", "string", "number", "boolean", "null"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--volt", required=True)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "docs", "schemas"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    want = {"ticks.features.schema.json": features_schema(a.volt),
            "volatility.alerts.schema.json": alerts_schema(),
            "ticks.raw.schema.json": raw_schema()}
    stale = []
    for name, schema in want.items():
        text = json.dumps(schema, indent=2) + "\n"
        path = os.path.join(a.out, name)
        if a.check:
            have = open(path).read() if os.path.exists(path) else ""
            if have != text:
                stale.append(name)
        else:
            with open(path, "w") as fh:
                fh.write(text)
    if stale:
        print("make_schemas: out of date (run tools/kafka/make_schemas.py --volt BUILD/engine/volt): "
              + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
