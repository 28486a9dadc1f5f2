#!/usr/bin/env bash
# Makes cmd/incent/default.pgo again: the CPU profile that `go build`,
# `go install` and `go run` optimise incent with (profile-guided
# optimisation: the calls a quarter close makes most are inlined). It is
# the profile of the three steps scripts/bench.sh times, on a generated
# quarter: a first calc, a second calc on unchanged inputs, and the
# dealers' statements.
#
#   scripts/pgo.sh                        # 4,000 dealers × 1,000,000 sales
#   SALES=100000 DEALERS=400 scripts/pgo.sh
#
# Run it after changes to the hot paths (calc, ingest, the log, the
# statements), and commit the new default.pgo with them. A profile left
# behind by the code costs only some of the gain, never a wrong result:
# the optimisation changes no output.
set -euo pipefail
cd "$(dirname "$0")/.."

DEALERS=${DEALERS:-4000}
SALES=${SALES:-1000000}
SEED=${SEED:-1}
PERIOD=${PERIOD:-2024Q3}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/incent-pgo.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
BIN=$TMP/incent
WORK=$TMP/work

# The profiled build is made without the current profile, so that the new
# one does not depend on the old, and without this machine's paths.
echo "building incent"
go build -pgo=off -trimpath -o "$BIN" ./cmd/incent
echo "generating $DEALERS dealers × $SALES sales"
"$BIN" gen "$WORK" --dealers "$DEALERS" --sales "$SALES" --seed "$SEED" --period "$PERIOD" >/dev/null

step() {
  local name=$1
  shift
  echo "profiling: $name"
  (cd "$WORK" && INCENT_CPUPROFILE="$TMP/$name.prof" "$BIN" "$@" >"$TMP/$name.out" 2>&1) ||
    { tail -n 5 "$TMP/$name.out"; exit 1; }
}
step calc1 calc --period "$PERIOD" --statements=false
step calc2 calc --period "$PERIOD" --statements=false
step statements statements --run "$PERIOD-R001" --type dealer

go tool pprof -proto "$TMP/calc1.prof" "$TMP/calc2.prof" "$TMP/statements.prof" >cmd/incent/default.pgo 2>/dev/null
echo "wrote cmd/incent/default.pgo ($(wc -c <cmd/incent/default.pgo) bytes)"
