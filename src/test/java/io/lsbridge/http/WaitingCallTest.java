package io.lsbridge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;
import io.lsbridge.BridgeTestSupport;
import io.lsbridge.Browser;
import io.lsbridge.ConnectionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A proxied call that waits (here: an upstream 429's Retry-After of 5 s) does not hold an HTTP worker thread
 * (routes/beans.camel.yaml, bean platform-http-engine): with 4 worker threads, 20 calls all wait at
 * once, the operator API answers meanwhile, and every call gets its own answer afterwards. With
 * Camel's stock platform-http consumer the 5th call cannot even start until one of the first 4 has
 * waited out its Retry-After, and GET /connections queues behind them.
 */
class WaitingCallTest extends BridgeTestSupport {

    private static final int WORKERS = 4;
    private static final int CALLS = 20;
    private static final int RETRY_AFTER_SECONDS = 5;

    /** The store's API: each call's first request is answered 429 (Retry-After: 5), its retry 200. */
    private static final HttpServer UPSTREAM;
    private static final Set<String> ANSWERED_429 = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger REQUESTS = new AtomicInteger();
    /** When the first retry arrived, how many calls had reached the upstream (-1: none yet). */
    private static final AtomicInteger FIRSTS_BEFORE_ANY_RETRY = new AtomicInteger(-1);
    private static final AtomicLong FIRST_RETRY_AT = new AtomicLong();

    static {
        try {
            UPSTREAM = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        UPSTREAM.setExecutor(Executors.newFixedThreadPool(8));
        UPSTREAM.createContext("/", ex -> {
            REQUESTS.incrementAndGet();
            String call = ex.getRequestURI().getQuery();
            byte[] body;
            if (!call.startsWith("warm-up") && ANSWERED_429.add(call)) {
                ex.getResponseHeaders().add("Retry-After", Integer.toString(RETRY_AFTER_SECONDS));
                body = "{\"error\":\"rate_limited\"}".getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(429, body.length);
            } else {
                if (!call.startsWith("warm-up") && FIRSTS_BEFORE_ANY_RETRY.compareAndSet(-1, ANSWERED_429.size())) {
                    FIRST_RETRY_AT.set(System.currentTimeMillis());
                }
                body = ("{\"answer\":\"" + call + "\"}").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, body.length);
            }
            ex.getResponseBody().write(body);
            ex.close();
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
        p.setProperty("bridge.http.worker-threads", Integer.toString(WORKERS));
        p.setProperty("bridge.api.max-wait-seconds", "60");
        // a profile whose API is this test's upstream (the sandbox's API does not answer 429 on demand)
        p.setProperty("bridge.profiles", "x-series,r-series,o-series,l-series,l-series-staging,k-series,k-series-trial,busy");
        String k = "bridge.profile.busy.";
        p.setProperty(k + "series", "X");
        p.setProperty(k + "authorize-url", "{{bridge.sandbox.base-url}}/x/oauth/authorize");
        p.setProperty(k + "token-url", "{{bridge.sandbox.base-url}}/x/{tenant}/api/1.0/token");
        p.setProperty(k + "client-auth", "form");
        p.setProperty(k + "client-id-env", "LIGHTSPEED_BUSY_CLIENT_ID");
        p.setProperty(k + "client-secret-env", "LIGHTSPEED_BUSY_CLIENT_SECRET");
        p.setProperty(k + "tenant-param", "domain_prefix");
        p.setProperty(k + "api-base-url", "http://localhost:" + UPSTREAM.getAddress().getPort() + "/t/{tenant}");
        p.setProperty(k + "refresh-policy", "rotating");
        p.setProperty(k + "rate-model", "none");
        // O-Series (sandbox) at 2 calls a second: a burst of calls mostly waits for rate room
        p.setProperty("bridge.profile.o-series.rate-per-second", "2");
        return p;
    }

    @Test
    void callsWaitingOutA429HoldNoWorkerThread() throws Exception {
        ConnectionStore store = context.getRegistry().lookupByNameAndType("connectionStore", ConnectionStore.class);
        String id = store.saveAuthorizedConnection("busy", "busy-shop", "Busy shop", new ConnectionStore.Tokens(
                "busy-token", "busy-refresh", Instant.now().plusSeconds(3600), null, null), "OAUTH").id();

        ExecutorService callers = Executors.newFixedThreadPool(CALLS);
        try {
            // a first round answered at once, so that a loaded machine's cold start is not in the figures
            List<Future<HttpResponse<String>>> warmUp = new ArrayList<>();
            for (int i = 0; i < 2 * WORKERS; i++) {
                String url = base() + "/api/" + id + "/items?warm-up=" + i;
                warmUp.add(callers.submit(() -> Browser.call("GET", url, apiKey, null)));
            }
            for (Future<HttpResponse<String>> call : warmUp) {
                assertEquals(200, call.get().statusCode());
            }
            REQUESTS.set(0);

            long started = System.currentTimeMillis();
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                String url = base() + "/api/" + id + "/items?call=" + i;
                calls.add(callers.submit(() -> Browser.call("GET", url, apiKey, null)));
            }
            // all calls reach the upstream and wait (or, with workers held, the first retries come first)
            await("every call answered 429 or a first retry", 30_000,
                    () -> ANSWERED_429.size() == CALLS || FIRSTS_BEFORE_ANY_RETRY.get() >= 0);
            long allWaitingAfter = System.currentTimeMillis() - started;

            String threads = threads();
            // the operator API while they wait
            long askedAt = System.currentTimeMillis();
            HttpResponse<String> operator = Browser.call("GET", base() + "/connections", apiKey, null);
            long operatorMillis = System.currentTimeMillis() - askedAt;
            boolean askedWhileWaiting = FIRSTS_BEFORE_ANY_RETRY.get() < 0;

            List<String> answers = new ArrayList<>();
            for (Future<HttpResponse<String>> call : calls) {
                HttpResponse<String> r = call.get();
                answers.add(r.statusCode() + " " + r.body());
            }
            long allDoneAfter = System.currentTimeMillis() - started;
            System.out.printf("WaitingCallTest: %d calls, %d workers: all waiting after %d ms, calls at the upstream"
                    + " before the first retry %d, GET /connections %d ms (asked while all waited: %s), all answered"
                    + " after %d ms, upstream requests %d; threads while they waited: %s%n", CALLS, WORKERS, allWaitingAfter,
                    FIRSTS_BEFORE_ANY_RETRY.get(), operatorMillis, askedWhileWaiting, allDoneAfter, REQUESTS.get(), threads);

            assertEquals(CALLS, FIRSTS_BEFORE_ANY_RETRY.get(),
                    "all " + CALLS + " calls reach the upstream and wait at once with " + WORKERS
                            + " worker threads: the calls there when the first retry came");
            assertEquals(200, operator.statusCode(), operator::body);
            assertTrue(operator.body().contains(id), operator::body);
            // (load-tolerant: the calls' Retry-After is 5 s, and with their workers held it takes above 10 s)
            assertTrue(operatorMillis < 2500, "GET /connections answered while " + CALLS
                    + " calls waited, in " + operatorMillis + " ms");
            for (int i = 0; i < CALLS; i++) {
                assertEquals("200 {\"answer\":\"call=" + i + "\"}", answers.get(i), "call " + i);
            }
            assertEquals(2 * CALLS, REQUESTS.get(), "one 429 and one retry per call");
            assertTrue(FIRST_RETRY_AT.get() - started >= RETRY_AFTER_SECONDS * 1000L,
                    "the retries waited out Retry-After");
        } finally {
            callers.shutdownNow();
        }
    }

    /**
     * In sandbox mode the emulator answers on the bridge's own HTTP server: calls waiting for the store's
     * rate room (O-Series at 2 a second) leave the workers to the emulator, so 12 calls with 4 workers
     * all get their answer, and the operator API answers meanwhile. (With the workers held, the waiting
     * calls and the emulator's requests contend for the same 4 threads.)
     */
    @Test
    void callsWaitingForRateRoomLeaveTheWorkersToTheSandbox() throws Exception {
        assertEquals(200, connectStore("o-series", "paced-shop").statusCode());
        String id = connectionId("o-series", "paced-shop");
        long before = stat("apiRequests");
        int calls = 12;
        ExecutorService callers = Executors.newFixedThreadPool(calls);
        try {
            long started = System.currentTimeMillis();
            List<Future<HttpResponse<String>>> sent = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                sent.add(callers.submit(() -> Browser.call("GET", base() + "/api/" + id + "/sites.json", apiKey, null)));
            }
            Thread.sleep(1500);
            long askedAt = System.currentTimeMillis();
            HttpResponse<String> operator = Browser.call("GET", base() + "/connections", apiKey, null);
            long operatorMillis = System.currentTimeMillis() - askedAt;
            long doneMeanwhile = sent.stream().filter(Future::isDone).count();

            List<String> answers = new ArrayList<>();
            for (Future<HttpResponse<String>> call : sent) {
                HttpResponse<String> r = call.get();
                answers.add(r.statusCode() + (r.body().contains("main site") ? " main site" : " " + r.body()));
            }
            long allDoneAfter = System.currentTimeMillis() - started;
            System.out.printf("WaitingCallTest (sandbox, rate wait): %d calls, %d workers: GET /connections %d ms with %d"
                    + " calls done, all answered after %d ms, sandbox API requests %d%n", calls, WORKERS, operatorMillis,
                    doneMeanwhile, allDoneAfter, stat("apiRequests") - before);

            assertEquals(200, operator.statusCode(), operator::body);
            assertTrue(doneMeanwhile < calls, "the operator call came while calls still waited");
            assertTrue(operatorMillis < 2500, "GET /connections answered while calls waited, in " + operatorMillis + " ms");
            for (int i = 0; i < calls; i++) {
                assertEquals("200 main site", answers.get(i), "call " + i);
            }
            assertEquals(calls, stat("apiRequests") - before, "one sandbox request per call");
            assertTrue(allDoneAfter >= 4000, "12 calls at 2 a second took their time: " + allDoneAfter + " ms");
        } finally {
            callers.shutdownNow();
        }
    }

    /** For the report: the HTTP workers (busy = inside a route) and the wait threads of this JVM. */
    private static String threads() {
        int workers = 0;
        int busyWorkers = 0;
        int delayThreads = 0;
        for (var e : Thread.getAllStackTraces().entrySet()) {
            String name = e.getKey().getName();
            if (name.startsWith("vert.x-worker-thread")) {
                workers++;
                for (StackTraceElement frame : e.getValue()) {
                    if (frame.getClassName().startsWith("org.apache.camel.component.platform.http.vertx")) {
                        busyWorkers++;
                        break;
                    }
                }
            } else if (name.endsWith(" - Delay")) {
                delayThreads++;
            }
        }
        return workers + " vert.x workers (" + busyWorkers + " in a platform-http consumer), " + delayThreads + " Camel Delay threads";
    }
}
