#!/usr/bin/env bash
# Proxy benchmark (not part of `mvn test`). One static upstream, nginx returning a ~200-byte JSON
# body, measured three ways in one run, all on loopback (127.0.0.1):
#   (a) directly;
#   (b) through nginx as a plain reverse proxy adding a fixed Authorization header (the floor of
#       what any proxy costs);
#   (c) through the bridge (booted in-process by io.lsbridge.bench.ProxyBenchmark) over 100 seeded
#       connections of a profile whose API base is that upstream, rate limit 1000/s per connection
#       (never reached; see ProxyBenchmark for why not more).
# Peak: wrk -t2 -c32, each request on a random one of the 100 connections (tenants, for a and b).
# Latency at a fixed 1,000 requests/s: 10 hey processes, each -c 1 -q 100 on its own connection
# (connections 0..9; tenants bench-0..9 for a and b), per-request times merged into p50/p99.
# Then (d), in the same JVM and run: a bare Camel proxy route (platform-http -> camel-http, none of the
# bridge's steps), the floor of what the bridge's Camel proxy can do here; the targets compare (c) to it.
# At the end the bridge side prints the heap held by its rate state for 1,000 X-Series connections each
# sent 350 requests (RateLimits, measured after full GCs).
# Prints requests/s, c/a, c/b and c/d, p50/p99 of each and whether the targets are met; exits 0 even when
# they are not (it is a measurement). Installs wrk, nginx and hey from Debian if absent.
#
#   bench/proxy-bench.sh [bridge.property=value ...]
# Environment: BENCH_SECONDS (each measured run, default 10), BENCH_WARMUP (bridge warm-up under
# load before its runs, default 40), BENCH_CONNECTIONS (wrk connections, default 32),
# BENCH_JAVA_OPTS (default -Xmx1g), BENCH_OUT (default bench/out/proxy-<time>).
# Targets (issue 8): (c) >= 0.8 x (d) requests/s at peak; p99 of (c) at 1,000/s within 1 ms of (d);
# rate state for 1,000 connections x 350 requests <= 8 MB. Ratios measured in one run are what count.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-40}
FLOOR_WARMUP=$(( WARMUP / 4 > 3 ? WARMUP / 4 : 3 ))
CONNS=${BENCH_CONNECTIONS:-32}
JAVA_OPTS=${BENCH_JAVA_OPTS:--Xmx1g}
RATE_PROCS=10          # hey processes at the fixed rate
RATE_PER_PROC=100      # requests/s each: 1,000/s in all
TARGET_RATIO=0.8
TARGET_P99_GAP_MS=1

# ---------------------------------------------------------------- tools
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v hey >/dev/null || need+=(hey)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing ${need[*]} from Debian"
    if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else
        echo "need root (or sudo) to install ${need[*]}" >&2; exit 2; fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath

