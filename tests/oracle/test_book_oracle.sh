#!/usr/bin/env bash
# tests/oracle/test_book_oracle.sh BUILD_DIR — the real level-2 sample through `volt book` against
# the independent rebuild of tests/oracle/book_oracle.py: the top 10 levels of both sides of every
# book after every message. Skips, saying why, when VOLT_DATA (default ../shared/data) lacks it.
set -u
B=${1:?usage: test_book_oracle.sh BUILD_DIR}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DATA=${VOLT_DATA:-$SRC/../shared/data}
REC=$DATA/coinbase-advanced-l2-sample-2026-08/COINBASE.jsonl.zst
if [ ! -f "$REC" ]; then
  echo "SKIP: no level-2 recording at $REC (set VOLT_DATA to the folder of real recordings)"; exit 0
fi
command -v zstd >/dev/null || { echo "FAIL: the oracle reads the recording with zstd (Debian: zstd)"; exit 1; }
python3 "$SRC/tests/oracle/book_oracle.py" --volt "$B/engine/volt" --top 10 "$REC"
