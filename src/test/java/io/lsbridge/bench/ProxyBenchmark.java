package io.lsbridge.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;

import io.lsbridge.ConnectionStore;
import io.lsbridge.InProcessBridge;
import io.lsbridge.ProviderProfile;
import io.lsbridge.proxy.ApiConnection;
import io.lsbridge.rate.RateLimits;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.http.HttpMethods;

/**
 * The bridge side of {@code bench/proxy-bench.sh} (not a test): boots the bridge in-process in
 * sandbox mode with an extra provider profile, {@code bench-upstream}, whose API base is the
 * script's static nginx upstream ({@code -Dbench.upstream=http://127.0.0.1:PORT}) and whose rate
 * limit is high (per-second, 1000 per connection: 100000/s in all), seeds {@code bench.connections} (100) connections with the
 * bridge's own {@link ConnectionStore} (access tokens valid for a day: no refresh happens), then
 * writes {@code bridge.env} and {@code ids.txt} into {@code -Dbench.out} and serves until the
 * script creates {@code stop} there. It also adds a route of its own, {@code /floor/...}: a bare Camel proxy
 * (diagnostic (d), see {@link #floorRoute}).
 *
 * <p>While it serves, a file {@code sample.request} holding {@code "seconds label"} makes it
 * sample its own threads for that long (thread dumps every 20 ms, CPU time per thread group) and
 * write {@code profile-<label>.txt}: a profiler-free look at where the proxy's time goes.
 *
 * <p>Arguments {@code property=value} override bridge properties (e.g. {@code bridge.db.pool-size=20},
 * {@code bridge.profile.bench-upstream.rate-model=none}, or a Vert.x worker pool with
 * {@code camel.beans.vertxOptions=#class:io.vertx.core.VertxOptions camel.beans.vertxOptions.workerPoolSize=40}).
 */
public final class ProxyBenchmark {
    static final String PROFILE = "bench-upstream";

