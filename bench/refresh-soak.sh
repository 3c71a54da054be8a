#!/usr/bin/env bash
# Refresh soak: runs the bridge with 30-second sandbox access tokens, connects one store of each
# series through the real browser flow (curl), and every 30 s prints each connection's status and
# refresh count, for MINUTES minutes (default 5). Ends with the sandbox's count of revoked
# refresh-token uses, which must be 0.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-5}
port=${SOAK_PORT:-8089}
key=sandbox-api-key
work=$(mktemp -d)
log="$work/bridge.log"
props=(--property=camel.server.port=$port
       --property=bridge.db.url="jdbc:h2:file:$work/db;AUTO_SERVER=TRUE"
       --property=bridge.encryption.sandbox-key-file="$work/key"
       --property=bridge.sandbox.access-token-lifetime-seconds=30
       --property=bridge.refresh.interval-ms=2000)
for p in x-series r-series o-series l-series k-series; do
  props+=(--property=bridge.profile.$p.refresh-margin-seconds=10)
done
bin/camel run "${props[@]}" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
base=http://localhost:$port
for _ in $(seq 1 120); do curl -sf -o /dev/null -H "X-Api-Key: $key" $base/connections && break; sleep 1; done
echo "bridge up on $base (log: $log); 30 s access tokens, refreshed 10 s before expiry"
for p in x-series r-series o-series l-series k-series; do
  jar="$work/$p.cookies"
  authorize=$(curl -s -c "$jar" -o /dev/null -w '%{redirect_url}' "$base/connect/$p")
  callback=$(curl -s -o /dev/null -w '%{redirect_url}' -d decision=grant -d store=soak-shop "$authorize")
  code=$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "$callback")
  echo "connected $p: HTTP $code"
done
end=$(( $(date +%s) + minutes * 60 ))
while [ "$(date +%s)" -lt "$end" ]; do
  sleep 30
  curl -s -H "X-Api-Key: $key" $base/connections | python3 -c '
import json, sys, time
rows = json.load(sys.stdin)
print(time.strftime("%H:%M:%S"), "  ".join("%s %s refreshes=%d" % (r["profile"], r["status"], r["refreshCount"]) for r in rows))'
done
curl -s $base/sandbox/admin/stats | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("sandbox: %d refresh calls, %d uses of a revoked refresh token" % (s["refreshCalls"], s["revokedRefreshTokenUses"]))'
