#!/usr/bin/env bash
# Abuse test (not part of `mvn test`): a bridge in its own JVM (the JVM flags of `bin/camel run`: serial GC,
# -Xms24m -Xmx256m, C1 only, MALLOC_ARENA_MAX=2; sandbox mode) gets 32
# parallel 10 MB bodies without an API key, over and over, and 300 connections trickling a request
# head, for 30 s, while GET /connections is timed every 50 ms and a proxied call with the key is
# made every 100 ms. Prints the refused count, /connections p50/p99/max (target p99 < 200 ms), the
# bridge's RSS before and at its peak against the heap limit, the heap in use at its peak (jstat), and
# whether anything was lost. Exit status 0 when p99 is met
# and nothing was lost. Everything runs on 127.0.0.1.
#   bench/abuse.sh [seconds=30] [bodies=32] [slow=300] [bodyMB=10] [heap=256m] [jvm="more JVM flags"]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -o test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath \
    || mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
exec java -Xmx512m ${JAVA_OPTS:-} -cp "target/test-classes:target/classes:$(cat target/test.classpath)" io.lsbridge.bench.AbuseBench "$@"