    private ProxyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        String upstream = System.getProperty("bench.upstream");
        String outDir = System.getProperty("bench.out");
        if (upstream == null || outDir == null) {
            throw new IllegalArgumentException("run it from bench/proxy-bench.sh (-Dbench.upstream, -Dbench.out)");
        }
        Properties extra = new Properties();
        for (String a : args) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("arguments are property=value, not '" + a + "'");
            }
            extra.setProperty(a.substring(0, eq), a.substring(eq + 1));
        }
        Path out = Path.of(outDir);
        Files.createDirectories(out);
        Path logFile = out.resolve("bridge.log");
        configureLogging(logFile);
        System.exit(run(upstream, out, Integer.getInteger("bench.connections", 100), extra, logFile));
    }

    private static int run(String upstream, Path out, int n, Properties extra, Path logFile) throws Exception {
        String runId = UUID.randomUUID().toString();
        String dir = "target/bench-db/proxy-" + runId;
        Files.createDirectories(Path.of(dir));
        String apiKey = "bench-key-" + UUID.randomUUID();
        Properties p = new Properties();
        p.setProperty("bridge.db.url", "jdbc:h2:file:./" + dir + "/bridge;AUTO_SERVER=TRUE");
        p.setProperty("bridge.encryption.sandbox-key-file", dir + "/sandbox-encryption.key");
        p.setProperty("bridge.api-key", apiKey);
        // the shipped profiles stay; bench-upstream is added: same shape as x-series (sandbox app, tenant on the
        // callback), its API base at the static upstream, a rate limit that never bites, a small refresh margin
        p.setProperty("bridge.profiles", shippedProfiles() + "," + PROFILE);
        addBenchProfile(p, upstream, 1000);
        String k = "bridge.profile." + PROFILE + ".";
        p.putAll(extra);
        int port = freePort();

        InProcessBridge bridge = new InProcessBridge(port, p);
        try {
            CamelContext ctx = bridge.context();
            System.out.printf(Locale.ROOT, "bridge up on 127.0.0.1:%d (db %s, db pool %s, http pool %s/%s per route, rate %s %s,"
                            + " %d cores, java %s %s); log %s%n", port, dir,
                    ctx.resolvePropertyPlaceholders("{{bridge.db.pool-size}}"),
                    ctx.resolvePropertyPlaceholders("{{camel.component.http.maxTotalConnections}}"),
                    ctx.resolvePropertyPlaceholders("{{camel.component.http.connectionsPerRoute}}"),
                    ctx.resolvePropertyPlaceholders("{{" + k + "rate-model}}"),
                    ctx.resolvePropertyPlaceholders("{{" + k + "rate-per-second}}"),
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                    ManagementFactory.getRuntimeMXBean().getInputArguments(), logFile);
            if (!extra.isEmpty()) {
                System.out.println("overrides: " + new TreeMap<>(extra));
            }
            // the catch-all 404 route (routes/fallback.camel.yaml) would answer /floor, added after it
            ctx.getRouteController().stopRoute("not-found");
            ctx.removeRoute("not-found");
            ctx.addRoutes(floorRoute(upstream));
            ConnectionStore store = ctx.getRegistry().lookupByNameAndType("connectionStore", ConnectionStore.class);
            List<String> ids = new ArrayList<>();
            Instant expires = Instant.now().plus(1, ChronoUnit.DAYS);
            for (int i = 0; i < n; i++) {
                ConnectionStore.Saved saved = store.saveAuthorizedConnection(PROFILE, "bench-" + i, "Bench store " + i,
                        new ConnectionStore.Tokens("bench-token-" + i, "bench-refresh-" + i, expires, null, null), "OAUTH");
                ids.add(saved.id());
            }
            System.out.printf(Locale.ROOT, "seeded %d connections of profile %s (tenants bench-0..bench-%d, tokens valid"
                    + " until %s)%n", n, PROFILE, n - 1, expires);
            Files.write(out.resolve("ids.txt"), ids, StandardCharsets.UTF_8);
            Path env = out.resolve("bridge.env.tmp");
            Files.writeString(env, "BRIDGE_PORT=" + port + "\nBRIDGE_KEY=" + apiKey + "\n");
            Files.move(env, out.resolve("bridge.env"), StandardCopyOption.ATOMIC_MOVE);

            Path stop = out.resolve("stop");
            Path sampleRequest = out.resolve("sample.request");
            while (!Files.exists(stop)) {
                if (Files.exists(sampleRequest)) {
                    String[] req = Files.readString(sampleRequest).trim().split("\\s+");
                    Files.delete(sampleRequest);
                    String report = ThreadSampler.sample(Double.parseDouble(req[0]), ctx);
                    Files.writeString(out.resolve("profile-" + (req.length > 1 ? req[1] : "run") + ".txt"), report);
                }
                Thread.sleep(100);
            }
            System.out.println(rateStateHeap(ctx));
            long[] logCounts = BenchLogging.counts(logFile);
            System.out.printf(Locale.ROOT, "bridge log: %d ERROR, %d WARN lines%n", logCounts[0], logCounts[1]);
            return 0;
        } finally {
            bridge.close();
        }
    }

    /**
     * Profile {@value #PROFILE}: same shape as x-series (sandbox app, tenant on the callback), its API base at
     * {@code upstream + /t/{tenant}}, a small refresh margin, the per-second rate model at {@code perSecond} per
     * connection (far above what the benchmarks send: the limit never bites, but every call goes through the rate
     * state, a fixed-size ring of counters per connection). The caller lists it in bridge.profiles.
     */
    static void addBenchProfile(Properties p, String upstream, int perSecond) {
        String k = "bridge.profile." + PROFILE + ".";
        p.setProperty(k + "series", "BENCH");
        p.setProperty(k + "authorize-url", "{{bridge.sandbox.base-url}}/x/oauth/authorize");
        p.setProperty(k + "token-url", "{{bridge.sandbox.base-url}}/x/{tenant}/api/1.0/token");
        p.setProperty(k + "client-auth", "form");
        p.setProperty(k + "client-id-env", "LIGHTSPEED_BENCH_CLIENT_ID");
        p.setProperty(k + "client-secret-env", "LIGHTSPEED_BENCH_CLIENT_SECRET");
        p.setProperty(k + "tenant-param", "domain_prefix");
        p.setProperty(k + "api-base-url", upstream + "/t/{tenant}");
        p.setProperty(k + "refresh-policy", "rotating");
        p.setProperty(k + "refresh-margin-seconds", "60");
        p.setProperty(k + "rate-model", "per-second");
        p.setProperty(k + "rate-per-second", Integer.toString(perSecond));
    }

    /**
     * (d), a diagnostic: the least a Camel proxy costs in this JVM, the same platform-http (Vert.x) server and the
     * same http component, with none of the bridge's steps (no key check, no connection lookup, no throttle, no
     * attempt loop, no header filtering): {@code /floor/{path}} forwards to {@code {upstream}/{path}} with a fixed
     * Authorization header.
     */
    static RouteBuilder floorRoute(String upstream) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("platform-http:/floor?matchOnUriPrefix=true").routeId("bench-floor")
                        .process(e -> {
                            Message m = e.getMessage();
                            String uri = m.getHeader(Exchange.HTTP_URI, String.class);
                            m.getHeaders().clear();
                            m.setHeader("Authorization", "Bearer fixed");
                            m.setHeader(Exchange.HTTP_METHOD, HttpMethods.GET);
                            m.setHeader(Exchange.HTTP_URI, upstream + uri.substring("/floor".length()));
                            m.setBody(null);
                        })
                        .to("http://bench-floor?throwExceptionOnFailure=false&disableStreamCache=true"
                                + "&cookieStore=#bean:noCookies");
            }
        };
    }

    /**
     * The heap held by the proxy's rate state for 1,000 X-Series connections (window model, 350
     * requests per bridge.rate.window-millis) each sent 350 requests: the retained size of a fresh
     * {@link RateLimits} after the calls, measured as the used heap after full GCs with and without it.
     */
    static String rateStateHeap(CamelContext ctx) {
        long windowMillis = Long.parseLong(ctx.resolvePropertyPlaceholders("{{bridge.rate.window-millis}}"));
        int maxWait = Integer.parseInt(ctx.resolvePropertyPlaceholders("{{bridge.api.max-wait-seconds}}"));
        int slots = Integer.parseInt(ctx.resolvePropertyPlaceholders("{{bridge.rate.window-slots}}"));
        long[] small = heldBy(1000, 350, windowMillis, maxWait, slots);
        // the same with 50 times the connections: a heap delta of a few hundred KB is within GC noise
        long[] large = heldBy(50_000, 350, windowMillis, maxWait, slots);
        double mb = small[0] / 1024.0 / 1024.0;
        double perConnection = large[0] / 50_000.0;
        double projected = perConnection * 1000 / 1024.0 / 1024.0;
        return String.format(Locale.ROOT, "rate state: 1000 connections x 350 requests (window model, 350 per %d ms): "
                        + "%.2f MB held as measured; with 50,000 connections %.0f bytes per connection, i.e. %.2f MB for 1,000"
                        + " (waits %d ms in all) -> target <= 8 MB: %s", windowMillis, mb, perConnection, projected,
                small[1] + large[1], Math.max(mb, projected) <= 8 ? "MET" : "NOT MET");
    }

    /** Bytes held by a fresh RateLimits after {@code requests} calls on each of {@code connections}, and the waits summed. */
    private static long[] heldBy(int connections, int requests, long windowMillis, int maxWait, int slots) {
        ProviderProfile.RateModel x = new ProviderProfile.RateModel("window", 350, 0, 0, 0);
        List<ApiConnection> conns = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            conns.add(new ApiConnection(UUID.randomUUID().toString(), "x-series", "store-" + i, "ACTIVE", "OAUTH", "t",
                    null, null, ApiConnection.USABLE, "http://x", x, true));
        }
        long before = usedAfterGc();
        RateLimits limits = new RateLimits();
        limits.setWindowSlots(slots);
        long waited = 0;
        for (int r = 0; r < requests; r++) {
            for (ApiConnection c : conns) {
                waited += limits.window(c, windowMillis, maxWait);
            }
        }
        long after = usedAfterGc();
        if (limits.size() != connections) {
            throw new IllegalStateException("rate state lost connections");
        }
        return new long[] {after - before, waited};
    }

    private static long usedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** The profile names config/application.properties ships, so the benchmark keeps them usable. */
    private static String shippedProfiles() throws IOException {
        Properties shipped = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("config/application.properties"))) {
            shipped.load(in);
        }
        return shipped.getProperty("bridge.profiles", "").trim();
    }

    // ------------------------------------------------------------------ helpers

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The bridge's log (INFO) to a file; WARN and above also on the console. Replaces the tests' log4j2.properties. */
    private static void configureLogging(Path logFile) {
        BenchLogging.configure(logFile);
        System.out.println("bridge side started " + DateTimeFormatter.ISO_INSTANT.format(Instant.now().atOffset(ZoneOffset.UTC)));
    }
}