OUT=${BENCH_OUT:-bench/out/proxy-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"/nginx/tmp "$OUT"/runs
OUT=$(cd "$OUT" && pwd)

free_port() {   # a port nothing on 127.0.0.1 listens on
    local p
    while :; do
        p=$((20000 + RANDOM % 20000))
        (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo $p; return; }
    done
}
UP_PORT=$(free_port)
PX_PORT=$(free_port)
while [ "$PX_PORT" = "$UP_PORT" ]; do PX_PORT=$(free_port); done

NGINX_PID= JAVA_PID=
cleanup() {
    [ -n "$JAVA_PID" ] && kill "$JAVA_PID" 2>/dev/null || true
    [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- nginx: upstream (a) and plain proxy (b)
# The upstream echoes the Authorization it received, so each path can be checked before it is measured.
cat > "$OUT/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $OUT/nginx/tmp/body;
    proxy_temp_path $OUT/nginx/tmp/proxy;
    fastcgi_temp_path $OUT/nginx/tmp/fastcgi;
    uwsgi_temp_path $OUT/nginx/tmp/uwsgi;
    scgi_temp_path $OUT/nginx/tmp/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    upstream bench_upstream {
        server 127.0.0.1:$UP_PORT;
        keepalive 64;
    }
    server {   # (a) the static upstream
        listen 127.0.0.1:$UP_PORT;
        default_type application/json;
        location / {
            return 200 '{"auth":"\$http_authorization","items":[{"id":1,"sku":"BENCH-0001","name":"Bench item one","price":"9.99"},{"id":2,"sku":"BENCH-0002","name":"Bench item two","price":"19.99"}],"page":{"size":2,"next":null}}';
        }
    }
    server {   # (b) a plain reverse proxy adding a fixed Authorization header
        listen 127.0.0.1:$PX_PORT;
        location / {
            proxy_pass http://bench_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Authorization "Bearer fixed";
        }
    }
}
EOF
"$NGINX" -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf" -e "$OUT/nginx/error.log" &
NGINX_PID=$!

# ---------------------------------------------------------------- the bridge (c)
java $JAVA_OPTS -Dbench.upstream="http://127.0.0.1:$UP_PORT" -Dbench.out="$OUT" \
    -cp "target/test-classes:target/classes:$(cat target/test.classpath)" io.lsbridge.bench.ProxyBenchmark "$@" \
    >"$OUT/bridge.out" 2>&1 &
JAVA_PID=$!
for _ in $(seq 1 600); do
    [ -f "$OUT/bridge.env" ] && break
    kill -0 "$JAVA_PID" 2>/dev/null || { echo "the bridge did not start:" >&2; tail -40 "$OUT/bridge.out" >&2; exit 1; }
    sleep 0.2
done
[ -f "$OUT/bridge.env" ] || { echo "the bridge did not come up within 120 s" >&2; exit 1; }
# shellcheck disable=SC1091
. "$OUT/bridge.env"
mapfile -t IDS < "$OUT/ids.txt"
sed -n '1,4p' "$OUT/bridge.out"
echo "upstream (a) 127.0.0.1:$UP_PORT, nginx proxy (b) 127.0.0.1:$PX_PORT, bridge (c) 127.0.0.1:$BRIDGE_PORT;" \
     "output in $OUT"

A_URL="http://127.0.0.1:$UP_PORT"
B_URL="http://127.0.0.1:$PX_PORT"
C_URL="http://127.0.0.1:$BRIDGE_PORT"
path_of() {   # path of request k on target a|b|c|d: the same upstream path /t/bench-k/items in the end
    case $1 in c) echo "/api/${IDS[$2]}/items";; d) echo "/floor/t/bench-$2/items";; *) echo "/t/bench-$2/items";; esac
}
url_of() { case $1 in a) echo "$A_URL";; b) echo "$B_URL";; c|d) echo "$C_URL";; esac; }

# each path answers 200 with the header its upstream call should carry
for t in a b c d; do
    want=""; [ $t = b ] || [ $t = d ] && want="Bearer fixed"; [ $t = c ] && want="Bearer bench-token-7"
    body=$(curl -s -m 10 -w ' HTTP%{http_code}' -H "X-Api-Key: $BRIDGE_KEY" "$(url_of $t)$(path_of $t 7)")
    case "$body" in
        *"\"auth\":\"$want\""*HTTP200) ;;
        *) echo "($t) answered unexpectedly: $body" >&2; exit 1 ;;
    esac
done
echo "checked: (a) no Authorization, (b) and (d) 'Bearer fixed', (c) the connection's own token; all 200"

