#!/usr/bin/env bash
# Benchmark of the Quartz refresh loop (not part of `mvn test`): boots the bridge in-process in
# sandbox mode, seeds N connections (default 10000) across the five series, all due at once, and
# reports refreshes/s and how many access tokens expired before their refresh.
#   bench/refresh-bench.sh [connections] [bridge.property=value ...]
# JVM options in BENCH_JAVA_OPTS, e.g. a warm JVM and a JFR profile:
#   BENCH_JAVA_OPTS="-Dbench.warmup=5000 -XX:StartFlightRecording=filename=target/refresh.jfr" bench/refresh-bench.sh 10000
#   (-Dbench.warmup=N: N other connections are refreshed and removed first; -Dbench.sample-ms: stack sampling period;
#   -Dbench.h2-options=...: other H2 URL settings than the shipped ones; -Dbench.watch=scan: progress by COUNT(*) scans)
# Exit status 0 when the targets are met (0 expired, >= 1,000 refreshes/s, no NEEDS_REAUTH, no revoked-token use), 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
# BENCH_JVM=shipped: the JVM flags bin/camel gives the default (sandbox) profile instead (serial GC, 256 MB heap,
# the C1 compiler only): the JIT then takes ~2 % of the CPU of a cold run instead of 35-40 % (see README)
if [ "${BENCH_JVM:-}" = shipped ]; then
  jvm="-XX:+UseSerialGC -Xms48m -Xmx256m -XX:TieredStopAtLevel=1 -Xss512k"
else
  jvm="-Xmx1g"
fi
exec java $jvm ${BENCH_JAVA_OPTS:-} -cp "target/test-classes:target/classes:$(cat target/test.classpath)" io.lsbridge.bench.RefreshBenchmark "$@"
