#!/usr/bin/env bash
# Proves `camel export` (issue 10 item 5): exports the bridge to Spring Boot and to Quarkus with
# Camel JBang (bin/camel export), builds each with `mvn package`, starts it, and walks the sandbox
# flow: GET /connect/x-series must answer 302, then the consent page, the callback ("connected"),
# GET /connections with the API key (200, listing the store), the key rules (no key, a wrong key, the
# key as a query parameter: 401), one proxied API call (200), a 300 KB body through the proxy (arrives
# whole), and the admin page's sign-in (form: session cookie; key in the URL: 401).
# Prints PASS/FAIL and the seconds of every step, and a summary per runtime with the load average.
#
#   tools/export-check.sh [spring-boot|quarkus]...     (default: both; exit status 0 only if all passed)
#   EXPORT_REUSE=1 tools/export-check.sh quarkus       (build and check the project exported last time)
#
# Slow (minutes: two Maven builds that download their runtime the first time); not part of mvn test.
# Run it under `nice -n 10` on a shared machine. Output: target/export/<runtime>/ (the exported
# projects) and target/export/<runtime>-{export,build,run}.log.
#
# What `camel export` leaves to do, done here after it (see the README's "Export" section):
# - config/application.properties is not carried (export copies only an application.properties in
#   the current directory): it is copied into src/main/resources with the HTTP port renamed
#   (server.port / quarkus.http.port), the front door's limits given to Tomcat / Quarkus' HTTP server,
#   and the route locations pointed at classpath:camel/;
# - config/db (the bridge's and the sandbox's migrations) is copied beside the project (the Flyway
#   locations are filesystem:, relative to the working directory, as under bin/camel run);
# - export puts every route file in src/main/resources/camel/: the sandbox's go back to a folder of
#   their own, loaded after the bridge's (they use its beans);
# - the project's own libraries (H2, HikariCP, Flyway, Bucket4j, ...) are passed with --dep, read
#   from pom.xml; the Java helpers are passed as source files and land in src/main/java;
# - Camel modules exported as plain dependencies at the bridge's Camel 4.18.0 are set to the runtime's
#   Camel version (Spring Boot 4.17.0, Quarkus 3.30 = 4.16.0); on Quarkus, extensions whose deployment
#   artifact is not served become plain components (camel-sql then needs spring-beans and spring-core).
set -uo pipefail
cd "$(dirname "$0")/.."

runtimes=("$@")
[ ${#runtimes[@]} -eq 0 ] && runtimes=(spring-boot quarkus)
out=target/export
mkdir -p "$out"
api_key=export-check-key
results=()

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("",0)); print(s.getsockname()[1])'; }

# the project's direct runtime libraries as --dep values: camel:NAME for Camel components (export
# maps them to the runtime's starter or extension), G:A:V for the rest; camel-main's own modules
# (main, platform-http-main, platform-http-vertx) are replaced by the runtime's
project_deps() {
  mvn -B -q -o dependency:list -DexcludeTransitive=true -DincludeScope=runtime -DoutputFile="$out/deps.txt" >/dev/null 2>&1 \
    || mvn -B -q dependency:list -DexcludeTransitive=true -DincludeScope=runtime -DoutputFile="$out/deps.txt" >/dev/null
  awk '/:(compile|runtime)/ {
      split($1, a, ":"); g = a[1]; art = a[2]; v = a[4]
      if (g == "org.apache.camel") {
        if (art == "camel-main" || art == "camel-platform-http-main" || art == "camel-platform-http-vertx") next
        sub("^camel-", "", art); printf "%scamel:%s", sep, art
      } else printf "%s%s:%s:%s", sep, g, art, v
      sep = ","
    }' "$out/deps.txt"
}

# io.vertx:vertx-core at the version the bridge itself uses
vertx_core() {
  mvn -B -q -o dependency:list -DincludeGroupIds=io.vertx -DincludeArtifactIds=vertx-core \
    -DoutputFile="$out/vertx.txt" >/dev/null 2>&1
  awk '/io.vertx:vertx-core:jar/ { split($1, a, ":"); print "io.vertx:vertx-core:" a[4]; exit }' "$out/vertx.txt"
}

