#!/usr/bin/env bash
# Soak of several bridge processes on one PostgreSQL database (`mvn test` runs the same scenario at its
# defaults as PostgresMultiNodeKillTest; this script takes other sizes and durations): rotating
# sandbox connections with short tokens, the sandbox answering slowly, one node killed with SIGKILL
# and restarted every killEverySeconds. Prints the counts (refresh calls, refreshes committed,
# revoked refresh-token uses, NEEDS_REAUTH and why, the longest a connection stayed due). Nodes are
# restarted in the background (the kill clock does not wait) and all stopped with SIGTERM at the end.
#   bench/multinode-kill.sh [nodes=3] [connections=1000] [minutes=5 | seconds=N] [killEverySeconds=30]
#                           [tokenSeconds=60] [marginSeconds=20] [latencyMillis=300] [leaseSeconds=15]
#                           [database=postgres|h2]
# PostgreSQL is the tests' embedded one (started here, as in `mvn test`); JAVA_OPTS may carry
# -Dbridge.test.postgres.url=... to use another server. Exit status 0 when the counts pass.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
exec java -Xmx1g ${JAVA_OPTS:-} -cp "target/test-classes:target/classes:$(cat target/test.classpath)" io.lsbridge.bench.MultiNodeKillSoak "$@"
