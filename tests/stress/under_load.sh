#!/usr/bin/env bash
# tests/stress/under_load.sh RUNS COMMAND... — runs COMMAND (a test suite) RUNS times in a row while
# stress-ng keeps a CPU hog busy on every core, and says how each run ended. Exits 0 only when every
# run passed. `make test-stress` runs the release, ASan and TSan suites this way (docs/reliability.md,
# "The suite under load"); each run's output is kept in ${VOLT_STRESS_DIR:-out/stress}/run-N.log.
set -u
RUNS=${1:?usage: under_load.sh RUNS COMMAND...}
shift
[ $# -gt 0 ] || { echo "usage: under_load.sh RUNS COMMAND..."; exit 2; }
command -v stress-ng >/dev/null || { echo "under_load: stress-ng is not installed (apt-get install stress-ng)"; exit 1; }
OUT=${VOLT_STRESS_DIR:-out/stress}
mkdir -p "$OUT"
# one CPU worker per online core, each at full load, until we stop it
stress-ng --cpu 0 --cpu-load 100 --timeout 0 --quiet > "$OUT/stress-ng.log" 2>&1 &
HOG=$!
trap 'kill $HOG 2>/dev/null; wait $HOG 2>/dev/null' EXIT
sleep 1
kill -0 $HOG 2>/dev/null || { echo "under_load: stress-ng did not start: $(tail -3 "$OUT/stress-ng.log")"; exit 1; }
echo "under_load: stress-ng --cpu 0 on $(nproc) cores; $RUNS runs of: $*"
failed=0
for i in $(seq "$RUNS"); do
  t0=$(date +%s)
  "$@" > "$OUT/run-$i.log" 2>&1
  rc=$?
  t=$(( $(date +%s) - t0 ))
  summary=$(grep -E "tests passed|tests failed" "$OUT/run-$i.log" | tr '\n' ';' | sed 's/;$//')
  echo "under_load: run $i: exit $rc in $t s ($summary)"
  if [ $rc -ne 0 ]; then
    failed=$((failed + 1))
    grep -E "\*\*\*Failed|Timeout|FAIL" "$OUT/run-$i.log" | head -10
  fi
done
echo "under_load: $((RUNS - failed)) of $RUNS runs passed under load"
[ $failed = 0 ]
