#!/usr/bin/env bash
# Start-up benchmark for `bin/camel run` (issue 10 item 7): time until GET /connect/x-series answers
# 302, and resident memory of the java process at rest.
#
#   bench/startup.sh [RUNS] [-- extra arguments for bin/camel run]
#
# Two warm-up runs first (outside the timing: they fetch the CLI, compile, make the class-data
# archive and take it into use), then RUNS timed starts (default 5). For each: seconds to ready (wall clock, from the
# launch of bin/camel), CPU seconds the JVM used until ready (less sensitive to a busy machine),
# VmRSS of the java process after STARTUP_REST_SECONDS (default 5) at rest, and the load average.
# Environment: STARTUP_PORT (default 18480; the management server gets the next one), JAVA_OPTS (passed to bin/camel, e.g. to compare flags),
# STARTUP_TARGET_SECONDS (3), STARTUP_TARGET_RSS_MB (200).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
if [ $# -gt 0 ] && [ "$1" != "--" ]; then runs=$1; shift; fi
[ "${1:-}" = "--" ] && shift
extra=("$@")
port=${STARTUP_PORT:-18480}
mport=$((port + 1))   # Camel's management port, when the config turns that server on
rest=${STARTUP_REST_SECONDS:-5}
target_s=${STARTUP_TARGET_SECONDS:-3}
target_mb=${STARTUP_TARGET_RSS_MB:-200}
out=bench/out/startup
mkdir -p "$out"
clk=$(getconf CLK_TCK)

if curl -s -o /dev/null --max-time 1 "http://localhost:$port/"; then
  echo "port $port is in use: set STARTUP_PORT" >&2; exit 2
fi

pid=""
# SIGTERM, then SIGKILL after $1 tenths of a second (default 100). The warm-up runs get longer: a run
# without a class-data archive records its class list, which bin/camel uses only if the run stopped cleanly
stop() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 "${1:-100}"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  pid=""
}
trap stop EXIT

# one start: prints "READY_S CPU_S RSS_MB LOAD1"
one() {
  local log=$1
  local t0 t1 code="" ready cpu rss
  t0=$(date +%s%N)
  bin/camel run --property=camel.server.port="$port" --property=camel.management.port="$mport" "${extra[@]}" >"$log" 2>&1 &
  pid=$!   # bin/camel execs java: this is the JVM's pid
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://localhost:$port/connect/x-series" || true)
    [ "$code" = 302 ] && break
    if ! kill -0 "$pid" 2>/dev/null; then echo "bin/camel exited; see $log" >&2; exit 1; fi
    if [ $(( ($(date +%s%N) - t0) / 1000000000 )) -gt 300 ]; then echo "not ready in 300 s; see $log" >&2; exit 1; fi
    sleep 0.05
  done
  t1=$(date +%s%N)
  ready=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
  # utime + stime of the JVM (fields 14 and 15 of /proc/PID/stat; the name field has no spaces here)
  cpu=$(awk -v c="$clk" '{ printf "%.2f", ($14 + $15) / c }' "/proc/$pid/stat")
  sleep "$rest"
  rss=$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  stop "${STOP_TENTHS:-100}"
  echo "$ready $cpu $rss $load"
}

# two warm-up runs: the first may fetch the CLI, compile and record the list of classes it loads; the second
# makes the class-data archive from that list before its JVM starts (bin/camel), so every timed run maps it
echo "warm-up runs (not timed)..."
STOP_TENTHS=1200 one "$out/warmup-1.log" >/dev/null
STOP_TENTHS=1200 one "$out/warmup-2.log" >/dev/null
printf '%-5s %10s %10s %8s %6s\n' run ready_s cpu_s rss_mb load1
results=()
for i in $(seq 1 "$runs"); do
  r=$(one "$out/run-$i.log")
  results+=("$r")
  # shellcheck disable=SC2086
  printf '%-5s %10s %10s %8s %6s\n' "$i" $r
done

printf '%s\n' "${results[@]}" | awk -v ts="$target_s" -v tm="$target_mb" -v cores="$(nproc)" '
  { r[NR] = $1; c[NR] = $2; m[NR] = $3; l[NR] = $4 }
  function sort(a, n,   i, j, t) { for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t } }
  function med(a, n) { return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2 }
  END {
    n = NR; sort(r, n); sort(c, n); sort(m, n); sort(l, n)
    printf "ready  min %.2f s  median %.2f s   (target <= %s s)\n", r[1], med(r, n), ts
    printf "cpu    min %.2f s  median %.2f s   (JVM CPU time until ready)\n", c[1], med(c, n)
    printf "rss    min %d MB   median %d MB    (target <= %s MB, after the rest period)\n", m[1], med(m, n), tm
    printf "load   min %.2f    median %.2f     (1-minute load average, %d cores)\n", l[1], med(l, n), cores
    printf "targets: ready %s, rss %s\n", (med(r, n) <= ts ? "MET" : "NOT MET"), (med(m, n) <= tm ? "MET" : "NOT MET")
  }'
