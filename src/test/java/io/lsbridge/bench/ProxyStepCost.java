package io.lsbridge.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import io.lsbridge.ConnectionStore;
import io.lsbridge.InProcessBridge;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.http.HttpMethods;

/**
 * A developer's loop for the proxy's own cost (not a test, not the benchmark of record: that is
 * {@code bench/proxy-bench.sh}). Boots the bridge in-process against a local upstream
 * ({@code -Dsteps.upstream}, default http://127.0.0.1:18777: any server answering
 * 200 to GET /t/{tenant}/items, e.g. nginx), then calls {@code direct:lightspeed-api} (the whole policy of a proxied call, route api-call) and a
 * bare {@code direct -> http} route alternately from one thread, and prints the CPU time of the
 * calling thread per call for each: the same HTTP client, upstream and JVM, so the difference is the
 * bridge's steps. Run: {@code mvn -q test-compile dependency:build-classpath -Dmdep.includeScope=test
 * -Dmdep.outputFile=target/test.classpath && java -cp target/test-classes:target/classes:$(cat
 * target/test.classpath) io.lsbridge.bench.ProxyStepCost [calls]}.
 */
public final class ProxyStepCost {
    private ProxyStepCost() {
    }

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        String base = System.getProperty("steps.upstream", "http://127.0.0.1:18777");

