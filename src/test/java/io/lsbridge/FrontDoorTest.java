package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.junit.jupiter.api.Test;

/**
 * The front door (io.lsbridge.http): what is refused before a request's body is read, the body
 * and head limits, slow and idle connections, and URLs the router cannot parse. Raw sockets, so
 * the test sees what the server read and when it closed.
 */
class FrontDoorTest extends BridgeTestSupport {
    private static final long TEN_MB = 10L << 20;
    private static final int MAX_BODY = 1 << 20;

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.http.max-body-bytes", Integer.toString(MAX_BODY));
        p.setProperty("bridge.http.request-timeout-seconds", "2");
        p.setProperty("bridge.http.idle-timeout-seconds", "3");
        return p;
    }

    private String head(String method, String path, String... headers) {
        StringBuilder b = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    @Test
    void aBodyWithoutTheKeyIsRefusedBeforeItIsRead() throws Exception {
        assertEquals(200, connectStore("x-series", "door-shop").statusCode());
        String id = connectionId("x-series", "door-shop");
        long apiRequests = stat("apiRequests");
        for (String key : new String[] {null, "wrong-key"}) {
            for (boolean chunked : new boolean[] {false, true}) {
                String what = (key == null ? "no key" : "a wrong key") + (chunked ? ", chunked" : ", 10 MB announced");
                try (RawHttp http = new RawHttp(port)) {
                    long t0 = System.nanoTime();
                    http.write(head("POST", "/api/" + id + "/2.0/products", "Content-Type: application/json",
                            chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + TEN_MB,
                            key == null ? "X-Nothing: 1" : "X-Api-Key: " + key));
                    http.writeBodyInBackground(TEN_MB, chunked);
                    RawHttp.Response r = http.read();
                    long millis = (System.nanoTime() - t0) / 1_000_000;
                    assertNotNull(r, what + ": an answer before the close");
                    assertEquals(401, r.status(), what + ": " + r.body());
                    assertTrue(r.body().startsWith("{\"error\":\"" + (key == null ? "missing_api_key" : "invalid_api_key") + "\""),
                            r.body());
                    assertEquals("application/json", r.header("Content-Type"));
                    assertTrue(http.closedWithin(10_000), what + ": the connection is closed, the body never read");
                    long written = http.awaitWriter(10_000);
                    System.out.printf("front door: %s refused in %d ms after %d body bytes had been written%n", what, millis, written);
                    assertTrue(written < 3L << 20, what + ": the server read " + written + " of 10 MB");
                }
            }
        }
        assertEquals(apiRequests, stat("apiRequests"), "nothing reached the sandbox");
    }

    @Test
    void aBodyOverTheLimitGets413AndNothingIsSent() throws Exception {
        assertEquals(200, connectStore("x-series", "big-shop").statusCode());
        String id = connectionId("x-series", "big-shop");
        long apiRequests = stat("apiRequests");
        for (boolean chunked : new boolean[] {false, true}) {
            try (RawHttp http = new RawHttp(port)) {
                http.write(head("POST", "/api/" + id + "/2.0/products", "Content-Type: application/json", "X-Api-Key: " + apiKey,
                        chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + TEN_MB));
                http.writeBodyInBackground(TEN_MB, chunked);
                RawHttp.Response r = http.read();
                assertNotNull(r, "an answer before the close");
                assertEquals(413, r.status(), r.body());
                assertTrue(r.body().startsWith("{\"error\":\"body_too_large\""), r.body());
                assertTrue(http.closedWithin(10_000), "closed");
                long written = http.awaitWriter(10_000);
                System.out.printf("front door: 10 MB %s with the key: 413 after %d body bytes%n", chunked ? "chunked" : "announced", written);
                assertTrue(written < (chunked ? MAX_BODY + (3L << 20) : 3L << 20), "the server stopped reading: " + written);
            }
        }
        // within the limit it goes through
        try (RawHttp http = new RawHttp(port)) {
            String body = "{\"name\":\"" + "x".repeat(1000) + "\"}";
            http.write(head("POST", "/api/" + id + "/2.0/products", "Content-Type: application/json", "X-Api-Key: " + apiKey,
                    "Content-Length: " + body.length()) + body);
            RawHttp.Response r = http.read();
            assertTrue(r.status() < 300, r.status() + " " + r.body());
        }
        assertEquals(apiRequests + 1, stat("apiRequests"), "only the call within the limit reached the sandbox");
    }

    @Test
    void aBrokenEscapeGets400AndOneShortLogLineWithoutTheQuery() throws Exception {
        String secret = "SECRET-" + UUID.randomUUID();
        String marker = "zz" + UUID.randomUUID().toString().substring(0, 8);
        for (String[] c : new String[][] {
                {"/api/x/%" + marker + "?code=" + secret, "invalid_path"},
                {"/callback/x-series/%" + marker + "\u001b[31m?code=" + secret, "invalid_path"},
                {"/callback/x-series?code=" + secret + "&state=%" + marker, "invalid_query"}}) {
            try (RawHttp http = new RawHttp(port)) {
                http.write(head("GET", c[0]));
                RawHttp.Response r = http.read();
                assertEquals(400, r.status(), c[0] + ": " + r.body());
                assertTrue(r.body().startsWith("{\"error\":\"" + c[1] + "\""), r.body());
                assertFalse(r.body().contains(secret));
            }
        }
        Thread.sleep(500);
        List<String> lines = Files.readAllLines(Path.of("target/test-logs/bridge-tests.log"));
        List<String> mine = lines.stream().filter(l -> l.contains(marker)).toList();
        assertEquals(2, mine.size(), "one line per path refusal: " + mine);
        for (String line : mine) {
            assertTrue(line.contains("WARN") && line.contains("front-door refused GET /"), line);
            assertTrue(line.length() < 300, line);
            assertFalse(line.contains("?"), "no query string: " + line);
            assertFalse(line.chars().anyMatch(ch -> ch < 0x20), "no control characters: " + line);
        }
        assertTrue(mine.get(1).contains("\\x1b"), "an escape byte is shown escaped: " + mine.get(1));
        assertTrue(lines.stream().noneMatch(l -> l.contains(secret)), "the query's code is in no log line");
        int at = lines.indexOf(mine.get(1));
        assertTrue(at + 1 >= lines.size() || !lines.get(at + 1).startsWith("\tat "), "no stack trace");
    }

    @Test
    void aHeadThatNeverEndsIsCutOffAndAnIdleConnectionClosed() throws Exception {
        try (RawHttp http = new RawHttp(port)) {
            http.write("GET /connections HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
            long t0 = System.nanoTime();
            assertTrue(http.closedWithin(10_000), "a head trickling in is cut off");
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(millis >= 1500, "not before the request timeout: " + millis);
        }
        // a body that stops arriving: 408
        try (RawHttp http = new RawHttp(port)) {
            http.write(head("POST", "/connections", "X-Api-Key: " + apiKey, "Content-Type: application/json", "Content-Length: 100")
                    + "{\"profile\":");
            RawHttp.Response r = http.read();
            assertNotNull(r);
            assertEquals(408, r.status(), r.body());
            assertTrue(r.body().startsWith("{\"error\":\"request_timeout\""), r.body());
            assertTrue(http.closedWithin(5_000));
        }
        // a keep-alive connection left idle after an answer
        try (RawHttp http = new RawHttp(port)) {
            http.write(head("GET", "/connections", "X-Api-Key: " + apiKey));
            assertEquals(200, http.read().status());
            http.write(head("GET", "/connections", "X-Api-Key: " + apiKey));
            assertEquals(200, http.read().status(), "the connection is kept alive while it is used");
            long t0 = System.nanoTime();
            assertTrue(http.closedWithin(15_000), "then closed when idle");
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(millis >= 2500, "not before the idle timeout: " + millis);
        }
    }

    @Test
    void aHeadOverTheLimitIsRefused() throws Exception {
        try (RawHttp http = new RawHttp(port)) {
            http.write(head("GET", "/connections", "X-Api-Key: " + apiKey, "X-Big: " + "b".repeat(20_000)));
            RawHttp.Response r = http.read();
            assertTrue(r == null || r.status() == 431 || r.status() == 400, r == null ? "closed" : r.head());
            assertTrue(http.closedWithin(5_000));
        }
        try (RawHttp http = new RawHttp(port)) {
            http.write(head("GET", "/connections?x=" + "u".repeat(10_000), "X-Api-Key: " + apiKey));
            RawHttp.Response r = http.read();
            assertTrue(r == null || r.status() == 414 || r.status() == 400, r == null ? "closed" : r.head());
        }
        // and within the limits all is well
        try (RawHttp http = new RawHttp(port)) {
            http.write(head("GET", "/connections", "X-Api-Key: " + apiKey, "X-Fine: " + "f".repeat(4_000)));
            assertEquals(200, http.read().status());
        }
        assertNull(null);
    }
}
