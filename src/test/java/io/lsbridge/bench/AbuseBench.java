package io.lsbridge.bench;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.lsbridge.BridgeNode;
import io.lsbridge.Browser;
import io.lsbridge.RawHttp;

/**
 * Abuse (not part of {@code mvn test}; {@code bench/abuse.sh}): a bridge in its own JVM (bin/camel's flags, -Xmx256m,
 * sandbox mode, one connected store) gets, for {@code seconds}: {@code bodies} parallel clients each
 * sending {@code bodyMB} MB bodies to /api without a key, over and over, and {@code slow} connections
 * trickling a request head one header line a second (reopened when cut). Meanwhile it times
 * GET /connections every 50 ms and sends a proxied call with the key every 100 ms. Prints the
 * refused count, /connections p50/p99/max, the bridge's RSS (before, peak) and whether anything was
 * lost (a failed /connections or proxied call). Exit status 0 when p99 is under 200 ms and nothing
 * was lost.
 */
public final class AbuseBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AbuseBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new java.util.HashMap<>(Map.of("seconds", "30", "bodies", "32", "slow", "300",
                "bodyMB", "10", "heap", "256m"));
        for (String a : args) {
            opt.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        int seconds = Integer.parseInt(opt.get("seconds"));
        int bodies = Integer.parseInt(opt.get("bodies"));
        int slow = Integer.parseInt(opt.get("slow"));
        long bodyBytes = Long.parseLong(opt.get("bodyMB")) << 20;
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String key = "abuse-key-" + UUID.randomUUID();
        Path dir = Path.of("target/abuse/" + System.currentTimeMillis()).toAbsolutePath();
        Files.createDirectories(dir);
        // the JVM flags of `bin/camel run` (heap=... replaces -Xmx; jvm="..." adds flags, e.g. the trims in the README)
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java"));
        ProcessMemory.BIN_CAMEL_FLAGS.forEach(f -> cmd.add(f.startsWith("-Xmx") ? "-Xmx" + opt.get("heap") : f));
        if (!opt.getOrDefault("jvm", "").isBlank()) {
            cmd.addAll(List.of(opt.get("jvm").trim().split("\\s+")));
        }
        cmd.addAll(List.of("-Dcamel.management.port=0", "-cp", System.getProperty("java.class.path"),
                BridgeNode.class.getName(), "camel.server.port=" + port, "bridge.api-key=" + key,
                "bridge.db.url=jdbc:h2:file:" + dir + "/bridge;WRITE_DELAY=0",
                "bridge.encryption.sandbox-key-file=" + dir + "/sandbox.key",
                "camel.main.name=abuse-bridge"));
        System.out.println("bridge JVM: " + String.join(" ", cmd.subList(0, cmd.indexOf("-cp"))) + " (MALLOC_ARENA_MAX=2, as bin/camel)");
        int exit = 1;
        ProcessBuilder launch = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("bridge.log").toFile());
        launch.environment().put("MALLOC_ARENA_MAX", "2");
        Process bridge = launch.start();
        ProcessMemory memory = new ProcessMemory(bridge.pid());
        String base = "http://127.0.0.1:" + port;
        try {
            waitReady(bridge, base, key);
            String id = connectStore(base, key);
            for (int i = 0; i < 50; i++) {   // warm up
                Browser.call("GET", base + "/connections", key, null);
                Browser.call("GET", base + "/api/" + id + "/2.0/products", key, null);
            }
            // the same probe without the abuse first: on a shared machine its figures are the yardstick
            long[] quiet = probeFor(base, key, 10);
            long rssBefore = ProcessMemory.rssKb(bridge.pid(), "VmRSS");
            long heapBefore = memory.heapUsedPeakKb.get();
            memory.resetPeaks();
            System.out.printf("bridge pid %d on %s, -Xmx%s; RSS before the abuse %d MB; abuse for %d s: %d parallel %d MB bodies "
                    + "without a key, %d slow connections%n", bridge.pid(), base, opt.get("heap"), rssBefore / 1024, seconds,
                    bodies, bodyBytes >> 20, slow);

            long end = System.currentTimeMillis() + seconds * 1000L;
            AtomicLong refused = new AtomicLong();
            AtomicLong otherAnswers = new AtomicLong();
            AtomicLong bodyBytesTaken = new AtomicLong();
            AtomicLong slowCut = new AtomicLong();
            AtomicLong rssPeak = new AtomicLong(rssBefore);
            ConcurrentLinkedQueue<Long> probe = new ConcurrentLinkedQueue<>();
            AtomicLong probeFailed = new AtomicLong();
            AtomicLong proxiedOk = new AtomicLong();
            AtomicLong proxiedFailed = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < bodies; i++) {
                threads.add(start("abuser-" + i, () -> {
                    while (System.currentTimeMillis() < end) {
                        try (RawHttp http = new RawHttp(port)) {
                            http.write("POST /api/" + id + "/2.0/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: " + bodyBytes + "\r\n\r\n");
                            http.writeBodyInBackground(bodyBytes, false);
                            RawHttp.Response r = http.read();
                            (r != null && r.status() == 401 ? refused : otherAnswers).incrementAndGet();
                            http.close();
                            bodyBytesTaken.addAndGet(http.awaitWriter(5000));
                        } catch (IOException e) {
                            otherAnswers.incrementAndGet();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            threads.add(start("slow", () -> slowConnections(port, slow, end, slowCut)));
            threads.add(start("probe", () -> {
                while (System.currentTimeMillis() < end) {
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> r = Browser.call("GET", base + "/connections", key, null);
                        if (r.statusCode() != 200) {
                            probeFailed.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        probeFailed.incrementAndGet();
                    }
                    probe.add((System.nanoTime() - t0) / 1_000_000);
                    sleep(50);
                }
            }));
            threads.add(start("proxied", () -> {
                while (System.currentTimeMillis() < end) {
                    try {
                        HttpResponse<String> r = Browser.call("GET", base + "/api/" + id + "/2.0/products", key, null);
                        (r.statusCode() == 200 ? proxiedOk : proxiedFailed).incrementAndGet();
                    } catch (RuntimeException e) {
                        proxiedFailed.incrementAndGet();
                    }
                    sleep(100);
                }
            }));
            threads.add(start("rss", () -> {
                while (System.currentTimeMillis() < end) {
                    rssPeak.accumulateAndGet(ProcessMemory.rssKb(bridge.pid(), "VmRSS"), Math::max);
                    sleep(200);
                }
            }));
            for (Thread t : threads) {
                t.join();
            }
            long[] ms = probe.stream().mapToLong(Long::longValue).sorted().toArray();
            long p50 = ms.length == 0 ? -1 : ms[ms.length / 2];
            long p99 = ms.length == 0 ? -1 : ms[(int) Math.ceil(ms.length * 0.99) - 1];
            long max = ms.length == 0 ? -1 : ms[ms.length - 1];
            long hwm = ProcessMemory.rssKb(bridge.pid(), "VmHWM");
            Map<String, Object> after = connections(base, key).get(0);
            boolean lost = probeFailed.get() > 0 || proxiedFailed.get() > 0 || !"ACTIVE".equals(after.get("status"));
            System.out.println();
            System.out.println("==== abuse summary (" + Runtime.getRuntime().availableProcessors() + " cores, load "
                    + Files.readString(Path.of("/proc/loadavg")).trim() + ")");
            System.out.printf("unauthenticated %d MB bodies refused (401): %d; other outcomes: %d; body bytes the sockets took "
                    + "in all: %d MB (%.1f KB per refused body)%n", bodyBytes >> 20, refused.get(), otherAnswers.get(),
                    bodyBytesTaken.get() >> 20, refused.get() == 0 ? 0.0 : bodyBytesTaken.get() / 1024.0 / refused.get());
            System.out.printf("slow connections: %d held open at a time, %d cut off by the request timeout%n", slow, slowCut.get());
            System.out.printf("GET /connections during the abuse: %d calls, p50 %d ms, p99 %d ms, max %d ms, %d failed "
                    + "(target p99 < 200 ms: %s)%n", ms.length, p50, p99, max, probeFailed.get(), p99 < 200 ? "MET" : "NOT MET");
            System.out.printf("GET /connections without the abuse (10 s just before): %d calls, p50 %d ms, p99 %d ms, max %d ms%n",
                    quiet.length, quiet[quiet.length / 2], quiet[(int) Math.ceil(quiet.length * 0.99) - 1], quiet[quiet.length - 1]);
            System.out.printf("proxied calls with the key during the abuse: %d answered 200, %d failed%n", proxiedOk.get(),
                    proxiedFailed.get());
            System.out.printf("bridge RSS: %d MB before, peak %d MB sampled (VmHWM %d MB); heap limit -Xmx%s%n", rssBefore / 1024,
                    rssPeak.get() / 1024, hwm / 1024, opt.get("heap"));
            System.out.printf("bridge heap in use: peak %d MB during the abuse (peak %d MB before it), committed peak %d MB;"
                    + " metaspace in use %d MB; peak RSS %s the heap limit%n", memory.heapUsedPeakKb.get() / 1024, heapBefore / 1024,
                    memory.heapCommittedPeakKb.get() / 1024, memory.metaspaceUsedKb.get() / 1024,
                    hwm / 1024 < ProcessMemory.mb(opt.get("heap")) ? "UNDER" : "OVER");
            System.out.println("nothing lost: " + (lost ? "NO" : "yes") + " (connection " + after.get("status") + ")");
            exit = p99 < 200 && !lost ? 0 : 1;
        } finally {
            memory.close();
            bridge.destroy();
            if (!bridge.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                bridge.destroyForcibly().waitFor();
            }
        }
        System.exit(exit);
    }

    /** GET /connections every 50 ms for {@code seconds}: the times in milliseconds, sorted. */
    private static long[] probeFor(String base, String key, int seconds) {
        List<Long> ms = new ArrayList<>();
        long end = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < end) {
            long t0 = System.nanoTime();
            Browser.call("GET", base + "/connections", key, null);
            ms.add((System.nanoTime() - t0) / 1_000_000);
            sleep(50);
        }
        return ms.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** {@code count} connections each sending one more header line a second, never ending the head. */
    private static void slowConnections(int port, int count, long end, AtomicLong cut) {
        RawHttp[] conns = new RawHttp[count];
        while (System.currentTimeMillis() < end) {
            for (int i = 0; i < count; i++) {
                try {
                    if (conns[i] == null) {
                        conns[i] = new RawHttp(port).write("GET /connections HTTP/1.1\r\nHost: x\r\n");
                    } else {
                        conns[i].write("X-Slow-" + i + ": 1\r\n");
                    }
                } catch (IOException e) {
                    cut.incrementAndGet();
                    closeQuietly(conns[i]);
                    conns[i] = null;
                }
            }
            sleep(1000);
        }
        for (RawHttp c : conns) {
            closeQuietly(c);
        }
    }

    private static void closeQuietly(RawHttp c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    private static String connectStore(String base, String key) {
        Browser browser = new Browser();
        HttpResponse<String> connect = browser.get(base + "/connect/x-series");
        String authorize = Browser.location(connect);
        Browser consent = new Browser();
        consent.get(authorize);
        HttpResponse<String> decided = consent.postForm(authorize, "decision=grant&store=abuse-shop");
        HttpResponse<String> page = browser.get(Browser.location(decided));
        if (page.statusCode() != 200) {
            throw new IllegalStateException("connecting the store failed: " + page.statusCode());
        }
        return (String) connections(base, key).get(0).get("id");
    }

    private static List<Map<String, Object>> connections(String base, String key) {
        try {
            return JSON.readValue(Browser.call("GET", base + "/connections", key, null).body(), new TypeReference<>() { });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void waitReady(Process bridge, String base, String key) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline) {
            if (!bridge.isAlive()) {
                throw new IllegalStateException("the bridge exited; see target/abuse/*/bridge.log");
            }
            try {
                // 200 with the key: the operator API's route is up (the front door answers 401 before it is)
                if (Browser.call("GET", base + "/connections", key, null).statusCode() == 200) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the bridge did not start in 180 s");
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
