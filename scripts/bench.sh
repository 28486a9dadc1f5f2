#!/usr/bin/env bash
# Times a quarter close at scale, each step as a whole process: the first
# calc (new database, no statements), a second calc on unchanged inputs, a
# third that writes its calculation log again, the statements of the
# dealers, then of every payee. Prints wall time, CPU time, sales rows
# per second and peak memory (max RSS) per step, against the targets.
#
#   scripts/bench.sh                      # 4,000 dealers × 1,000,000 sales, about 30 programs
#   SALES=100000 DEALERS=400 scripts/bench.sh
#
# Settings (environment): DEALERS, SALES, SEED, PERIOD; BENCH_DIR (the
# generated workspace, reused while its options match; default under
# $TMPDIR); STEP_TIMEOUT (seconds per step, 0 = none); STATEMENTS=0 skips
# the statements steps (the dealers', then every payee's); WORKERS
# (statement renderers, 0 = one per core).
set -euo pipefail
cd "$(dirname "$0")/.."

DEALERS=${DEALERS:-4000}
SALES=${SALES:-1000000}
SEED=${SEED:-1}
PERIOD=${PERIOD:-2024Q3}
TMP=${TMPDIR:-/tmp}
WORK=${BENCH_DIR:-$TMP/incent-bench-$DEALERS-$SALES-$SEED-$PERIOD}
STEP_TIMEOUT=${STEP_TIMEOUT:-0}
STATEMENTS=${STATEMENTS:-1}
WORKERS=${WORKERS:-0}

# Targets on a 2-core machine.
TARGET_CALC_S=6
TARGET_SECOND_PCT=60
TARGET_STATEMENTS_S=30
TARGET_RSS_KB=$((1024 * 1024))

BIN_DIR=$(mktemp -d "$TMP/incent-bench-bin.XXXXXX")
trap 'rm -rf "$BIN_DIR"' EXIT
LOGS=$WORK.logs # each step's output and measurements, kept for a look afterwards
rm -rf "$LOGS"
mkdir -p "$LOGS"
BIN=$BIN_DIR/incent

echo "building incent"
go build -o "$BIN" ./cmd/incent

# GNU time gives wall time and max RSS; install it when we can, else fall
# back to bash's clock and polling /proc for the peak.
have_gnu_time() { [ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1; }
if ! have_gnu_time && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing GNU time"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1; } || true
fi
if have_gnu_time; then MEASURE=gnu; else MEASURE=proc; echo "GNU time not available: measuring with bash and /proc"; fi

WRAP=()
if [ "$STEP_TIMEOUT" != 0 ]; then WRAP=(timeout "$STEP_TIMEOUT"); fi

# measure NAME CMD...: runs CMD, leaving its output in $LOGS/NAME.out and
# setting WALL (seconds), CPU (user+system seconds, "-" when unknown),
# RSS_KB and CODE.
measure() {
  local name=$1
  shift
  local out=$LOGS/$name.out
  CODE=0
  # The previous step's files (a calc writes about 1.5 GB at a million
  # sales) go to disk first, so that their writeback is not charged here.
  sync
  if [ $MEASURE = gnu ]; then
    /usr/bin/time -v -o "$LOGS/$name.time" "${WRAP[@]}" "$@" >"$out" 2>&1 || CODE=$?
    WALL=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$LOGS/$name.time" |
      awk -F: '{ if (NF == 3) printf "%.2f", $1*3600 + $2*60 + $3; else printf "%.2f", $1*60 + $2 }')
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$LOGS/$name.time")
    CPU=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.1f+%.1f", u, s}' "$LOGS/$name.time")
  else
    local start end pid hwm
    CPU=-
    start=$(date +%s.%N)
    "${WRAP[@]}" "$@" >"$out" 2>&1 &
    pid=$!
    RSS_KB=0
    while kill -0 "$pid" 2>/dev/null; do
      # With a timeout wrapper the process to watch is its child.
      for p in "$pid" $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
        hwm=$(awk '/^VmHWM/ {print $2}' /proc/"$p"/status 2>/dev/null || true)
        if [ -n "$hwm" ] && [ "$hwm" -gt "$RSS_KB" ]; then RSS_KB=$hwm; fi
      done
      sleep 0.05
    done
    wait "$pid" || CODE=$?
    end=$(date +%s.%N)
    WALL=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  fi
}

ROWS=()
# record STEP TARGET VERDICT: adds a line to the table from WALL, RSS_KB, CODE.
record() {
  local rps mib
  rps=$(awk -v n="$SALES" -v s="$WALL" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }')
  mib=$(awk -v k="$RSS_KB" 'BEGIN { printf "%.0f", k / 1024 }')
  ROWS+=("$(printf '%-26s %9s %11s %12s %10s %5s   %-26s %s' "$1" "$WALL" "$CPU" "$rps" "$mib" "$CODE" "$2" "$3")")
}

verdict() { # verdict CONDITION...: ok when every awk condition holds and the step succeeded
  if [ "$CODE" = 0 ] && awk "BEGIN { exit !($1) }"; then echo ok; else echo MISS; fi
}

# The workspace: reused when incent.yaml names the same options.
HEADER="# incent gen --dealers $DEALERS --sales $SALES --seed $SEED --period $PERIOD"
if [ -f "$WORK/incent.yaml" ] && [ "$(head -n 1 "$WORK/incent.yaml")" = "$HEADER" ]; then
  echo "reusing $WORK"
