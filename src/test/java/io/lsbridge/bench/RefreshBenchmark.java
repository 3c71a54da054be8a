package io.lsbridge.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.lsbridge.ConnectionStore;
import io.lsbridge.InProcessBridge;

import org.apache.camel.CamelContext;

/**
 * Benchmark (not a test) of the Quartz refresh loop: boots the bridge in-process in sandbox mode,
 * seeds N sandbox connections whose access tokens expire 5 to 120 s after the loop starts (all of
 * them inside the 300 s refresh margin, so everything is due at once), and measures how fast the
 * loop refreshes them and whether any token expired first.
 *
 * <p>Run it with {@code bench/refresh-bench.sh [connections] [property=value ...]}; extra
 * {@code property=value} arguments override bridge properties (e.g. {@code bridge.db.pool-size=20}).
 * Exit status 0 when the targets are met (0 expired, >= 1,000 refreshes/s, no NEEDS_REAUTH, no
 * revoked refresh-token use at the sandbox), 1 otherwise. While the loop runs, {@link RefreshProfile}
 * samples where the CPU goes (the sandbox answers in the same JVM).
 */
public final class RefreshBenchmark {
    static final double TARGET_RATE = 1000.0;
    static final long CAP_MILLIS = 5 * 60_000L;
    static final long PROGRESS_MILLIS = 5_000L;
    static final long STALL_MILLIS = 20_000L;
    /** Connections refreshed (and removed) before the measured run, so that it runs on a warm JVM; 0 = cold. */
    static final int WARMUP = Integer.getInteger("bench.warmup", 0);
    /** What follows the H2 file's path in the JDBC URL: the shipped settings (config/application.properties) unless -Dbench.h2-options is given. */
    static final String H2_OPTIONS = System.getProperty("bench.h2-options", shippedH2Options());
    static final String[][] SERIES = {
            {"x", "x-series"}, {"r", "r-series"}, {"o", "o-series"}, {"l", "l-series"}, {"k", "k-series"}};

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private RefreshBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int n = 10_000;
        Properties extra = new Properties();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq > 0) {
                extra.setProperty(a.substring(0, eq), a.substring(eq + 1));
            } else {
                n = Integer.parseInt(a);
            }
        }
        if (n < SERIES.length) {
            throw new IllegalArgumentException("need at least " + SERIES.length + " connections");
        }
        Files.createDirectories(Path.of("target/bench-db"));
        Files.createDirectories(Path.of("target/bench-logs"));
        String runId = UUID.randomUUID().toString();
        Path logFile = Path.of("target/bench-logs/refresh-bench-" + runId + ".log");
        configureLogging(logFile);   // before anything logs: the bridge's log goes to a file, WARN+ also to the console
        System.exit(run(n, extra, runId, logFile));
    }

    private static int run(int n, Properties extra, String runId, Path logFile) throws Exception {
        String dir = "target/bench-db/" + runId;
        Files.createDirectories(Path.of(dir));
        Properties p = new Properties();
        // the shipped H2 settings (config/application.properties: every commit written before it returns), in a
        // fresh file; -Dbench.h2-options=... to compare others (e.g. ";AUTO_SERVER=TRUE", the default before)
        p.setProperty("bridge.db.url", "jdbc:h2:file:./" + dir + "/bridge" + H2_OPTIONS);
        // The sandbox stands in for Lightspeed, which is another company's server: by default it keeps its grants
        // in a database file of its own (H2's default write delay), so that its commits do not queue behind the
        // bridge's on one H2 store lock. -Dbench.sandbox-db=shared keeps the shipped sharing (one database).
        if (!"shared".equals(System.getProperty("bench.sandbox-db"))) {
            p.setProperty("bridge.sandbox.db.url", "jdbc:h2:file:./" + dir + "/sandbox;DB_CLOSE_ON_EXIT=FALSE");
        }
        p.setProperty("bridge.encryption.sandbox-key-file", dir + "/sandbox-encryption.key");
        p.setProperty("bridge.api-key", "bench-key-" + UUID.randomUUID());
        p.setProperty("bridge.refresh.interval-ms", "1000");
        p.setProperty("bridge.refresh.batch-size", "1000");
        // a free management port: another bridge on this machine may hold the default one
        p.setProperty("camel.management.port", Integer.toString(freePort()));
        p.putAll(extra);
        int port = freePort();
        int cores = Runtime.getRuntime().availableProcessors();

        InProcessBridge bridge = new InProcessBridge(port, p);
        try {
            CamelContext ctx = bridge.context();
            String parallelism = ctx.resolvePropertyPlaceholders("{{bridge.refresh.parallelism}}");
            String poolSize = ctx.resolvePropertyPlaceholders("{{bridge.db.pool-size}}");
            System.out.printf(Locale.ROOT, "bridge up on port %d: db %s (H2 options %s; sandbox db %s), refresh interval %s ms, batch %s, parallelism %s,"
                            + " db pool %s, %d cores; log %s%n", port, dir, H2_OPTIONS, p.getProperty("bridge.sandbox.db.url", "shared"), ctx.resolvePropertyPlaceholders(
                            "{{bridge.refresh.interval-ms}}"), ctx.resolvePropertyPlaceholders("{{bridge.refresh.batch-size}}"),
                    parallelism, poolSize, cores, logFile);
            if (!extra.isEmpty()) {
                System.out.println("overrides: " + new TreeMap<>(extra));
            }
            System.out.println("JVM: " + Runtime.version() + " " + java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
            ConnectionStore store = ctx.getRegistry().lookupByNameAndType("connectionStore", ConnectionStore.class);
            DataSource ds = ctx.getRegistry().lookupByNameAndType("bridgeDataSource", DataSource.class);

            // ---------------------------------------------------------------- seed (loop held)
            // The loop is suspended while seeding so that every expiry is measured from the moment it resumes.
            ctx.getRouteController().suspendRoute("refresh-loop");
            long[] sandboxBefore = {0, 0};
            if (WARMUP > 0) {
                sandboxBefore = warmUp(bridge, store, ds, runId);
            }
            List<RefreshSeeds.Seed> seeds = RefreshSeeds.fetch(bridge.base(), n, runId);
            long seedStart = System.currentTimeMillis();
            // head start: expiries are "loop start + 5..120 s"; the loop starts when seeding ends, at go at the latest
            long go = seedStart + Math.max(5_000L, n * 2L);
            Map<String, Instant> seededExpiry = RefreshSeeds.seed(store, seeds, go);
            long seedEnd = System.currentTimeMillis();
            System.out.printf(Locale.ROOT, "seeded %d connections in %.1f s (%.0f/s)%n", seededExpiry.size(),
                    (seedEnd - seedStart) / 1000.0, seededExpiry.size() * 1000.0 / Math.max(1, seedEnd - seedStart));
            if (seedEnd > go) {
                System.out.printf(Locale.ROOT, "WARNING: seeding overran its head start by %.1f s: the earliest expiries"
                        + " are closer than 5 s%n", (seedEnd - go) / 1000.0);
            }
            while (System.currentTimeMillis() < go) {
                Thread.sleep(Math.min(200, go - System.currentTimeMillis()));
            }
            io.micrometer.core.instrument.MeterRegistry meters = "scan".equals(System.getProperty("bench.watch")) ? null
                    : ctx.getRegistry().lookupByNameAndType("metricsRegistry", io.micrometer.core.instrument.MeterRegistry.class);
            long[] outcomesBefore = meters == null ? new long[2]
                    : new long[] {outcomes(meters, "REFRESHED", "NOT_YET"), outcomes(meters, "NEEDS_REAUTH")};
            System.out.println("watching progress by " + (meters == null ? "COUNT(*) scans of the connection table" : "the bridge's refresh counter"));
            long loopStart = System.currentTimeMillis();
            RefreshProfile profile = new RefreshProfile();
            profile.start();
            ctx.getRouteController().resumeRoute("refresh-loop");
            System.out.println("refresh loop resumed; every connection is due (expiries over now+5..now+120 s)");

            // ---------------------------------------------------------------- watch
            long lastPrint = loopStart;
            int lastCount = 0;
            int refreshed = 0;
            int reauth = 0;
            int progressCount = 0;
            long progressAt = loopStart;
            boolean stallDumped = false;
            while (true) {
                // once a second, two counting scans: the watcher's own load stays small next to the loop's
                Thread.sleep(1000);
                long now = System.currentTimeMillis();
                // progress from the bridge's own refresh counter (lsbridge_refresh_total), not from scans of the table:
                // two COUNT(*) scans a second cost ~6 % of the JVM's CPU and evicted H2's page cache under the loop
                // (-Dbench.watch=scan for the scans); the figures below are read from the rows once the loop is done
                if (meters != null) {
                    refreshed = (int) (outcomes(meters, "REFRESHED", "NOT_YET") - outcomesBefore[0]);
                    reauth = (int) (outcomes(meters, "NEEDS_REAUTH") - outcomesBefore[1]);
                } else {
                    refreshed = count(ds, "SELECT COUNT(*) FROM connection WHERE last_refresh_at IS NOT NULL");
                    reauth = count(ds, "SELECT COUNT(*) FROM connection WHERE status <> 'ACTIVE'");
                }
                boolean done = refreshed + reauth >= seededExpiry.size();
                if (refreshed + reauth > progressCount) {
                    progressCount = refreshed + reauth;
                    progressAt = now;
                } else if (!stallDumped && now - progressAt > STALL_MILLIS) {
                    stallDumped = true;
                    Path dump = Path.of(logFile.toString().replace(".log", "-stall.txt"));
                    Files.writeString(dump, threadDump());
                    System.out.printf(Locale.ROOT, "STALLED: no refresh for %d s; thread dump in %s%n", STALL_MILLIS / 1000, dump);
                }
                boolean capped = now - loopStart >= CAP_MILLIS;
                if (now - lastPrint >= PROGRESS_MILLIS || done || capped) {
                    System.out.printf(Locale.ROOT, "  t=%5.1f s  refreshed %6d/%d  (%.0f/s last %.0f s, %.0f/s overall)"
                                    + "  not ACTIVE %d%n", (now - loopStart) / 1000.0, refreshed, seededExpiry.size(),
                            (refreshed - lastCount) * 1000.0 / Math.max(1, now - lastPrint), (now - lastPrint) / 1000.0,
                            refreshed * 1000.0 / Math.max(1, now - loopStart), reauth);
                    lastPrint = now;
                    lastCount = refreshed;
                }
                if (done || capped) {
                    if (capped && !done) {
                        System.out.println("gave up after the 5-minute cap");
                    }
                    break;
                }
            }
            double loopCpuS = profile.processCpuSeconds();
            String profileReport = profile.stop();
            Thread.sleep(500);   // let in-flight commits land

            // ---------------------------------------------------------------- measure
            Instant checkedAt = Instant.now();
            Map<String, Instant> lastRefresh = new ConcurrentHashMap<>();
            Map<String, Integer> byStatus = new TreeMap<>();
            Map<String, Integer> refreshCounts = new TreeMap<>();
            Instant first = null;
            Instant last = null;
            try (Connection c = ds.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT id, status, last_refresh_at, refresh_count FROM connection");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byStatus.merge(rs.getString(2), 1, Integer::sum);
                    refreshCounts.merge("refresh_count=" + rs.getInt(4), 1, Integer::sum);
                    OffsetDateTime t = rs.getObject(3, OffsetDateTime.class);
                    if (t != null) {
                        Instant i = t.toInstant();
                        lastRefresh.put(rs.getString(1), i);
                        first = first == null || i.isBefore(first) ? i : first;
                        last = last == null || i.isAfter(last) ? i : last;
                    }
                }
            }
            Map<String, Integer> events = new TreeMap<>();
            try (Connection c = ds.getConnection();
                 PreparedStatement ps = c.prepareStatement("SELECT event_type, COUNT(*) FROM connection_event GROUP BY event_type");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.put(rs.getString(1), rs.getInt(2));
                }
            }
            int expired = 0;
            int expiredUnrefreshed = 0;
            long worstLateMs = 0;
            long minSlackMs = Long.MAX_VALUE;
            for (Map.Entry<String, Instant> e : seededExpiry.entrySet()) {
                Instant r = lastRefresh.get(e.getKey());
                if (r == null) {
                    if (e.getValue().isBefore(checkedAt)) {
                        expired++;
                        expiredUnrefreshed++;
                    }
                    continue;
                }
                long slack = e.getValue().toEpochMilli() - r.toEpochMilli();
                minSlackMs = Math.min(minSlackMs, slack);
                if (slack < 0) {
                    expired++;
                    worstLateMs = Math.max(worstLateMs, -slack);
                }
            }
            int done = lastRefresh.size();
            double spanS = first == null ? 0 : Math.max(0.001, (last.toEpochMilli() - first.toEpochMilli()) / 1000.0);
            double rate = first == null ? 0 : done / spanS;
            double wallS = last == null ? 0 : (last.toEpochMilli() - loopStart) / 1000.0;
            Map<String, Object> stats = getJson(bridge.base() + "/sandbox/admin/stats");
            long revoked = ((Number) stats.get("revokedRefreshTokenUses")).longValue() - sandboxBefore[0];
            long refreshCalls = ((Number) stats.get("refreshCalls")).longValue() - sandboxBefore[1];
            int notActive = seededExpiry.size() - byStatus.getOrDefault("ACTIVE", 0);
            int needsReauth = byStatus.getOrDefault("NEEDS_REAUTH", 0);
            long[] logCounts = BenchLogging.counts(logFile);

            boolean met = expired == 0 && rate >= TARGET_RATE && done == seededExpiry.size() && revoked == 0 && notActive == 0;
            System.out.println();
            System.out.printf(Locale.ROOT, "refresh benchmark: %d connections (%d series), parallelism %s, %d cores, %s JVM%n",
                    seededExpiry.size(), SERIES.length, parallelism, cores, WARMUP > 0 ? "warm (" + WARMUP + " refreshes before)" : "cold");
            System.out.printf(Locale.ROOT, "refreshed: %d in %.1f s -> %.0f refreshes/s (first to last refresh; %.1f s"
                    + " from loop start -> %.0f/s)%n", done, spanS, rate, wallS, wallS > 0 ? done / wallS : 0.0);
            System.out.printf(Locale.ROOT, "CPU: %.1f CPU-s in this JVM while the loop ran = %.2f ms per refresh, bridge and"
                    + " in-JVM sandbox together (1,000 refreshes/s on 2 cores needs well under 2 ms)%n", loopCpuS,
                    done == 0 ? 0.0 : loopCpuS * 1000.0 / done);
            System.out.printf(Locale.ROOT, "expired before refresh: %d%s%n", expired, expired == 0
                    ? String.format(Locale.ROOT, " (tightest: refreshed %.1f s before expiry)", minSlackMs / 1000.0)
                    : String.format(Locale.ROOT, " (%d never refreshed; worst %.1f s late)", expiredUnrefreshed, worstLateMs / 1000.0));
            System.out.printf(Locale.ROOT, "revoked refresh-token uses at sandbox: %d; NEEDS_REAUTH: %d%n", revoked, needsReauth);
            System.out.printf(Locale.ROOT, "details: status %s; %s; events %s; sandbox refresh calls %d; log %d ERROR,"
                    + " %d WARN, %d exception lines%n", byStatus, refreshCounts, events, refreshCalls, logCounts[0],
                    logCounts[1], logCounts[2]);
            System.out.println(profileReport);
            System.out.printf(Locale.ROOT, "target: 0 expired, >= %.0f refreshes/s -> %s%n", TARGET_RATE, met ? "MET" : "NOT MET");
            return met ? 0 : 1;
        } finally {
            bridge.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * A warm JVM (-Dbench.warmup=N): N other connections, all due, are refreshed by the loop first (the JIT
     * compiles the refresh path), then removed; returns the sandbox's revoked-use and refresh-call counts
     * so far, which the measured run subtracts. The loop is suspended again on return.
     */
    private static long[] warmUp(InProcessBridge bridge, ConnectionStore store, DataSource ds, String runId) throws Exception {
        CamelContext ctx = bridge.context();
        List<RefreshSeeds.Seed> seeds = RefreshSeeds.fetch(bridge.base(), WARMUP, "w" + runId);
        RefreshSeeds.seed(store, seeds, System.currentTimeMillis());
        long t0 = System.currentTimeMillis();
        ctx.getRouteController().resumeRoute("refresh-loop");
        while (count(ds, "SELECT COUNT(*) FROM connection WHERE last_refresh_at IS NOT NULL OR status <> 'ACTIVE'") < seeds.size()
                && System.currentTimeMillis() - t0 < CAP_MILLIS) {
            Thread.sleep(500);
        }
        long t1 = System.currentTimeMillis();
        ctx.getRouteController().suspendRoute("refresh-loop");
        int refreshed = count(ds, "SELECT COUNT(*) FROM connection WHERE last_refresh_at IS NOT NULL");
        try (Connection c = ds.getConnection(); PreparedStatement e = c.prepareStatement("DELETE FROM connection_event");
             PreparedStatement r = c.prepareStatement("DELETE FROM connection")) {
            e.executeUpdate();
            r.executeUpdate();
        }
        Map<String, Object> stats = getJson(bridge.base() + "/sandbox/admin/stats");
        System.out.printf(Locale.ROOT, "warm-up: %d of %d connections refreshed in %.1f s (%.0f/s), then removed%n", refreshed,
                seeds.size(), (t1 - t0) / 1000.0, refreshed * 1000.0 / Math.max(1, t1 - t0));
        return new long[] {((Number) stats.get("revokedRefreshTokenUses")).longValue(),
                ((Number) stats.get("refreshCalls")).longValue()};
    }

    /** What follows the file name in the shipped bridge.db.url (config/application.properties). */
    static String shippedH2Options() {
        Properties shipped = new Properties();
        try (var in = Files.newInputStream(Path.of("config/application.properties"))) {
            shipped.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read config/application.properties", e);
        }
        String url = shipped.getProperty("bridge.db.url").trim();
        int settings = url.indexOf(';');
        return settings < 0 ? "" : url.substring(settings);
    }

    /** Every thread's full stack (a stalled loop shows where its workers wait). */
    static String threadDump() {
        StringBuilder sb = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, st) -> {
            sb.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
            for (StackTraceElement e : st) {
                sb.append("    at ").append(e).append('\n');
            }
            sb.append('\n');
        });
        return sb.toString();
    }

    /** Refreshes this process led with one of {@code outcomes}, from the lsbridge.refresh counter. */
    private static long outcomes(io.micrometer.core.instrument.MeterRegistry meters, String... outcomes) {
        double sum = 0;
        for (String o : outcomes) {
            for (io.micrometer.core.instrument.Counter c : meters.find("lsbridge.refresh").tag("outcome", o).counters()) {
                sum += c.count();
            }
        }
        return (long) sum;
    }

    private static int count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    static String post(String url, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("POST " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    private static Map<String, Object> getJson(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " answered " + r.statusCode());
        }
        return JSON.readValue(r.body(), new TypeReference<>() { });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The bridge's log (INFO) to a file; WARN and above also on the console. Replaces the tests' log4j2.properties. */
    private static void configureLogging(Path logFile) {
        BenchLogging.configure(logFile);
        System.out.println("bench started " + DateTimeFormatter.ISO_INSTANT.format(Instant.now().atOffset(ZoneOffset.UTC)));
    }
}
