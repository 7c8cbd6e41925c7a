#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh TARGET SEED_DIR SECONDS [RUNS] — one libFuzzer run: the seed corpus copied
# into a scratch corpus, SECONDS of fuzzing (or RUNS executions, if given, whichever comes first),
# then one line: executions, seconds, corpus, and the verdict. A crash, a sanitizer report or a leak
# fails it, and the input that did it is kept in out/fuzz/.
set -u
T=${1:?usage: run_fuzz.sh TARGET SEED_DIR SECONDS [RUNS]} SEEDS=${2:?} SECS=${3:?} RUNS=${4:--1}
name=$(basename "$T")
work=$(mktemp -d /tmp/volt_${name}_XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" out/fuzz
cp "$SEEDS"/* "$work/corpus/" 2>/dev/null
start=$(date +%s)
"$T" -max_total_time="$SECS" -runs="$RUNS" -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="out/fuzz/$name-" "$work/corpus" > "$work/log" 2>&1
rc=$?
elapsed=$(( $(date +%s) - start ))
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW)' "$work/log" | tail -1 | grep -o 'cov: [0-9]*')
echo "$name: ${execs:-0} executions in ${elapsed} s, $(ls "$work/corpus" | wc -l) inputs in the corpus, ${cov:-cov: ?}, exit $rc"
if [ "$rc" -ne 0 ]; then
  grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$work/log" | head -20
  exit 1
fi
