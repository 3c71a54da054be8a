package io.lsbridge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.net.httpserver.HttpServer;
import io.lsbridge.BridgeTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Proxied request bodies pass to Lightspeed streamed (route api-http, useStreaming; RequestBodySpool):
 * spooled as they arrive into Camel's stream cache (memory up to bridge.http.body-memory-bytes, then an
 * encrypted temporary file), sent from there with a Content-Length, sent again from there by a retry, and
 * deleted when the call ends. Checked at the far end (a local upstream hashing what it reads).
 */
class StreamedBodyTest extends BridgeTestSupport {
    private static final int MB3 = 3 << 20;
    private static final int CONCURRENT = 16;
    private static final String MARKER = "CUSTOMER-PII-4111111111111111;";

    /** What the upstream saw of one request. */
    record Seen(String sha256, long bytes, String contentLength, String transferEncoding, String token, String contentType) { }

    private static final HttpServer UPSTREAM;
    private static final ConcurrentLinkedQueue<Seen> SEEN = new ConcurrentLinkedQueue<>();
    /** The next request is answered 401 (after its body is read). */
    private static final AtomicBoolean REJECT_NEXT = new AtomicBoolean();
    /** While set, each request waits for it before reading its body (a slow upstream). */
    private static volatile CountDownLatch hold = new CountDownLatch(0);
    private static final java.util.concurrent.atomic.AtomicInteger ARRIVED = new java.util.concurrent.atomic.AtomicInteger();

    static {
        try {
            UPSTREAM = HttpServer.create(new InetSocketAddress("localhost", 0), 64);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        UPSTREAM.setExecutor(Executors.newFixedThreadPool(CONCURRENT + 4));
        UPSTREAM.createContext("/", ex -> {
            ARRIVED.incrementAndGet();
            try {
                hold.await(60, TimeUnit.SECONDS);
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                long n = 0;
                byte[] buf = new byte[16 * 1024];
                try (InputStream in = ex.getRequestBody()) {
                    for (int r; (r = in.read(buf)) > 0; ) {
                        sha.update(buf, 0, r);
                        n += r;
                    }
                }
                SEEN.add(new Seen(HexFormat.of().formatHex(sha.digest()), n, ex.getRequestHeaders().getFirst("Content-Length"),
                        ex.getRequestHeaders().getFirst("Transfer-Encoding"), ex.getRequestHeaders().getFirst("Authorization"),
                        ex.getRequestHeaders().getFirst("Content-Type")));
                boolean reject = REJECT_NEXT.compareAndSet(true, false);
                byte[] answer = (reject ? "{\"error\":\"invalid_token\"}" : "{\"received\":" + n + "}").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(reject ? 401 : 200, answer.length);
                ex.getResponseBody().write(answer);
            } catch (Exception e) {
                ex.sendResponseHeaders(500, -1);
            } finally {
                ex.close();
            }
        });
        UPSTREAM.start();
    }

    @AfterAll
    void stopUpstream() {
        UPSTREAM.stop(0);
    }

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        // a 401 renews the token at once (the connection was made a moment ago)
        p.setProperty("bridge.refresh.min-interval-seconds", "0");
        p.setProperty("camel.component.http.responseTimeout", "50000");
        p.setProperty("camel.component.http.soTimeout", "50000");
        // X-Series connects through the sandbox as usual; its API is the local upstream of this test
        p.setProperty("bridge.profile.x-series.api-base-url", "http://localhost:" + UPSTREAM.getAddress().getPort() + "/t/{tenant}");
        p.setProperty("bridge.profile.x-series.rate-model", "none");
        return p;
    }