# wrk scripts: the same requests (X-Api-Key sent everywhere), a random one of the 100 connections each time
for t in a b c d; do
    {
        echo "local paths = {"
        for i in "${!IDS[@]}"; do echo "  \"$(path_of $t "$i")\","; done
        echo "}"
        cat <<EOF
local reqs = {}
function init(args)
    wrk.headers["X-Api-Key"] = "$BRIDGE_KEY"
    for i, p in ipairs(paths) do reqs[i] = wrk.format("GET", p) end
end
function request() return reqs[math.random(#reqs)] end
EOF
    } > "$OUT/runs/wrk-$t.lua"
done

# ---------------------------------------------------------------- CPU accounting from /proc
TCK=$(getconf CLK_TCK)
proc_ticks() {   # utime+stime of the given pids (children included for nginx workers)
    local s=0 p t
    for p in "$@"; do
        # a process may end between listing and reading (an nginx worker, wrk): count it as 0
        t=$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$p/stat" 2>/dev/null) || t=0
        s=$((s + ${t:-0}))
    done
    echo $s
}
machine_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }   # busy total
thread_ticks() {   # "tid<TAB>name<TAB>ticks" for each bridge JVM thread (JIT and GC threads included)
    awk '{ i = index($0, "("); j = match($0, /\) [A-Z] /); split(substr($0, j + 2), a, " ")
           n = split(FILENAME, p, "/"); print p[n-1] "\t" substr($0, i + 1, j - i - 1) "\t" a[12] + a[13] }' \
        /proc/"$JAVA_PID"/task/*/stat 2>/dev/null || true
}
thread_split() {   # the bridge JVM's CPU over a run by thread group, in cores, busiest first
    awk -F'\t' -v tck="$TCK" -v s="$2" 'FNR == NR { b[$1] = $3; next }
        { g = $2; gsub(/[0-9#]+$/, "*", g); c[g] += $3 - b[$1]; t += $3 - b[$1] }
        END { for (g in c) if (c[g] / tck / s >= 0.005) printf "%.2f\t%s\n", c[g] / tck / s, g; printf "%.2f\t%s\n", t / tck / s, "TOTAL" }' \
        "$OUT/runs/jvm-threads-$1.before" "$OUT/runs/jvm-threads-$1.after" | sort -rn > "$OUT/runs/jvm-threads-$1.txt"
    JVM_SPLIT[$1]=$(grep -v TOTAL "$OUT/runs/jvm-threads-$1.txt" | head -8 | awk -F'\t' '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')
}
nginx_pids() { echo "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"; }

declare -A RATE_US OTHER JVM_SPLIT RPS P50 P99 PEAK_P50 PEAK_P99 ERRS CPU RATE_RPS RATE_ERRS

peak() {   # peak <target> <label> <seconds>: wrk, requests/s and the CPU split over the run
    local t=$1 label=$2 secs=$3 f="$OUT/runs/wrk-$1-$2.txt"
    local n0 j0 m0 w0 n1 j1 m1
    n0=$(proc_ticks $(nginx_pids)); j0=$(proc_ticks "$JAVA_PID"); read -r m0 w0 < <(machine_ticks)
    case $t in c|d) thread_ticks > "$OUT/runs/jvm-threads-$t-$label.before";; esac
    wrk -t2 -c"$CONNS" -d"${secs}s" --latency -s "$OUT/runs/wrk-$t.lua" "$(url_of "$t")" > "$f" 2>&1 &
    local wpid=$!
    sleep 1; local k0; k0=$(proc_ticks $wpid)   # wrk's own CPU, from 1 s in
    sleep $((secs - 2)); local k1; k1=$(proc_ticks $wpid)
    wait $wpid || { echo "wrk failed on ($t):" >&2; cat "$f" >&2; return 1; }
    n1=$(proc_ticks $(nginx_pids)); j1=$(proc_ticks "$JAVA_PID"); read -r m1 w1 < <(machine_ticks)
    case $t in c|d) thread_ticks > "$OUT/runs/jvm-threads-$t-$label.after"; thread_split "$t-$label" "$secs";; esac
    [ "$label" = warmup ] && return 0
    local rps; rps=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$f")
    if [ "$label" = peak2 ] && [ "${RPS[$t]:-0}" -ge "$rps" ]; then
        printf "  (%s) %-6s %7s req/s  (the first run's %s counts)\n" "$t" "$label" "$rps" "${RPS[$t]}"
        return 0
    fi
    RPS[$t]=$rps
    PEAK_P50[$t]=$(awk '$1=="50%"{print $2}' "$f"); PEAK_P99[$t]=$(awk '$1=="99%"{print $2}' "$f")
    local non2xx sockerr
    non2xx=$(awk '/Non-2xx/{print $NF}' "$f"); sockerr=$(awk '/Socket errors/{print}' "$f")
    ERRS[$t]="${non2xx:-0} non-2xx${sockerr:+; $sockerr}"
    OTHER[$t]=$(awk -v tck="$TCK" -v s="$secs" -v wk=$((k1 - k0)) -v ws=$((secs - 2)) -v ng=$((n1 - n0)) -v jv=$((j1 - j0)) \
        -v busy=$((m1 - m0)) -v t="$t" 'BEGIN{ o = (busy - ng - (t == "c" || t == "d" ? jv : 0)) / tck / s - wk / tck / ws
            printf "%.2f", (o < 0 ? 0 : o) }')
    CPU[$t]=$(awk -v tck="$TCK" -v s="$secs" -v wk=$((k1 - k0)) -v ws=$((secs - 2)) -v ng=$((n1 - n0)) -v jv=$((j1 - j0)) \
        -v busy=$((m1 - m0)) -v tot=$((w1 - w0)) -v t="$t" -v r="${RPS[$t]}" 'BEGIN{
            c = tot / tck / s                                      # cores present
            w = wk / tck / ws; n = ng / tck / s; j = jv / tck / s; b = busy / tck / s
            jt = (t == "c" || t == "d"); o = b - w - n - (jt ? j : 0); if (o < 0) o = 0
            printf "wrk %.2f, nginx %.2f%s, other %.2f, idle %.2f (cores); per request: nginx %.0f us%s", w, n,
                (jt ? sprintf(", bridge JVM %.2f", j) : ""), o, c - b, n / r * 1e6,
                (jt ? sprintf(", bridge JVM %.0f us", j / r * 1e6) : "") }')
    printf "  (%s) %-6s %7s req/s  (wrk latency p50 %s p99 %s; %s)\n      CPU: %s\n" "$t" "$label" "${RPS[$t]}" \
        "${PEAK_P50[$t]}" "${PEAK_P99[$t]}" "${ERRS[$t]}" "${CPU[$t]}"
    case $t in c|d) printf "      bridge JVM threads (cores): %s\n" "${JVM_SPLIT[$t-$label]}";; esac
}

