package io.lsbridge.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
    private static final long SAMPLE_INTERVAL_MILLIS = 20;

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
        // per connection; 100 connections at the peak are far below 1000/s each: the limit never bites, but every
        // call goes through the per-second rate state (a fixed-size ring of counters per connection)
        p.setProperty(k + "rate-model", "per-second");
        p.setProperty(k + "rate-per-second", "1000");
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
                    String report = sample(Double.parseDouble(req[0]), ctx);
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
     * (d), a diagnostic: the least a Camel proxy costs in this JVM, the same platform-http (Vert.x) server and the
     * same http component, with none of the bridge's steps (no key check, no connection lookup, no throttle, no
     * attempt loop, no header filtering): {@code /floor/{path}} forwards to {@code {upstream}/{path}} with a fixed
     * Authorization header.
     */
    private static RouteBuilder floorRoute(String upstream) {
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
        int connections = 1000;
        int requests = 350;
        long windowMillis = Long.parseLong(ctx.resolvePropertyPlaceholders("{{bridge.rate.window-millis}}"));
        int maxWait = Integer.parseInt(ctx.resolvePropertyPlaceholders("{{bridge.api.max-wait-seconds}}"));
        ProviderProfile.RateModel x = new ProviderProfile.RateModel("window", 350, 0, 0, 0);
        List<ApiConnection> conns = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            conns.add(new ApiConnection(UUID.randomUUID().toString(), "x-series", "store-" + i, "ACTIVE", "OAUTH", "t",
                    null, null, ApiConnection.USABLE, "http://x", x, true));
        }
        long before = usedAfterGc();
        RateLimits limits = new RateLimits();
        limits.setWindowSlots(Integer.parseInt(ctx.resolvePropertyPlaceholders("{{bridge.rate.window-slots}}")));
        long waited = 0;
        for (int r = 0; r < requests; r++) {
            for (ApiConnection c : conns) {
                waited += limits.window(c, windowMillis, maxWait);
            }
        }
        long after = usedAfterGc();
        double mb = (after - before) / 1024.0 / 1024.0;
        String line = String.format(Locale.ROOT, "rate state: %d connections x %d requests (window model, %d per %d ms): "
                        + "%.2f MB held (%d bytes per connection; %d connections with state, waits %d ms in all) -> target <= 8 MB: %s",
                connections, requests, 350, windowMillis, mb, (after - before) / connections, limits.size(), waited,
                mb <= 8 ? "MET" : "NOT MET");
        if (limits.size() != connections) {
            throw new IllegalStateException("rate state lost connections");
        }
        return line;
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

    // ------------------------------------------------------------------ sampling

    /** Marker frames: share of the busy worker samples with that method anywhere on the stack. */
    private static final String[][] MARKERS = {
            {"ApiKeyGuard.verify", "io.lsbridge.ApiKeyGuard.verify"},
            {"ApiRequestCheck (path, query, header checks)", "io.lsbridge.http.ApiRequestCheck."},
            {"ApiConnections (lookup, url)", "io.lsbridge.proxy.ApiConnections."},
            {"RateLimits (rate state)", "io.lsbridge.rate."},
            {"Camel bean expressions (method: ...)", "org.apache.camel.language.bean.BeanExpression"},
            {"Camel simple OGNL", "org.apache.camel.language.simple"},
            {"ConnectionStore.* (all SQL: rowState, tenant, accessToken)", "io.lsbridge.ConnectionStore."},
            {"  ConnectionStore.apiRow (cached lookup)", "io.lsbridge.ConnectionStore.apiRow"},
            {"  Hikari getConnection/close", "com.zaxxer.hikari.pool."},
            {"  H2 (org.h2.*)", "org.h2."},
            {"TokenCipher (AES-GCM decrypt)", "io.lsbridge.TokenCipher."},
            {"Camel throttle", "org.apache.camel.processor.Throttler"},
            {"camel-http producer (whole upstream call)", "org.apache.camel.component.http.HttpProducer.process"},
            {"  Apache HttpClient 5 (org.apache.hc.*)", "org.apache.hc."},
            {"removeHeaders", "org.apache.camel.processor.RemoveHeadersProcessor"},
            {"java.util.regex", "java.util.regex."},
    };

    /** Thread dumps every 20 ms for {@code seconds}: worker states, marker frames, top frames, CPU per thread group. */
    static String sample(double seconds, CamelContext ctx) throws InterruptedException {
        ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<Long, String> names = new HashMap<>();
        Map<Long, Long> cpu0 = threadCpu(tmx, names);
        long process0 = os.getProcessCpuTime();
        long gc0 = gcMillis();
        long gcCount0 = gcCount();
        long jit0 = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        int dumps = 0;
        int workerSamples = 0;
        Map<String, Integer> states = new TreeMap<>();
        Map<String, Integer> markers = new LinkedHashMap<>();
        Map<String, Integer> topFrames = new HashMap<>();
        Map<String, Integer> bridgeFrames = new HashMap<>();
        Map<String, Integer> nonJdkFrames = new HashMap<>();
        int busy = 0;
        while (System.nanoTime() < end) {
            ThreadInfo[] infos = tmx.dumpAllThreads(false, false);
            dumps++;
            for (ThreadInfo ti : infos) {
                if (ti == null || !ti.getThreadName().startsWith("vert.x-worker-thread")) {
                    continue;
                }
                workerSamples++;
                StackTraceElement[] st = ti.getStackTrace();
                String state = classify(ti, st);
                states.merge(state, 1, Integer::sum);
                if (state.startsWith("idle")) {
                    continue;
                }
                busy++;
                java.util.Set<String> seen = new java.util.HashSet<>();
                for (StackTraceElement e : st) {
                    String frame = e.getClassName() + "." + e.getMethodName();
                    for (String[] m : MARKERS) {
                        if (frame.startsWith(m[1]) && seen.add(m[0])) {
                            markers.merge(m[0], 1, Integer::sum);
                        }
                    }
                }
                if (state.startsWith("running") && st.length > 0) {
                    topFrames.merge(st[0].getClassName() + "." + st[0].getMethodName(), 1, Integer::sum);
                    for (StackTraceElement e : st) {
                        String c = e.getClassName();
                        if (!(c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.") || c.startsWith("com.sun."))) {
                            String jdkTop = st[0].getClassName().equals(c) ? "" : "  <- " + st[0].getClassName().replaceAll(".*\\.", "")
                                    + "." + st[0].getMethodName();
                            nonJdkFrames.merge(c + "." + e.getMethodName() + ":" + e.getLineNumber() + jdkTop, 1, Integer::sum);
                            break;
                        }
                    }
                    for (StackTraceElement e : st) {
                        if (e.getClassName().startsWith("io.lsbridge.")) {
                            bridgeFrames.merge(e.getClassName().substring("io.lsbridge.".length()) + "."
                                    + e.getMethodName() + ":" + e.getLineNumber(), 1, Integer::sum);
                            break;
                        }
                    }
                }
            }
            Thread.sleep(SAMPLE_INTERVAL_MILLIS);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<Long, Long> cpu1 = threadCpu(tmx, names);
        double processCpu = (os.getProcessCpuTime() - process0) / 1e9;
        Map<String, Double> byGroup = new TreeMap<>();
        double visible = 0;
        for (Map.Entry<Long, Long> e : cpu1.entrySet()) {
            double d = (e.getValue() - cpu0.getOrDefault(e.getKey(), 0L)) / 1e9;
            visible += d;
            byGroup.merge(group(names.get(e.getKey())), d, Double::sum);
        }
        StringBuilder r = new StringBuilder();
        r.append(String.format(Locale.ROOT, "in-process sampling: %.1f s wall, %d thread dumps (every %d ms; safepoint-biased)%n",
                wall, dumps, SAMPLE_INTERVAL_MILLIS));
        r.append(String.format(Locale.ROOT, "JVM CPU: %.2f cores (%.1f s CPU in %.1f s); GC %d collections, %.2f s;"
                        + " JIT compiling %.1f s (summed over compiler threads)%n", processCpu / wall, processCpu, wall,
                gcCount() - gcCount0, (gcMillis() - gc0) / 1000.0,
                (ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jit0) / 1000.0));
        r.append("CPU by thread group (cores):\n");
        byGroup.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .filter(e -> e.getValue() / wall >= 0.005)
                .forEach(e -> r.append(String.format(Locale.ROOT, "  %-38s %.2f%n", e.getKey(), e.getValue() / wall)));
        r.append(String.format(Locale.ROOT, "  %-38s %.2f%n", "(GC, JIT and other hidden threads)",
                Math.max(0, processCpu - visible) / wall));
        r.append(String.format(Locale.ROOT, "vert.x worker samples: %d (%d workers avg); states:%n", workerSamples,
                dumps == 0 ? 0 : workerSamples / dumps));
        for (Map.Entry<String, Integer> e : states.entrySet()) {
            r.append(String.format(Locale.ROOT, "  %-60s %5.1f%%%n", e.getKey(), 100.0 * e.getValue() / Math.max(1, workerSamples)));
        }
        r.append(String.format(Locale.ROOT, "busy worker samples (not idle): %d; share with the frame on the stack:%n", busy));
        for (String[] m : MARKERS) {
            r.append(String.format(Locale.ROOT, "  %-60s %5.1f%%%n", m[0], 100.0 * markers.getOrDefault(m[0], 0) / Math.max(1, busy)));
        }
        int running = states.entrySet().stream().filter(e -> e.getKey().startsWith("running")).mapToInt(Map.Entry::getValue).sum();
        r.append(String.format(Locale.ROOT, "top frames of running worker samples (%d):%n", running));
        top(topFrames, 15).forEach(e -> r.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n",
                100.0 * e.getValue() / Math.max(1, running), e.getKey())));
        r.append("innermost non-JDK frame of running worker samples (<- the JDK frame on top, if any):\n");
        top(nonJdkFrames, 25).forEach(e -> r.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n",
                100.0 * e.getValue() / Math.max(1, running), e.getKey())));
        r.append("innermost bridge frame of running worker samples:\n");
        top(bridgeFrames, 10).forEach(e -> r.append(String.format(Locale.ROOT, "  %5.1f%%  %s%n",
                100.0 * e.getValue() / Math.max(1, running), e.getKey())));
        return r.toString();
    }

    /** What a worker thread is doing: idle in its pool, waiting on I/O or a lock (and for what), or running. */
    private static String classify(ThreadInfo ti, StackTraceElement[] st) {
        String stack = Stream.of(st).limit(40).map(e -> e.getClassName() + "." + e.getMethodName())
                .collect(Collectors.joining(" "));
        String top = st.length == 0 ? "" : st[0].getClassName() + "." + st[0].getMethodName();
        boolean idle = stack.contains("ThreadPoolExecutor.getTask") && !stack.contains("org.apache.camel");
        if (idle) {
            return "idle (worker pool has no request)";
        }
        boolean ioWait = top.startsWith("sun.nio.ch.Net.poll") || top.startsWith("sun.nio.ch.SocketDispatcher.read")
                || top.startsWith("sun.nio.ch.EPoll.wait") || top.startsWith("java.net.SocketInputStream.socketRead");
        if (ti.getThreadState() == Thread.State.RUNNABLE && !ioWait) {
            return "running (on CPU or runnable)";
        }
        String what = stack.contains("com.zaxxer.hikari") ? "DB pool (Hikari)"
                : stack.contains("org.h2") ? "H2"
                : stack.contains("org.apache.hc") ? "upstream HTTP (HttpClient)"
                : stack.contains("Throttler") ? "throttle"
                : stack.contains("org.apache.camel") ? "Camel"
                : "other";
        return (ioWait ? "waiting for socket I/O: " : "blocked/waiting (" + ti.getThreadState() + "): ") + what;
    }

    private static List<Map.Entry<String, Integer>> top(Map<String, Integer> counts, int n) {
        return counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(n).toList();
    }

    private static Map<Long, Long> threadCpu(ThreadMXBean tmx, Map<Long, String> names) {
        Map<Long, Long> cpu = new HashMap<>();
        for (ThreadInfo ti : tmx.getThreadInfo(tmx.getAllThreadIds())) {
            if (ti == null) {
                continue;
            }
            long t = tmx.getThreadCpuTime(ti.getThreadId());
            if (t >= 0) {
                cpu.put(ti.getThreadId(), t);
                names.putIfAbsent(ti.getThreadId(), ti.getThreadName());
            }
        }
        return cpu;
    }

    private static String group(String name) {
        if (name == null) {
            return "?";
        }
        // "vert.x-worker-thread-7" -> "vert.x-worker-thread-*", "Camel (x) thread #3 - Foo" -> "Camel (x) thread - Foo"
        return name.replaceAll("-\\d+$", "-*").replaceAll(" #\\d+", "").replaceAll("\\d+$", "*");
    }

    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    private static long gcCount() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
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