# config/application.properties for the exported runtime
write_properties() {
  local rt=$1 dir=$2
  local target=$dir/src/main/resources/application.properties
  {
    echo "# From the bridge's config/application.properties by tools/export-check.sh for $rt"
    if [ "$rt" = spring-boot ]; then
      # Spring binds camel.* keys itself and knows ${...}, not Camel's {{...}}
      grep -v '^camel.main.routesIncludePattern' config/application.properties \
        | sed '/^camel\./ { s/{{env:\([^}]*\)}}/${\1}/g; s/{{\([^}]*\)}}/${\1}/g }'
    else
      # Quarkus serves platform-http itself: camel-main's own HTTP server stays off
      grep -v '^camel.main.routesIncludePattern\|^camel.server.enabled' config/application.properties
    fi
    echo
    echo "# ---------------------------------------------------------------- export ($rt)"
    echo "# The route files, copied by camel export into src/main/resources/camel/ (the sandbox's moved to"
    echo "# camel/sandbox/ so that they load after beans.camel.yaml, whose beans they use, as under camel run)"
    echo "camel.main.routesIncludePattern = classpath:camel/*.camel.yaml,classpath:camel/sandbox/*.camel.yaml"
    if [ "$rt" = spring-boot ]; then
      echo "# HTTP port of the servlet container that serves platform-http (camel.server.port stays for placeholders)"
      echo 'server.port = ${camel.server.port}'
      echo "# The bridge makes its own pool and runs Flyway itself (YAML beans): not Spring Boot's auto-configured ones"
      echo "spring.autoconfigure.exclude = org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration,org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"
      echo "# The front door (io.lsbridge.http.FrontDoor) acts on Vert.x servers only: Tomcat's own limits instead, from the"
      echo "# same properties (no body-size limit for non-form bodies, no /api cap, no 503 starting/stopping on Tomcat)"
      echo 'server.max-http-request-header-size = ${bridge.http.max-header-bytes}'
      echo 'server.tomcat.max-http-form-post-size = ${bridge.http.max-body-bytes}'
      echo 'server.tomcat.connection-timeout = ${bridge.http.request-timeout-seconds}s'
      echo 'server.tomcat.keep-alive-timeout = ${bridge.http.idle-timeout-seconds}s'
      echo 'server.tomcat.threads.max = ${bridge.http.worker-threads}'
      echo "# calls in flight finish at SIGTERM (Tomcat then refuses new connections)"
      echo 'server.shutdown = graceful'
    else
      echo "# HTTP port of Quarkus' HTTP server that serves platform-http"
      echo 'quarkus.http.port = ${camel.server.port}'
      echo "# The front door (io.lsbridge.http.FrontDoor) acts on Vert.x servers that camel-main creates, not on Quarkus'"
      echo "# own: Quarkus' limits instead, from the same properties (no /api cap, no 503 starting/stopping)"
      echo 'quarkus.http.limits.max-body-size = ${bridge.http.max-body-bytes}'
      echo 'quarkus.http.limits.max-header-size = ${bridge.http.max-header-bytes}'
      echo 'quarkus.http.limits.max-initial-line-length = ${bridge.http.max-request-line-bytes}'
      echo 'quarkus.http.read-timeout = ${bridge.http.request-timeout-seconds}'
      echo 'quarkus.http.idle-timeout = ${bridge.http.idle-timeout-seconds}'
    fi
  } > "$target"
}