else
  if [ -e "$WORK" ]; then
    if [ -f "$WORK/incent.yaml" ] && head -n 1 "$WORK/incent.yaml" | grep -q '^# incent gen '; then
      rm -rf "$WORK"
    else
      echo "$WORK exists and is not a generated workspace; set BENCH_DIR to another folder" >&2
      exit 2
    fi
  fi
  echo "generating $DEALERS dealers × $SALES sales into $WORK"
  measure gen "$BIN" gen "$WORK" --dealers "$DEALERS" --sales "$SALES" --seed "$SEED" --period "$PERIOD"
  if [ "$CODE" != 0 ]; then cat "$LOGS/gen.out"; exit 1; fi
  record "gen" "-" "-"
fi
rm -rf "$WORK/incent.db" "$WORK/incent.db-wal" "$WORK/incent.db-shm" "$WORK/incent.db.snapshot" "$WORK/incent.db.lastlog" "$WORK/out"
# An earlier run's statements are gigabytes of files: their removal and
# whatever the disk still has to write go before the clock starts, not
# into the first calc.
sync
CFG=$WORK/incent.yaml
PROGRAMS=$(ls "$WORK/programs" | wc -l)

echo "calc 1: new database, no statements"
measure calc1 "$BIN" calc --config "$CFG" --period "$PERIOD" --statements=false
FIRST=$WALL
record "calc (first)" "<= ${TARGET_CALC_S} s, <= 1 GiB" "$(verdict "$WALL <= $TARGET_CALC_S && $RSS_KB <= $TARGET_RSS_KB")"
if [ "$CODE" != 0 ]; then tail -n 5 "$LOGS/calc1.out"; fi

echo "calc 2: unchanged inputs, no statements"
measure calc2 "$BIN" calc --config "$CFG" --period "$PERIOD" --statements=false
RUN=$(sed -n 's/^Run \([^ ]*\) for .*/\1/p' "$LOGS/calc2.out")
PCT=$(awk -v a="$WALL" -v b="$FIRST" 'BEGIN { if (b > 0) printf "%.0f", 100 * a / b; else print 0 }')
record "calc (second)" "<= ${TARGET_SECOND_PCT}% of first (${PCT}%)" "$(verdict "$PCT <= $TARGET_SECOND_PCT && $RSS_KB <= $TARGET_RSS_KB")"
if [ "$CODE" != 0 ]; then tail -n 5 "$LOGS/calc2.out"; fi

# The second calc takes the first run's calculation log (see the README's
# Decisions); this one, without the record of it, writes its log again,
# as a rerun after any change to the inputs or programs does.
echo "calc 3: unchanged inputs, the log written again, no statements"
rm -f "$WORK/incent.db.lastlog"
measure calc3 "$BIN" calc --config "$CFG" --period "$PERIOD" --statements=false
PCT=$(awk -v a="$WALL" -v b="$FIRST" 'BEGIN { if (b > 0) printf "%.0f", 100 * a / b; else print 0 }')
record "calc (log written again)" "- (${PCT}% of first)" "-"
if [ "$CODE" != 0 ]; then tail -n 5 "$LOGS/calc3.out"; fi

if [ "$STATEMENTS" != 0 ]; then
  if [ -z "$RUN" ]; then
    echo "no run id in the second calc's output; statements not measured" >&2
  else
    # The target is for the dealers' statements; every payee (salespeople
    # and groups too) is measured after them.
    echo "statements of the dealers of run $RUN"
    measure statements "$BIN" statements --config "$CFG" --run "$RUN" --type dealer --workers "$WORKERS"
    N=$(ls "$WORK"/out/"$PERIOD"/"$RUN"/statements/ 2>/dev/null | grep -c '\.pdf$' || true)
    record "statements, dealers ($N)" "<= ${TARGET_STATEMENTS_S} s, <= 1 GiB" "$(verdict "$WALL <= $TARGET_STATEMENTS_S && $RSS_KB <= $TARGET_RSS_KB")"
    if [ "$CODE" != 0 ]; then tail -n 5 "$LOGS/statements.out"; fi
    echo "statements of every payee of run $RUN"
    measure statements-all "$BIN" statements --config "$CFG" --run "$RUN" --workers "$WORKERS"
    N=$(ls "$WORK"/out/"$PERIOD"/"$RUN"/statements/ 2>/dev/null | grep -c '\.pdf$' || true)
    record "statements, all ($N)" "-" "-"
    if [ "$CODE" != 0 ]; then tail -n 5 "$LOGS/statements-all.out"; fi
  fi
fi

echo
echo "$DEALERS dealers × $SALES sales rows × $PROGRAMS program files, $(nproc) cores, measured with $MEASURE"
echo "workspace $WORK, logs $LOGS"
# Transparent huge pages change these figures much: on Linux a large close
# spends a good part of its CPU on page faults, which huge pages make rarer.
THP=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || true)
if [ -n "$THP" ]; then echo "transparent huge pages: $THP (see Performance in the README)"; fi
# CPU is user+system seconds: the machine's slow phases show there first.
printf '%-26s %9s %11s %12s %10s %5s   %-26s %s\n' "step" "wall s" "CPU s" "rows/s" "max RSS MiB" "exit" "target" ""
for r in "${ROWS[@]}"; do echo "$r"; done