        String dir = "target/bench-db/steps-" + UUID.randomUUID();
        Files.createDirectories(Path.of(dir));
        Properties p = new Properties();
        p.setProperty("bridge.db.url", "jdbc:h2:file:./" + dir + "/bridge");
        p.setProperty("bridge.encryption.sandbox-key-file", dir + "/sandbox-encryption.key");
        p.setProperty("bridge.api-key", "steps-key-" + UUID.randomUUID());
        p.setProperty("bridge.profiles", "x-series," + ProxyBenchmark.PROFILE);
        ProxyBenchmark.addBenchProfile(p, base, 100_000);
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (InProcessBridge bridge = new InProcessBridge(port, p)) {
            CamelContext ctx = bridge.context();
            // the catch-all 404 route would answer /floor, added after it
            ctx.getRouteController().stopRoute("not-found");
            ctx.removeRoute("not-found");
            // the same bare /floor proxy as proxy-bench.sh's (d)
            ctx.addRoutes(ProxyBenchmark.floorRoute(base));
            ctx.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:steps-floor").routeId("steps-floor")
                            .setHeader("Authorization", constant("Bearer fixed"))
                            .to("http://steps-floor?throwExceptionOnFailure=false&disableStreamCache=true"
                                    + "&cookieStore=#bean:noCookies")
                            .convertBodyTo(String.class);
                    // the answer's stream is read within the exchange (as the HTTP server does when it writes it)
                    from("direct:steps-bridge").routeId("steps-bridge")
                            .to("direct:lightspeed-api")
                            .convertBodyTo(String.class);
                    from("direct:steps-variant").routeId("steps-variant")
                            .to("direct:lightspeed-api-variant")
                            .convertBodyTo(String.class);
                }
            });
            // -Dsteps.variant=FILE: a changed copy of routes/api-proxy.camel.yaml whose entry is
            // direct:lightspeed-api-variant (other ids and direct: names renamed, no platform-http route),
            // measured interleaved with the real one in this JVM: an A/B that the machine's load affects alike
            String variant = System.getProperty("steps.variant");
            if (variant != null) {
                org.apache.camel.support.PluginHelper.getRoutesLoader(ctx).loadRoutes(
                        org.apache.camel.support.ResourceHelper.resolveMandatoryResource(ctx, "file:" + variant));
            }
            ConnectionStore store = ctx.getRegistry().lookupByNameAndType("connectionStore", ConnectionStore.class);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ids.add(store.saveAuthorizedConnection(ProxyBenchmark.PROFILE, "bench-" + i, "Bench " + i,
                        new ConnectionStore.Tokens("bench-token-" + i, "bench-refresh-" + i,
                                Instant.now().plus(1, ChronoUnit.DAYS), null, null), "OAUTH").id());
            }
            ProducerTemplate pt = ctx.createProducerTemplate();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (int round = 1; round <= Integer.getInteger("steps.rounds", 6); round++) {
                // interleaved call by call (bridge, variant, floor), each call's own thread CPU: the machine's load
                // then weighs on all alike; the median per call ignores calls that were preempted or hit a GC
                Call bridgeCall = i -> proxiedGet(pt, "direct:steps-bridge", ids.get(i % ids.size()));
                Call variantCall = i -> proxiedGet(pt, "direct:steps-variant", ids.get(i % ids.size()));
                Call floorCall = i -> {
                    Exchange e = pt.request("direct:steps-floor", x -> {
                        x.getMessage().setHeader(Exchange.HTTP_METHOD, HttpMethods.GET);
                        x.getMessage().setHeader(Exchange.HTTP_URI, base + "/t/bench-" + (i % 10) + "/items");
                    });
                    check(e, 200);
                };
                long[][] cpu = new long[3][calls];
                for (int i = 0; i < calls; i++) {
                    cpu[0][i] = timed(threads, bridgeCall, i);
                    cpu[1][i] = variant == null ? 0 : timed(threads, variantCall, i);
                    cpu[2][i] = timed(threads, floorCall, i);
                }
                double c = median(cpu[0]);
                double v = median(cpu[1]);
                double d = median(cpu[2]);
                if (variant != null) {
                    System.out.printf(Locale.ROOT, "round %d: median caller-thread CPU per call: bridge %.1f us, variant %.1f us"
                            + " (variant/bridge %.3f), floor %.1f us%n", round, c, v, v / c, d);
                }
                String key = ctx.resolvePropertyPlaceholders("{{bridge.api-key}}");
                com.sun.management.OperatingSystemMXBean os =
                        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                if (Boolean.parseBoolean(System.getProperty("steps.http", "true"))) try (RawHttp http = new RawHttp(port)) {
                    // -Dsteps.only=c or d: one side only (e.g. to profile each in its own run)
                    String only = System.getProperty("steps.only", "");
                    double hc = only.equals("d") ? 1 : perCallProcess(os, calls, i -> http.get("/api/" + ids.get(i % ids.size()) + "/items", key));
                    double hd = only.equals("c") ? 1 : perCallProcess(os, calls, i -> http.get("/floor/t/bench-" + (i % 10) + "/items", key));
                    System.out.printf(Locale.ROOT, "round %d over HTTP (one keep-alive client): process CPU per call: bridge"
                            + " /api %.1f us, bare /floor %.1f us, difference %.1f us (ratio d/c %.3f)%n", round, hc, hd, hc - hd,
                            hd / hc);
                }
                if (!Boolean.parseBoolean(System.getProperty("steps.direct", "true"))) {
                    continue;
                }
                System.out.printf(Locale.ROOT, "round %d: %d calls each, median caller-thread CPU per call: bridge api-call %.1f us,"
                        + " bare direct->http %.1f us, difference %.1f us (ratio d/c %.3f)%n", round, calls, c, d, c - d, d / c);
            }
        }
        System.exit(0);
    }

    private interface Call {
        void run(int i) throws Exception;
    }

    /** A GET of "items" on the connection through {@code route} (the bridge's entry or its variant's), answered 200. */
    private static void proxiedGet(ProducerTemplate pt, String route, String connectionId) {
        Map<String, Object> h = new HashMap<>();
        h.put("LightspeedConnectionId", connectionId);
        h.put(Exchange.HTTP_METHOD, "GET");
        h.put("LightspeedPath", "items");
        check(pt.request(route, x -> x.getMessage().setHeaders(h)), 200);
    }

    private static long timed(ThreadMXBean threads, Call call, int i) throws Exception {
        long t0 = threads.getCurrentThreadCpuTime();
        call.run(i);
        return threads.getCurrentThreadCpuTime() - t0;
    }

    /** Microseconds. */
    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1000.0;
    }

    private static double perCall(ThreadMXBean threads, int calls, Call call) throws Exception {
        long t0 = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < calls; i++) {
            call.run(i);
        }
        return (threads.getCurrentThreadCpuTime() - t0) / 1000.0 / calls;
    }

    private static double perCallProcess(com.sun.management.OperatingSystemMXBean os, int calls, Call call) throws Exception {
        long t0 = os.getProcessCpuTime();
        for (int i = 0; i < calls; i++) {
            call.run(i);
        }
        return (os.getProcessCpuTime() - t0) / 1000.0 / calls;
    }

    /** A minimal keep-alive HTTP/1.1 client: its own cost is tiny and the same for both routes. */
    private static final class RawHttp implements AutoCloseable {
        private final java.net.Socket socket;
        private final java.io.InputStream in;
        private final java.io.OutputStream out;

        RawHttp(int port) throws java.io.IOException {
            socket = new java.net.Socket("127.0.0.1", port);
            socket.setTcpNoDelay(true);
            in = new java.io.BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void get(String path, String key) throws java.io.IOException {
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nX-Api-Key: " + key
                    + "\r\nAccept: application/json\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            out.flush();
            String status = line();
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IllegalStateException(path + ": " + status);
            }
            int length = -1;
            boolean chunked = false;
            for (String h = line(); !h.isEmpty(); h = line()) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            if (chunked) {
                for (int n = Integer.parseInt(line().trim(), 16); n > 0; n = Integer.parseInt(line().trim(), 16)) {
                    in.readNBytes(n);
                    line();
                }
                line();
            } else {
                in.readNBytes(length);
            }
        }

        private String line() throws java.io.IOException {
            StringBuilder b = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new java.io.EOFException();
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        @Override
        public void close() throws java.io.IOException {
            socket.close();
        }
    }

    private static void check(Exchange e, int status) {
        Integer code = e.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        if (e.getException() != null || code == null || code != status) {
            throw new IllegalStateException("unexpected answer " + code + " " + e.getException());
        }
    }
}