export_one() {
  local rt=$1 dir=$out/$1
  local t0 t1 extra=()
  rm -rf "$dir"
  echo "== $rt: export"
  t0=$(now)
  case "$rt" in
    spring-boot)
      # camel-spring-boot 4.18.0's quartz, jdbc and sql starters are not served here: 4.17.0 with Boot 3.5.7
      # routes/beans.camel.yaml tunes Vert.x (camel-main's HTTP server): the class must exist on Boot too
      extra=(--camel-spring-boot-version="${EXPORT_CAMEL_SPRING_BOOT_VERSION:-4.17.0}"
             --spring-boot-version="${EXPORT_SPRING_BOOT_VERSION:-3.5.7}"
             --dep="$(vertx_core)") ;;
    quarkus)
      # Quarkus platform 3.30.4 (Camel Quarkus 3.30.0, Camel 4.16.0): the newest whose Camel Quarkus
      # catalog (which export needs) and extensions are served here; 3.33.x lacks the catalog and the
      # platform-http, quartz, jdbc, seda and timer extensions
      extra=(--quarkus-version="${EXPORT_QUARKUS_VERSION:-3.30.4}") ;;
  esac
  # export runs the routes once, silently, to see what they use, and the beans open the database then: on a
  # database of its own (not data/, where a bridge made by bin/camel run refuses the user that export's
  # placeholder stand-ins give the sandbox's pool), with the credentials written out
  rm -rf "$out/export-db" "$out/export-props"
  mkdir -p "$out/export-props"
  { cat config/application.properties
    echo
    echo "# tools/export-check.sh: the export's own run uses a database and key file of its own"
    echo "bridge.db.url = jdbc:h2:file:./$out/export-db/bridge"
    echo "bridge.db.user = sa"
    echo "bridge.db.password = sa"
    echo "bridge.sandbox.db.user = sa"
    echo "bridge.sandbox.db.password = sa"
    echo "bridge.encryption.sandbox-key-file = $out/export-db/sandbox-encryption.key"
  } > "$out/export-props/application.properties"
  # shellcheck disable=SC2046
  if ! bin/camel export --runtime="$rt" --gav="io.lsbridge:lightspeed-oauth-bridge-$rt:0.1.0" \
        --directory="$dir" --java-version=17 --kamelets-version=4.18.0 "${extra[@]}" \
        --dep="$(project_deps)" \
        "$out/export-props/application.properties" routes/*.camel.yaml routes/sandbox/*.camel.yaml $(find src/main/java -name '*.java' | sort) \
        > "$out/$rt-export.log" 2>&1; then
    step "$rt" export FAIL "$t0" "$(now)" "see $out/$rt-export.log"; return
  fi
  write_properties "$rt" "$dir"
  mkdir -p "$dir/src/main/resources/camel/sandbox"
  for f in routes/sandbox/*.camel.yaml; do
    mv "$dir/src/main/resources/camel/$(basename "$f")" "$dir/src/main/resources/camel/sandbox/"
  done
  # the bridge's migrations and the sandbox's (config/db/sandbox)
  mkdir -p "$dir/config" && cp -r config/db "$dir/config/"
  if [ "$rt" = spring-boot ]; then
    # Camel modules without a starter (camel-health, camel-micrometer-prometheus) are exported as plain
    # dependencies at the bridge's Camel version (4.18.0): on Camel Spring Boot 4.17.0 they would bring a
    # newer camel-api than its core (NoSuchMethodError at start): use the runtime's Camel version
    perl -0pi -e 's#(<groupId>org\.apache\.camel</groupId>\s*<artifactId>camel-[a-z0-9-]+</artifactId>\s*<version>)4\.18\.0(</version>)#${1}'"${EXPORT_CAMEL_SPRING_BOOT_VERSION:-4.17.0}"'${2}#g' "$dir/pom.xml"
  fi
  if [ "$rt" = quarkus ]; then
    # an extension whose -deployment artifact is not served here (3.30.0: sql, jdbc) cannot build:
    # use the plain Camel component instead, which works in JVM mode
    local cq cqv
    local bom=io/quarkus/platform/quarkus-camel-bom/${EXPORT_QUARKUS_VERSION:-3.30.4}/quarkus-camel-bom-${EXPORT_QUARKUS_VERSION:-3.30.4}.pom
    mvn -B -q dependency:get -Dartifact="io.quarkus.platform:quarkus-camel-bom:${EXPORT_QUARKUS_VERSION:-3.30.4}:pom" \
      -Dtransitive=false >/dev/null 2>&1
    cqv=$(awk '/<artifactId>camel-quarkus-core<\/artifactId>/ { getline; gsub(/.*<version>|<\/version>.*/, ""); print; exit }' \
      "$HOME/.m2/repository/$bom")
    for cq in $(grep -o '<artifactId>camel-quarkus-[a-z0-9-]*</artifactId>' "$dir/pom.xml" | sed 's/<[^>]*>//g'); do
      if ! mvn -B -q dependency:get -Dartifact="org.apache.camel.quarkus:$cq-deployment:$cqv" -Dtransitive=false >/dev/null 2>&1; then
        echo "   $cq-deployment $cqv is not served: plain ${cq#camel-quarkus-} component instead"
        perl -0pi -e "s#<groupId>org.apache.camel.quarkus</groupId>(\\s*)<artifactId>$cq</artifactId>#<groupId>org.apache.camel</groupId>\$1<artifactId>camel-${cq#camel-quarkus-}</artifactId>#g" "$dir/pom.xml"
      fi
    done
    # camel-health and camel-micrometer-prometheus (no extension used) come as plain dependencies at the bridge's
    # Camel 4.18.0: with the BOM's older Camel they fail at start (NoSuchMethodError in camel-platform-http-main):
    # the BOM's Camel version instead
    local camel_v spring_v
    camel_v=$(awk '/<artifactId>camel-core-engine<\/artifactId>/ { getline; gsub(/.*<version>|<\/version>.*/, ""); print; exit }' \
      "$HOME/.m2/repository/$bom")
    perl -0pi -e 's#(<groupId>org\.apache\.camel</groupId>\s*<artifactId>camel-[a-z0-9-]+</artifactId>\s*<version>)4\.18\.0(</version>)#${1}'"$camel_v"'${2}#g' "$dir/pom.xml"
    # the plain camel-sql needs spring-beans and spring-core, which the Camel Quarkus BOM strips from spring-jdbc
    # (NoClassDefFoundError: InitializingBean at start): added at the BOM's spring-jdbc version
    if grep -q '<artifactId>camel-sql</artifactId>' "$dir/pom.xml"; then
      spring_v=$(awk '/<artifactId>spring-jdbc<\/artifactId>/ { getline; gsub(/.*<version>|<\/version>.*/, ""); print; exit }' \
        "$HOME/.m2/repository/$bom")
      echo "   plain camel-sql: spring-beans and spring-core $spring_v added; plain Camel modules at $camel_v"
      perl -0pi -e 's#(<groupId>org\.apache\.camel</groupId>\s*<artifactId>camel-sql</artifactId>\s*</dependency>)#$1\n        <dependency><groupId>org.springframework</groupId><artifactId>spring-beans</artifactId><version>'"$spring_v"'</version></dependency>\n        <dependency><groupId>org.springframework</groupId><artifactId>spring-core</artifactId><version>'"$spring_v"'</version></dependency>#' "$dir/pom.xml"
    fi
  fi
  t1=$(now)
  step "$rt" export PASS "$t0" "$t1"
  build_and_check "$rt"
}

