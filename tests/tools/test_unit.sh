#!/usr/bin/env bash
# tests/tools/test_unit.sh — docs/examples/volt.service, the systemd unit of docs/operations.md:
# systemd's own security analysis (offline: no running systemd needed) rates its exposure at most
# 1.5 of 10, and the confinement it claims is there. Skips, saying why, without systemd-analyze.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib.sh" unit
UNIT=$SRC/docs/examples/volt.service
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIP: no systemd-analyze on this machine (Debian: systemd)"; exit 0
fi
out=$(cd /tmp && systemd-analyze security --offline=yes --threshold=15 "$UNIT" 2>&1); rc=$?
score=$(echo "$out" | sed -n 's/.*Overall exposure level for volt.service: \([0-9.]*\).*/\1/p')
check "systemd-analyze security rates the unit's exposure ${score:-?} (at most 1.5)" $rc "$(echo "$out" | tail -3)"
ok=0; for k in "User=volt" "NoNewPrivileges=yes" "ProtectSystem=strict" "ReadWritePaths=/var/lib/volt" "TimeoutStopSec=" "RestartPreventExitStatus=2"; do
  grep -q "^$k" "$UNIT" || { ok=1; echo "  missing: $k"; }
done
check "own user, no new privileges, read-only system but for the journal directory, a stop bound" $ok ""
finish
