package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

/**
 * The edges of a node's life, on a real bridge process (SIGTERM as a deploy sends it):
 * <ul>
 * <li>while Camel's routes are still starting, the front door answers 503 {@code starting} (JSON,
 * Retry-After: 1) to every request, keyed or not, never Vert.x's 404 nor a 401 that depends on timing;</li>
 * <li>once a stop begins, readiness on the management port answers DOWN (503) while the HTTP server still
 * serves, new /api and /connections requests get 503 {@code stopping} (JSON, Retry-After, connection
 * closed), and the call in flight finishes with its own 200.</li>
 * </ul>
 */
class StopStartEdgesTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** How long the store's API holds the call in flight at the SIGTERM. */
    private static final long HOLD_MILLIS = 8000;

    /** What one request got: its status (-1: no answer, the exception's text in the body), body, Retry-After. */
    record Answer(long at, String what, int status, String body, String retryAfter) {
        boolean starting() {
            return status == 503 && body.contains("\"error\":\"starting\"") && "1".equals(retryAfter);
        }

        boolean stopping() {
            return status == 503 && body.contains("\"error\":\"stopping\"") && retryAfter != null;
        }
    }

    private static Answer call(String what, String url, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (key != null) {
            b.header("X-Api-Key", key);
        }
        long at = System.nanoTime();
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(at, what, r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException | InterruptedException e) {
            return new Answer(at, what, -1, String.valueOf(e), null);
        }
    }

    @Test
    void aStartingNodeAnswers503StartingThenAStoppingOneReadinessDownAnd503StoppingWhileItsCallInFlightEnds() throws Exception {
        AtomicInteger held = new AtomicInteger();
        HttpServer upstream = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        upstream.setExecutor(Executors.newFixedThreadPool(4));
        upstream.createContext("/", ex -> {
            held.incrementAndGet();
            try {
                Thread.sleep(HOLD_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = "{\"held\":true}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        upstream.start();

        String run = "edges-" + UUID.randomUUID().toString().substring(0, 8);
        String key = "edge-key-" + UUID.randomUUID();
        int port = RotatingFleet.freePort();
        int management = RotatingFleet.freePort();
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java", "-Xmx256m",
                "-XX:+UseSerialGC", "-Dcamel.management.port=" + management, "-cp", System.getProperty("java.class.path"),
                BridgeNode.class.getName(), "camel.server.port=" + port,
                "bridge.db.url=" + H2CleanStopTest.shippedUrlFor("target/test-db/" + run),
                "bridge.api-key=" + key,
                "bridge.encryption.sandbox-key-file=target/test-db/" + run + ".key",
                "camel.main.name=edges-" + run,
                "bridge.profile.x-series.api-base-url=http://localhost:" + upstream.getAddress().getPort() + "/t/{tenant}",
                "bridge.profile.x-series.rate-model=none"));
        new File("target/test-logs").mkdirs();
        Process node = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(new File("target/test-logs/node-" + run + ".log")).start();
        String base = "http://localhost:" + port;
        try {
            // ---- starting: poll until the operator API answers the key with 200
            List<Answer> seen = new ArrayList<>();
            long deadline = System.currentTimeMillis() + Long.getLong("bridge.test.node-start-seconds", 300) * 1000;
            while (true) {
                assertTrue(node.isAlive(), "the node exited; see target/test-logs/node-" + run + ".log");
                assertTrue(System.currentTimeMillis() < deadline, "the node did not start");
                Answer keyed = call("keyed /connections", base + "/connections", key);
                Answer keyless = call("keyless /api", base + "/api/some-id/2.0/products", null);
                if (keyed.status() != -1) {
                    seen.add(keyed);
                }
                if (keyless.status() != -1) {
                    seen.add(keyless);
                }
                if (keyed.status() == 200) {
                    break;
                }
                Thread.sleep(5);
            }
            boolean started = false;
            for (Answer a : seen) {
                assertTrue(a.status() != 404, "a 404 while starting: " + a);
                if (a.starting()) {
                    assertFalse(started, "503 starting after an answer of the started bridge: " + seen);
                } else {
                    started = true;
                    assertTrue(a.status() == 200 || a.status() == 401, "only 503 starting, then the real answers: " + a);
                }
            }
            long startingAnswers = seen.stream().filter(Answer::starting).count();
            System.out.println("StopStartEdgesTest: while starting " + startingAnswers + " answers 503 starting of "
                    + seen.size() + " (" + seen.stream().filter(a -> a.starting() && a.what().startsWith("keyless")).count()
                    + " keyless), no 404");
            assertTrue(seen.stream().anyMatch(a -> a.starting() && a.what().startsWith("keyless")),
                    "a keyless call during the start got 503 starting (not 401): " + seen);
            assertTrue(seen.stream().anyMatch(a -> a.starting() && a.what().startsWith("keyed")),
                    "a keyed call during the start got 503 starting (not 404): " + seen);
            assertEquals(200, call("ready", "http://localhost:" + management + "/observe/health/ready", null).status());

            // ---- stopping: a call in flight, then SIGTERM
            Browser browser = new Browser();
            HttpResponse<String> connect = browser.get(base + "/connect/x-series");
            assertEquals(302, connect.statusCode(), connect::body);
            Browser consent = new Browser();
            String authorize = Browser.location(connect);
            assertEquals(200, consent.get(authorize).statusCode());
            HttpResponse<String> granted = consent.postForm(authorize, "decision=grant&store=edge-shop");
            assertEquals(302, granted.statusCode(), granted::body);
            assertEquals(200, browser.get(Browser.location(granted)).statusCode());
            Answer list = call("connections", base + "/connections", key);
            String id = list.body().replaceAll("(?s).*\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1");

            CompletableFuture<Answer> inFlight = CompletableFuture.supplyAsync(
                    () -> call("in flight", base + "/api/" + id + "/2.0/products", key));
            long until = System.currentTimeMillis() + 30_000;
            while (held.get() == 0 && System.currentTimeMillis() < until) {
                Thread.sleep(10);
            }
            assertEquals(1, held.get(), "the call reached the store's API");
            long sigterm = System.nanoTime();
            node.destroy();

            Answer ready = null;
            Answer operator = null;
            Answer api = null;
            List<Answer> during = new ArrayList<>();
            while (!inFlight.isDone() && (ready == null || operator == null || api == null)) {
                Answer r = call("ready", "http://localhost:" + management + "/observe/health/ready", null);
                Answer o = call("new /connections", base + "/connections", key);
                Answer a = call("new /api", base + "/api/" + id + "/2.0/products", key);
                boolean stillInFlight = !inFlight.isDone();
                during.add(r);
                during.add(o);
                during.add(a);
                if (stillInFlight) {
                    ready = ready == null && r.status() == 503 ? r : ready;
                    operator = operator == null && o.stopping() ? o : operator;
                    api = api == null && a.stopping() ? a : api;
                    for (Answer x : List.of(o, a)) {
                        assertTrue(x.status() != -1, "no answer (reset or hang) while the node stops: " + x);
                        assertTrue(x.status() == 200 || x.stopping(), "before the stop: 200, after: 503 stopping: " + x);
                    }
                }
                Thread.sleep(20);
            }
            Answer done = inFlight.get(60, TimeUnit.SECONDS);
            assertTrue(ready != null, "readiness DOWN while the call was still in flight: " + during);
            assertTrue(operator != null && api != null, "new calls answered 503 stopping while the call was in flight: " + during);
            assertTrue(ready.body().contains("DOWN"), ready.body());
            assertEquals(200, done.status(), "the call in flight at the SIGTERM finished: " + done);
            assertEquals("{\"held\":true}", done.body());
            assertTrue(node.waitFor(90, TimeUnit.SECONDS), "the node exited");
            System.out.printf("StopStartEdgesTest: after SIGTERM readiness DOWN in %d ms, new /connections 503 stopping in %d ms,"
                    + " the call in flight 200 after %d ms%n", (ready.at() - sigterm) / 1_000_000,
                    (operator.at() - sigterm) / 1_000_000, (System.nanoTime() - sigterm) / 1_000_000);
        } finally {
            if (node.isAlive()) {
                node.destroyForcibly();
                node.waitFor();
            }
            upstream.stop(0);
        }
    }
}