# builds the exported project, starts it and walks the flow (also alone: EXPORT_REUSE=1 skips the export)
build_and_check() {
  local rt=$1 dir=$out/$1 t1 t2 port mport pid="" jar=()
  t1=$(now)
  echo "== $rt: mvn package"
  if ! (cd "$dir" && mvn -B package -DskipTests > "../$rt-build.log" 2>&1); then
    step "$rt" "mvn package" FAIL "$t1" "$(now)" "see $out/$rt-build.log: $(grep -m1 '^\[ERROR\]' "$out/$rt-build.log" | cut -c1-200)"
    return
  fi
  t2=$(now)
  step "$rt" "mvn package" PASS "$t1" "$t2" "$(du -sh "$dir/target" | cut -f1) in target/"
  port=$(free_port)
  # a clean start: no connections nor keys left from an earlier run of this project
  rm -rf "$dir/data"
  echo "== $rt: start on port $port"
  mport=$(free_port)
  if [ "$rt" = spring-boot ]; then
    jar=(java -jar "$(cd "$dir" && ls target/*.jar | grep -v '\.original$' | head -1)" "--camel.server.port=$port"
         "--camel.management.port=$mport")
  else
    jar=(java "-Dcamel.server.port=$port" "-Dcamel.management.port=$mport" -jar target/quarkus-app/quarkus-run.jar)
  fi
  (cd "$dir" && BRIDGE_API_KEY=$api_key exec "${jar[@]}") > "$out/$rt-run.log" 2>&1 &
  pid=$!
  local code="" deadline=$(( $(date +%s) + ${EXPORT_START_TIMEOUT:-300} ))
  while [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://localhost:$port/connect/x-series" || true)
    [ "$code" = 302 ] && break
    sleep 0.2
  done
  if [ "$code" != 302 ]; then
    step "$rt" "start, GET /connect/x-series 302" FAIL "$t2" "$(now)" "answered '${code:-nothing}' (see $out/$rt-run.log)"
  else
    step "$rt" "start, GET /connect/x-series 302" PASS "$t2" "$(now)" "process $pid, port $port"
    flow "$rt" "http://localhost:$port"
    # not part of the verdict: what the management port (camel.management.*) answers on this runtime
    info "$rt" "management port: GET /observe/health -> $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://localhost:$mport/observe/health"), GET /observe/metrics -> $(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://localhost:$mport/observe/metrics")"
  fi
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
}

# one check: check RUNTIME NAME EXPECTED ACTUAL START [DETAIL]
check() {
  local verdict=FAIL
  [ "$3" = "$4" ] && verdict=PASS
  step "$1" "$2" "$verdict" "$5" "$(now)" "got $4${6:+; $6}"
}

# the whole sandbox flow, as the README does it with curl; then the key rules, the proxy, the admin page
flow() {
  local rt=$1 base=$2 t jar_file authorize callback page list id code body headers headers_sent
  jar_file=$(mktemp); headers=$(mktemp)
  t=$(now)
  authorize=$(curl -s -c "$jar_file" -o /dev/null -w '%{redirect_url}' "$base/connect/x-series")
  callback=$(curl -s -o /dev/null -w '%{redirect_url}' -d decision=grant -d store=export-shop "$authorize")
  # paths only: the query holds the state and the code
  check "$rt" "consent (sandbox) redirects to /callback" /callback/x-series "$(printf '%s' "${callback%%\?*}" | sed 's#^https\?://[^/]*##')" "$t"
  t=$(now)
  page=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar_file" "$callback")
  check "$rt" "callback page" 200 "$page" "$t"
  t=$(now)
  list=$(curl -s -w ' %{http_code}' -H "X-Api-Key: $api_key" "$base/connections")
  id=$(printf '%s' "$list" | sed -n 's/.*"id":"\([0-9a-f-]\{36\}\)".*/\1/p' | head -1)
  code=${list##* }
  [[ "$list" == *'"tenantKey":"export-shop"'* || "$list" == *export-shop* ]] || code="$code, no export-shop"
  check "$rt" "GET /connections with X-Api-Key: 200 listing it" 200 "$code" "$t" "connection ${id:-none}"
  t=$(now)
  body=$(curl -s -w ' %{http_code}' "$base/connections")
  check "$rt" "GET /connections without a key: 401 missing_api_key" "401 missing_api_key" "${body##* } $(printf '%s' "$body" | sed -n 's/.*"error":"\([a-z_]*\)".*/\1/p')" "$t"
  t=$(now)
  body=$(curl -s -w ' %{http_code}' "$base/connections?X-Api-Key=$api_key")
  check "$rt" "GET /connections?X-Api-Key=<key>: 401 missing_api_key" "401 missing_api_key" "${body##* } $(printf '%s' "$body" | sed -n 's/.*"error":"\([a-z_]*\)".*/\1/p')" "$t"
  t=$(now)
  body=$(curl -s -w ' %{http_code}' -H "X-Api-Key: $api_key-wrong" "$base/connections")
  check "$rt" "GET /connections with a wrong key: 401 invalid_api_key" "401 invalid_api_key" "${body##* } $(printf '%s' "$body" | sed -n 's/.*"error":"\([a-z_]*\)".*/\1/p')" "$t"
  t=$(now)
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Api-Key: $api_key" "$base/api/$id/2.0/products")
  check "$rt" "GET /api/{id}/2.0/products with X-Api-Key (proxied to the sandbox)" 200 "$code" "$t"
  t=$(now)
  code=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/$id/2.0/products?X-Api-Key=$api_key")
  check "$rt" "GET /api/{id}/2.0/products?X-Api-Key=<key>: 401" 401 "$code" "$t"
  t=$(now)
  # a body above the in-memory spool size (bridge.http.body-memory-bytes) must reach the sandbox whole
  head -c 300000 /dev/zero | tr '\0' 'a' > "$out/$rt-body.bin"
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Api-Key: $api_key" -H 'Content-Type: application/octet-stream' \
    --data-binary @"$out/$rt-body.bin" "$base/api/$id/2.0/products")
  body=$(curl -s "$base/sandbox/admin/requests" | grep -o '"bodyBytes":[0-9]*' | tail -1 | grep -o '[0-9]*')
  headers_sent=$(curl -s "$base/sandbox/admin/requests" | grep -o -i '"content-length":"[0-9]*"\|"transfer-encoding":"chunked"' | tail -1)
  check "$rt" "POST /api/{id}/2.0/products, 300000-byte body: 200, the sandbox got 300000 bytes" "200 300000" "$code ${body:-none}" "$t" "sent with ${headers_sent:-?}"
  t=$(now)
  code=$(curl -s -o /dev/null -D "$headers" -w '%{http_code}' -d "key=$api_key" "$base/admin/login")
  local cookie
  cookie=$(grep -i '^set-cookie: lsbridge_admin=' "$headers" | sed 's/^[^:]*: //; s/;.*//' | tr -d '\r')
  check "$rt" "POST /admin/login with the key: 303 and a session cookie" "303 cookie" "$code ${cookie:+cookie}" "$t"
  t=$(now)
  body=$(curl -s -w ' %{http_code}' -b "$cookie" "$base/admin")
  code=${body##* }
  [ -n "$id" ] && [[ "$body" == *"$id"* ]] || code="$code, connection not listed"
  check "$rt" "GET /admin with the session cookie: 200 listing it" 200 "$code" "$t"
  t=$(now)
  code=$(curl -s -o /dev/null -D "$headers" -w '%{http_code}' -X POST "$base/admin/login?key=$api_key")
  grep -qi '^set-cookie: lsbridge_admin=.' "$headers" && code="$code cookie"
  check "$rt" "POST /admin/login?key=<key> (no form): 401, no session" 401 "$code" "$t"
  rm -f "$jar_file" "$headers"
}

# info RUNTIME TEXT: a line in the summary that is not a check
info() {
  echo "   INFO  $2"
  results+=("$1|INFO  $2")
}

# step RUNTIME NAME PASS|FAIL START END [DETAIL]: one line now, one line in the summary
step() {
  local line
  line=$(printf '%-4s %6s s  %s%s' "$3" "$(secs "$4" "$5")" "$2" "${6:+  ($6)}")
  echo "   $line"
  results+=("$1|$line")
}

for rt in "${runtimes[@]}"; do
  rt_start=$(now)
  rt_load=$(cut -d' ' -f1-3 /proc/loadavg)
  if [ -n "${EXPORT_REUSE:-}" ] && [ -f "$out/$rt/pom.xml" ]; then
    echo "== $rt: EXPORT_REUSE set: the exported project in $out/$rt is reused (not exported again)"
    build_and_check "$rt"
  else
    export_one "$rt"
  fi
  results+=("$rt|TOTAL $(secs "$rt_start" "$(now)") s (load average at start $rt_load, at end $(cut -d' ' -f1-3 /proc/loadavg))")
done
echo
echo "== summary ($(date -u +%FT%TZ), $(nproc) cores)"
failed=0
for rt in "${runtimes[@]}"; do
  echo "-- $rt"
  for r in "${results[@]}"; do
    [ "${r%%|*}" = "$rt" ] && echo "   ${r#*|}"
  done
  n_fail=$(printf '%s\n' "${results[@]}" | grep -c "^$rt|FAIL" || true)
  n_pass=$(printf '%s\n' "${results[@]}" | grep -c "^$rt|PASS" || true)
  echo "   => $rt: $n_pass passed, $n_fail failed"
  [ "$n_fail" -gt 0 ] || [ "$n_pass" -eq 0 ] && failed=1
done
exit $failed
