#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh TARGET SEED_DIR SECONDS — one libFuzzer run: the seed corpus copied into a
# scratch corpus, SECONDS of fuzzing, then one line: executions, corpus, and the verdict. A crash,
# a sanitizer report or a leak fails it, and the input that did it is kept in out/fuzz/.
set -u
T=${1:?usage: run_fuzz.sh TARGET SEED_DIR SECONDS} SEEDS=${2:?} SECS=${3:?}
name=$(basename "$T")
work=$(mktemp -d /tmp/volt_${name}_XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" out/fuzz
cp "$SEEDS"/* "$work/corpus/" 2>/dev/null
"$T" -max_total_time="$SECS" -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="out/fuzz/$name-" "$work/corpus" > "$work/log" 2>&1
rc=$?
execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$')
cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW)' "$work/log" | tail -1 | grep -o 'cov: [0-9]*')
echo "$name: ${execs:-0} executions in ${SECS} s, $(ls "$work/corpus" | wc -l) inputs in the corpus, ${cov:-cov: ?}, exit $rc"
if [ "$rc" -ne 0 ]; then
  grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$work/log" | head -20
  exit 1
fi