    private static byte[] body(int size) {
        byte[] marker = MARKER.getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = marker[i % marker.length];
        }
        // the end differs from the pattern, so a cut or a repeated chunk changes the hash
        b[size - 1] = '!';
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private HttpResponse<String> post(String id, byte[] body) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(base() + "/api/" + id + "/2.0/products"))
                .timeout(Duration.ofSeconds(120)).header("X-Api-Key", apiKey).header("Content-Type", "application/json")
                // streamed from the one array with its Content-Length (ofByteArray would copy the body per request)
                .POST(body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body)), body.length))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private File spoolDir() {
        return context.getStreamCachingStrategy().getSpoolDirectory();
    }

    private List<File> spoolFiles() {
        File dir = spoolDir();
        File[] files = dir == null ? null : dir.listFiles(File::isFile);
        return files == null ? List.of() : List.of(files);
    }

    @Test
    void aBodyLargerThanTheMemoryThresholdArrivesWholeAndARetryAfter401SendsTheSameBytes() throws Exception {
        assertEquals(200, connectStore("x-series", "big-shop").statusCode());
        String id = connectionId("x-series", "big-shop");
        byte[] body = body(MB3);
        String expected = sha256(body);
        SEEN.clear();
        REJECT_NEXT.set(true);

        HttpResponse<String> r = post(id, body);

        assertEquals(200, r.statusCode(), r::body);
        assertEquals("{\"received\":" + MB3 + "}", r.body());
        List<Seen> seen = new ArrayList<>(SEEN);
        assertEquals(2, seen.size(), "the first attempt (401) and the retry with the renewed token: " + seen);
        for (Seen s : seen) {
            assertEquals(expected, s.sha256(), "the same bytes at the far end, each attempt: " + s);
            assertEquals(MB3, s.bytes());
            assertEquals(Integer.toString(MB3), s.contentLength(), "sent with a Content-Length: " + s);
            assertNull(s.transferEncoding(), "not chunked: " + s);
            assertEquals("application/json", s.contentType());
        }
        assertNotEquals(seen.get(0).token(), seen.get(1).token(), "the retry carried the renewed token");
        await("the spool file deleted after the call", 10_000, () -> spoolFiles().isEmpty());
    }

    @Test
    void aSmallBodyStaysInMemoryAndAnEmptyOneIsSentEmpty() throws Exception {
        assertEquals(200, connectStore("x-series", "small-shop").statusCode());
        String id = connectionId("x-series", "small-shop");
        byte[] body = "{\"name\":\"a product\"}".getBytes(StandardCharsets.UTF_8);
        SEEN.clear();
        HttpResponse<String> r = post(id, body);
        assertEquals(200, r.statusCode(), r::body);
        Seen s = SEEN.poll();
        assertEquals(sha256(body), s.sha256());
        assertEquals(Integer.toString(body.length), s.contentLength());

        SEEN.clear();
        HttpResponse<String> empty = post(id, new byte[0]);
        assertEquals(200, empty.statusCode(), empty::body);
        Seen e = SEEN.poll();
        assertEquals(0, e.bytes());
        assertEquals("0", e.contentLength());
    }

    @Test
    void concurrentUploadsToASlowUpstreamDoNotHoldTheirBodiesOnTheHeapAndTheSpoolIsEncryptedAndDeleted() throws Exception {
        assertEquals(200, connectStore("x-series", "many-shop").statusCode());
        String id = connectionId("x-series", "many-shop");
        byte[] body = body(MB3);
        String expected = sha256(body);
        post(id, "{}".getBytes(StandardCharsets.UTF_8));   // warm the path up
        SEEN.clear();
        ARRIVED.set(0);
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();

        CountDownLatch release = new CountDownLatch(1);
        hold = release;
        var pool = Executors.newFixedThreadPool(CONCURRENT);
        try {
            List<java.util.concurrent.Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                calls.add(pool.submit(() -> post(id, body)));
            }
            // every body spooled and its upload started: the upstream holds them all unread
            await("all uploads at the upstream", 60_000, () -> ARRIVED.get() >= CONCURRENT);
            List<File> spooled = spoolFiles();
            System.gc();
            long during = memory.getHeapMemoryUsage().getUsed();
            long grown = during - before;

            assertTrue(spooled.size() >= CONCURRENT, "each body in its own spool file: " + spooled);
            byte[] marker = MARKER.getBytes(StandardCharsets.US_ASCII);
            for (File f : spooled) {
                byte[] content = Files.readAllBytes(f.toPath());
                assertTrue(content.length >= MB3, f + " holds the body: " + content.length);
                assertFalse(contains(content, marker), f + " holds the body in plain text");
            }
            release.countDown();
            for (var call : calls) {
                HttpResponse<String> r = call.get(120, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r::body);
            }
            System.out.printf("StreamedBodyTest: %d concurrent %d-byte uploads held at the upstream: heap grew %.1f MB"
                    + " (bodies %.1f MB in all), %d spool files%n", CONCURRENT, MB3, grown / 1048576.0,
                    CONCURRENT * (double) MB3 / 1048576.0, spooled.size());
            assertTrue(grown < CONCURRENT * (long) MB3 / 3,
                    "heap after GC grew by " + grown / 1048576 + " MB with " + CONCURRENT + " x 3 MB in flight");
        } finally {
            hold = new CountDownLatch(0);
            release.countDown();
            pool.shutdownNow();
        }
        assertEquals(CONCURRENT, SEEN.size());
        for (Seen s : SEEN) {
            assertEquals(expected, s.sha256());
        }
        await("every spool file deleted", 10_000, () -> spoolFiles().isEmpty());
    }

    @Test
    void aChunkedBodyGrowingPastTheLimitIs413AndNothingIsSent() throws Exception {
        assertEquals(200, connectStore("x-series", "huge-shop").statusCode());
        String id = connectionId("x-series", "huge-shop");
        SEEN.clear();
        ARRIVED.set(0);
        // no Content-Length: the limit (4 MB) is found while the body grows
        byte[] chunk = body(256 * 1024);
        HttpRequest.BodyPublisher chunked = HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {
            long left = 6L << 20;
            int pos;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(Math.min(len, left), chunk.length - pos);
                System.arraycopy(chunk, pos, b, off, n);
                pos = (pos + n) % chunk.length;
                left -= n;
                return n;
            }
        });
        HttpResponse<String> r;
        try {
            r = client.send(HttpRequest.newBuilder(URI.create(base() + "/api/" + id + "/2.0/products"))
                    .timeout(Duration.ofSeconds(60)).header("X-Api-Key", apiKey).POST(chunked).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException closedWhileSending) {
            // the bridge answered and closed before the client finished sending: the answer may be lost
            r = null;
        }
        if (r != null) {
            assertEquals(413, r.statusCode(), r.body());
            assertTrue(r.body().contains("body_too_large"), r.body());
        }
        Thread.sleep(500);
        assertEquals(0, ARRIVED.get(), "nothing reached the upstream");
        await("the partial spool deleted", 10_000, () -> spoolFiles().isEmpty());
    }

    @Test
    void aClientThatGoesAwayMidBodyLeavesNoSpoolFileAndNoCallBehind() throws Exception {
        assertEquals(200, connectStore("x-series", "gone-shop").statusCode());
        String id = connectionId("x-series", "gone-shop");
        ARRIVED.set(0);
        // more than bridge.api.max-in-flight (40): a slot kept by a gone client would leave none for the last call
        for (int i = 0; i < 46; i++) {
            try (java.net.Socket s = new java.net.Socket("localhost", port)) {
                s.getOutputStream().write(("POST /api/" + id + "/2.0/products HTTP/1.1\r\nHost: x\r\nX-Api-Key: " + apiKey
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + MB3 + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().write(body(1 << 20));   // a third of it, past the memory threshold: spooled to a file
                s.getOutputStream().flush();
                Thread.sleep(50);
            }
        }
        await("the partial spools deleted", 10_000, () -> spoolFiles().isEmpty());
        assertEquals(0, ARRIVED.get(), "nothing reached the upstream");
        // the /api slots came back: a full upload still goes through
        SEEN.clear();
        byte[] body = body(MB3);
        HttpResponse<String> r = post(id, body);
        assertEquals(200, r.statusCode(), r::body);
        assertEquals(sha256(body), SEEN.poll().sha256());
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
