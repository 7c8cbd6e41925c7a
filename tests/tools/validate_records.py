#!/usr/bin/env python3
"""Validates NDJSON records against a JSON Schema (docs/schemas/): every line, every field.

    validate_records.py SCHEMA.json RECORDS.ndjson [--min N]

Exit 0 when every record is valid and there are at least N (default 1); prints the first errors."""
import argparse
import json
import sys

import jsonschema


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("schema")
    ap.add_argument("records")
    ap.add_argument("--min", type=int, default=1)
    a = ap.parse_args()
    schema = json.load(open(a.schema))
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    n = bad = 0
    for line in open(a.records):
        if not line.strip():
            continue
        n += 1
        errs = list(v.iter_errors(json.loads(line)))
        if errs:
            bad += 1
            if bad <= 3:
                print(f"record {n}: {errs[0].message} at {list(errs[0].absolute_path)}")
    print(f"validate_records: {n} records, {bad} invalid against {a.schema}")
    return 0 if bad == 0 and n >= a.min else 1


if __name__ == "__main__":
    sys.exit(main())
