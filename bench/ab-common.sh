# bench/ab-common.sh — sourced by bench/ab-model and bench/ab-features (the paired A/B benches).
# ab_prepare NAME REV_A [REV_B]: checks that $BUILD holds the libraries the drivers link, makes
# $TMP (removed on exit) and puts engine/ and simd/ of REV_A in $TMP/A and of REV_B in $TMP/B (the
# work tree, $ROOT, when REV_B is empty). Expects ROOT and BUILD set.
ab_prepare() {
  local name=$1 l
  for l in engine/libvolt_core.a simd/libvolt_simd.a ring/libvolt_ring.a; do
    [ -f "$BUILD/$l" ] || { echo "bench/$name: $BUILD/$l missing: build first (make build)" >&2; exit 1; }
  done
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
  ab_fetch_ "$2" "$TMP/A"
  ab_fetch_ "${3:-}" "$TMP/B"
}

ab_fetch_() { # REV DIR
  mkdir -p "$2"
  if [ -z "$1" ]; then
    cp -r "$ROOT/engine" "$ROOT/simd" "$2/"
  else
    git -C "$ROOT" archive "$1" engine simd | tar -x -C "$2"
  fi
}

# ab_src DIR PATH: PATH (e.g. engine/features/features.c) inside a fetched revision DIR, or, for a
# revision from before engine/ had folders, the file of the same name directly in engine/.
ab_src() {
  if [ -f "$1/$2" ]; then echo "$2"; else echo "engine/$(basename "$2")"; fi
}
