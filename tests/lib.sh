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