rate() {   # rate <target>: 10 hey processes x 100 requests/s, p50/p99 of all requests
    local t=$1 pids=() k j0 j1
    j0=$(proc_ticks "$JAVA_PID")
    for k in $(seq 0 $((RATE_PROCS - 1))); do
        hey -z "${SECONDS_PER_RUN}s" -c 1 -q "$RATE_PER_PROC" -o csv -H "X-Api-Key: $BRIDGE_KEY" \
            "$(url_of "$t")$(path_of "$t" "$k")" > "$OUT/runs/hey-$t-$k.csv" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}"
    j1=$(proc_ticks "$JAVA_PID")
    # csv: response-time (s), ..., status-code (7th); merged, sorted, nearest-rank percentiles
    local stats
    stats=$(cat "$OUT"/runs/hey-"$t"-*.csv | awk -F, 'NR>0 && $1 ~ /^[0-9.]+$/ {print $1*1000, $7}' | sort -n -k1,1 |
        awk -v secs="$SECONDS_PER_RUN" '{v[NR]=$1; if ($2 != 200) e++} END{
            if (NR == 0) {print "0 - - 0"; exit}
            i50 = int(NR*0.50); if (i50 < NR*0.50) i50++; i99 = int(NR*0.99); if (i99 < NR*0.99) i99++
            printf "%.0f %.2f %.2f %d\n", NR/secs, v[i50], v[i99], e+0 }')
    local r50 r99 rr re
    read -r rr r50 r99 re <<< "$stats"
    # measured twice for (c) and (d), alternately: the lower p99 of the two counts
    if [ -n "${P99[$t]:-}" ] && awk -v o="${P99[$t]}" -v n="$r99" 'BEGIN{exit !(o <= n)}'; then
        printf "  (%s) at %d/s requested: p50 %s ms, p99 %s ms (the earlier run's p99 %s counts)\n" "$t" \
            $((RATE_PROCS * RATE_PER_PROC)) "$r50" "$r99" "${P99[$t]}"
        return 0
    fi
    RATE_RPS[$t]=$rr; P50[$t]=$r50; P99[$t]=$r99; RATE_ERRS[$t]=$re
    RATE_US[$t]=$(awk -v d=$((j1 - j0)) -v tck="$TCK" -v s="$SECONDS_PER_RUN" -v r="${RATE_RPS[$t]}" \
        'BEGIN{ if (r > 0) printf "%.0f", d / tck / s / r * 1e6 }')
    printf "  (%s) at %d/s requested: %s req/s done, p50 %s ms, p99 %s ms, %s non-200%s\n" "$t" \
        $((RATE_PROCS * RATE_PER_PROC)) "${RATE_RPS[$t]}" "${P50[$t]}" "${P99[$t]}" "${RATE_ERRS[$t]}" \
        "$(case $t in c|d) echo "; bridge JVM ${RATE_US[$t]} us CPU per request";; esac)"
}

# ---------------------------------------------------------------- runs
echo "peak: wrk -t2 -c$CONNS -d${SECONDS_PER_RUN}s, random connection per request"
peak a peak "$SECONDS_PER_RUN"
peak b peak "$SECONDS_PER_RUN"
echo "  (c) warm-up ${WARMUP}s under load (JIT), sampling the bridge's threads over its last part"
SAMPLE=$(( WARMUP / 3 < 10 ? WARMUP / 3 : 10 ))
( sleep $((WARMUP - SAMPLE - 1)); echo "$SAMPLE warmup" > "$OUT/sample.request" ) &
peak c warmup "$WARMUP"
echo "(d): a bare Camel proxy route in the bridge's JVM (same Vert.x server and http component, none of the"
echo "  bridge's steps); warm-up ${FLOOR_WARMUP}s"
peak d warmup "$FLOOR_WARMUP"
echo "(c) and (d) measured alternately, twice each; the better of each pair counts (the machine may be shared)"
peak c peak "$SECONDS_PER_RUN"
peak d peak "$SECONDS_PER_RUN"
peak c peak2 "$SECONDS_PER_RUN"
peak d peak2 "$SECONDS_PER_RUN"
echo "latency at a fixed $((RATE_PROCS * RATE_PER_PROC)) requests/s: $RATE_PROCS hey -c 1 -q $RATE_PER_PROC -z ${SECONDS_PER_RUN}s"
rate a
rate b
rate c
rate d
rate c
rate d

