#!/usr/bin/env bash
# tests/tools/test_schemas.sh BUILD_DIR — the Kafka records' JSON Schemas (docs/schemas/, docs/kafka.md):
# current with the engine's feature table, and every feature row volt writes (ticks.features holds
# exactly these lines) valid against its schema: a synthetic market with trades and level 2, and the
# mixed fixture (rejects, duplicates, an out-of-order tick). The alerts schema is checked against
# the broker's records in tests/kafka/test_kafka.sh.
set -u
B=${1:?usage: test_schemas.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib.sh" schemas
need_py jsonschema "the schema test"

out=$(python3 "$SRC/tools/kafka/make_schemas.py" --volt "$B/engine/volt" --check 2>&1); rc=$?
check "docs/schemas are current with the engine's feature table" $rc "$out"

"$B/tools/volt-synth" --minutes 3 --seed 8 --product BTC-USD --product ETH-USD --trades --level2 --out "$T/m.ndjson" >/dev/null
"$B/engine/volt" replay --quiet --format ndjson --out "$T/rows.ndjson" "$T/m.ndjson" "$SRC/tests/fixtures/replay/mixed.ndjson" >/dev/null 2>&1
out=$("$PY" "$SRC/tests/tools/validate_records.py" "$SRC/docs/schemas/ticks.features.schema.json" "$T/rows.ndjson" --min 1000 2>&1); rc=$?
check "every feature row is a valid ticks.features record ($(echo "$out" | tail -1))" $rc "$out"

# a record with a column the schema does not know, or without one it requires, is invalid
head -1 "$T/rows.ndjson" | sed 's/^{/{"extra":1,/' > "$T/bad1.ndjson"
head -1 "$T/rows.ndjson" | sed 's/"p_spike":[^,]*,//' > "$T/bad2.ndjson"
"$PY" "$SRC/tests/tools/validate_records.py" "$SRC/docs/schemas/ticks.features.schema.json" "$T/bad1.ndjson" >/dev/null; r1=$?
"$PY" "$SRC/tests/tools/validate_records.py" "$SRC/docs/schemas/ticks.features.schema.json" "$T/bad2.ndjson" >/dev/null; r2=$?
ok=1; [ $r1 -ne 0 ] && [ $r2 -ne 0 ] && ok=0
check "the schema refuses an unknown column and a missing one" $ok "extra: $r1, missing: $r2"
finish
