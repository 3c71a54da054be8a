#!/usr/bin/env bash
# Proves `camel export` (issue 10 item 5): exports the bridge to Spring Boot and to Quarkus with
# Camel JBang (bin/camel export), builds each with `mvn package`, starts it, and walks the sandbox
# flow: GET /connect/x-series must answer 302, then the consent page, the callback ("connected"),
# GET /connections with the API key and one proxied API call. Prints what happened and how long each step took.
#
#   tools/export-check.sh [spring-boot|quarkus]...     (default: both)
#
# Slow (minutes: two Maven builds that download their runtime the first time); not part of mvn test.
# Output: target/export/<runtime>/ (the exported projects) and target/export/<runtime>-*.log.
#
# What `camel export` leaves to do, done here after it (see the README's "Export" section):
# - config/application.properties is not carried (export copies only an application.properties in
#   the current directory): it is copied into src/main/resources with the HTTP port renamed
#   (server.port / quarkus.http.port) and the route locations pointed at classpath:camel/;
# - config/db (the bridge's and the sandbox's migrations) is copied beside the project (the Flyway
#   locations are filesystem:, relative to the working directory, as under bin/camel run);
# - export puts every route file in src/main/resources/camel/: the sandbox's go back to a folder of
#   their own, loaded after the bridge's (they use its beans);
# - the project's own libraries (H2, HikariCP, Flyway, Bucket4j, ...) are passed with --dep, read
#   from pom.xml; the Java helpers are passed as source files and land in src/main/java.
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
    else
      echo "# HTTP port of Quarkus' HTTP server that serves platform-http"
      echo 'quarkus.http.port = ${camel.server.port}'
    fi
  } > "$target"
}

export_one() {
  local rt=$1 dir=$out/$1
  local t0 t1 t2 t3 t4 extra=() status="FAILED" why="" port pid="" jar=()
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
    results+=("$rt export FAILED ($(secs "$t0" "$(now)") s): see $out/$rt-export.log"); return
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
  fi
  t1=$(now)
  echo "== $rt: mvn package"
  if ! (cd "$dir" && mvn -B package -DskipTests > "../$rt-build.log" 2>&1); then
    results+=("$rt export $(secs "$t0" "$t1") s, build FAILED ($(secs "$t1" "$(now)") s): see $out/$rt-build.log"); return
  fi
  t2=$(now)
  port=$(free_port)
  echo "== $rt: start on port $port"
  if [ "$rt" = spring-boot ]; then
    jar=(java -jar "$(cd "$dir" && ls target/*.jar | grep -v '\.original$' | head -1)" "--camel.server.port=$port")
  else
    jar=(java "-Dcamel.server.port=$port" -jar target/quarkus-app/quarkus-run.jar)
  fi
  (cd "$dir" && BRIDGE_API_KEY=$api_key exec "${jar[@]}") > "$out/$rt-run.log" 2>&1 &
  pid=$!
  local code="" deadline=$(( $(date +%s) + ${EXPORT_START_TIMEOUT:-300} ))
  while [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://localhost:$port/connect/x-series" || true)
    [ "$code" = 302 ] && break
    sleep 0.2
  done
  t3=$(now)
  if [ "$code" != 302 ]; then
    why="GET /connect/x-series answered '${code:-nothing}' (see $out/$rt-run.log)"
  else
    # the whole sandbox flow, as the README does it with curl
    local jar_file authorize callback page list id api
    jar_file=$(mktemp)
    authorize=$(curl -s -c "$jar_file" -o /dev/null -w '%{redirect_url}' "http://localhost:$port/connect/x-series")
    callback=$(curl -s -o /dev/null -w '%{redirect_url}' -d decision=grant -d store=export-shop "$authorize")
    page=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar_file" "$callback")
    list=$(curl -s -H "X-Api-Key: $api_key" "http://localhost:$port/connections")
    id=$(printf '%s' "$list" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
    api=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Api-Key: $api_key" "http://localhost:$port/api/$id/2.0/products")
    rm -f "$jar_file"
    # paths only: the query holds the state and the code
    echo "   /connect/x-series 302 -> ${authorize%%\?*}"
    echo "   consent 302 -> ${callback%%\?*}"
    echo "   callback page: $page; GET /connections: $list" | cut -c1-300
    echo "   GET /api/$id/2.0/products (proxy to the sandbox): $api"
    if [ "$page" = 200 ] && [[ "$list" == *export-shop* ]] && [ "$api" = 200 ]; then
      status=OK
    else
      status=PARTIAL; why="302 from /connect, but the flow stopped (callback $page)"
    fi
  fi
  t4=$(now)
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  results+=("$rt $status: export $(secs "$t0" "$t1") s, mvn package $(secs "$t1" "$t2") s, start to 302 $(secs "$t2" "$t3") s, flow $(secs "$t3" "$t4") s${why:+; $why}")
}

for rt in "${runtimes[@]}"; do
  export_one "$rt"
done
echo
echo "== results (load: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%s\n' "${results[@]}"
printf '%s\n' "${results[@]}" | grep -q -v ' OK:' && exit 1 || exit 0