touch "$OUT/stop"
for _ in $(seq 1 100); do kill -0 "$JAVA_PID" 2>/dev/null || break; sleep 0.2; done
wait "$JAVA_PID" 2>/dev/null || true
JAVA_PID=
grep -E '^bridge log:|^rate state:' "$OUT/bridge.out" || true

# ---------------------------------------------------------------- summary
ratio() { awk -v x="$1" -v y="$2" 'BEGIN{ if (y > 0) printf "%.3f", x / y; else print "n/a" }'; }
met() { if [ "$1" = 1 ]; then echo MET; else echo "NOT MET"; fi; }
t1=$(awk -v c="${RPS[c]:-0}" -v d="${RPS[d]:-0}" -v t=$TARGET_RATIO 'BEGIN{print (d > 0 && c / d >= t) ? 1 : 0}')
gap=$(awk -v c="${P99[c]}" -v d="${P99[d]}" 'BEGIN{printf "%.2f", c - d}')
t2=$(awk -v g="$gap" -v t=$TARGET_P99_GAP_MS -v e="${RATE_ERRS[c]}" 'BEGIN{print (g <= t && e == 0) ? 1 : 0}')
{
    echo
    echo "==== proxy benchmark summary ($(nproc) cores; $(date -u +%Y-%m-%dT%H:%M:%SZ); bridge overrides: ${*:-none})"
    printf "peak requests/s (wrk -t2 -c%s, %ss):  (a) direct %s   (b) nginx proxy %s   (c) bridge %s\n" \
        "$CONNS" "$SECONDS_PER_RUN" "${RPS[a]}" "${RPS[b]}" "${RPS[c]}"
    printf "ratios: c/a %s   c/b %s   (b/a %s)\n" "$(ratio "${RPS[c]}" "${RPS[a]}")" "$(ratio "${RPS[c]}" "${RPS[b]}")" \
        "$(ratio "${RPS[b]}" "${RPS[a]}")"
    printf "errors at peak: (a) %s  (b) %s  (c) %s\n" "${ERRS[a]}" "${ERRS[b]}" "${ERRS[c]}"
    printf "latency at 1,000 req/s, p50 / p99 ms:  (a) %s / %s   (b) %s / %s   (c) %s / %s\n" \
        "${P50[a]}" "${P99[a]}" "${P50[b]}" "${P99[b]}" "${P50[c]}" "${P99[c]}"
    printf "CPU during the peak of (c): %s\n" "${CPU[c]}"
    printf "  bridge JVM by thread group (cores): %s\n" "${JVM_SPLIT[c-peak]}"
    printf "  same, over the %ss warm-up: %s\n" "$WARMUP" "${JVM_SPLIT[c-warmup]}"
    printf "bridge JVM CPU per request at 1,000 req/s: (c) %s us, (d) %s us\n" "${RATE_US[c]}" "${RATE_US[d]}"
    printf "diagnostic (d) bare Camel proxy route, same JVM: %s req/s at peak (c/d %s), p50 / p99 at 1,000 req/s %s / %s ms\n" \
        "${RPS[d]}" "$(ratio "${RPS[c]}" "${RPS[d]}")" "${P50[d]}" "${P99[d]}"
    printf "  CPU during its peak: %s\n" "${CPU[d]}"
    noisy=$(for t in a b c d; do awk -v o="${OTHER[$t]:-0}" -v t="$t" 'BEGIN{ if (o > 0.2) printf " (%s) %.2f", t, o }'; done)
    [ -n "$noisy" ] && echo "NOTE: other processes used cores during the peak runs:$noisy; the machine was shared, rerun to confirm"
    printf "target 1: (c)/(d) >= %s at peak: %s -> %s\n" $TARGET_RATIO "$(ratio "${RPS[c]}" "${RPS[d]}")" "$(met "$t1")"
    printf "target 2: p99 of (c) within %d ms of (d) at 1,000 req/s: %s ms apart -> %s\n" $TARGET_P99_GAP_MS "$gap" "$(met "$t2")"
    grep -E '^rate state:' "$OUT/bridge.out" | sed 's/^/target 3: /' || echo "target 3: rate state figure missing (see $OUT/bridge.out)"
    echo "bridge thread sample (last ${SAMPLE}s of the warm-up): $OUT/profile-warmup.txt"
} | tee "$OUT/summary.txt"
exit 0
