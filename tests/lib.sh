# tests/lib.sh — what the shell tests share (source it: . "$(dirname "$0")/../lib.sh" NAME):
# T, a temporary folder removed at exit (with any background job), and PASS/FAIL lines counted.
T=$(mktemp -d "/tmp/volt_${1:-test}_XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
pass=0; fail=0
# check NAME STATUS [DETAIL]: PASS when STATUS is 0, else FAIL with the detail
check() {
  if [ "$2" -eq 0 ]; then echo "PASS $1"; pass=$((pass+1)); else echo "FAIL $1${3:+: $3}"; fail=$((fail+1)); fi
}
# the count, and the script's status
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
# need_py MODULE WHAT: $SRC/.venv's python in PY, or a FAIL line and exit when it lacks MODULE
need_py() {
  PY=$SRC/.venv/bin/python
  "$PY" -c "import $1" 2>/dev/null || { echo "FAIL $2 needs $SRC/.venv with $1: run tools/bootstrap"; exit 1; }
}
# metrics_port LOG: waits (10 s at most) for volt's "metrics on http://127.0.0.1:PORT/" line in LOG
# and prints PORT (nothing when it never came)
metrics_port() {
  local p=""
  for _ in $(seq 100); do
    p=$(sed -n 's|^volt: metrics on http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$1")
    [ -n "$p" ] && break
    sleep 0.1
  done
  echo "$p"
}
