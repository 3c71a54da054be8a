package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The proxy's attempts (routes/api-proxy.camel.yaml, loop api-attempts) against real upstream
 * answers, counted at the far end: a 429 with an HTTP-date Retry-After, a Retry-After beyond the max
 * wait, a GET answered 5xx, five concurrent calls answered 401.
 */
class ApiProxyUpstreamAnswersTest extends BridgeTestSupport {

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.api.max-wait-seconds", "30");
        p.setProperty("bridge.api.get-retries", "2");
        p.setProperty("bridge.api.get-retry-delay-ms", "300");
        // a profile whose API is a small server of this test answering 503 (the sandbox's APIs do not fail)
        p.setProperty("bridge.profiles", "x-series,r-series,o-series,l-series,l-series-staging,k-series,k-series-trial,flaky");
        String k = "bridge.profile.flaky.";
        p.setProperty(k + "series", "X");
        p.setProperty(k + "authorize-url", "{{bridge.sandbox.base-url}}/x/oauth/authorize");
        p.setProperty(k + "token-url", "{{bridge.sandbox.base-url}}/x/{tenant}/api/1.0/token");
        p.setProperty(k + "client-auth", "form");
        p.setProperty(k + "client-id-env", "LIGHTSPEED_FLAKY_CLIENT_ID");
        p.setProperty(k + "client-secret-env", "LIGHTSPEED_FLAKY_CLIENT_SECRET");
        p.setProperty(k + "tenant-param", "domain_prefix");
        p.setProperty(k + "api-base-url", "http://localhost:" + FLAKY.getAddress().getPort() + "/t/{tenant}");
        p.setProperty(k + "refresh-policy", "rotating");
        p.setProperty(k + "rate-model", "none");
        // the same, its API a server that takes only the token it was told is current ("picky")
        p.setProperty("bridge.profiles", p.getProperty("bridge.profiles") + ",picky");
        for (String name : p.stringPropertyNames()) {
            if (name.startsWith(k)) {
                p.setProperty("bridge.profile.picky." + name.substring(k.length()), p.getProperty(name));
            }
        }
        p.setProperty("bridge.profile.picky.api-base-url", "http://localhost:" + PICKY.getAddress().getPort() + "/t/{tenant}");
        // a lookup is kept for a minute: another node's new token is not seen through the cache
        p.setProperty("bridge.api.connection-cache-millis", "60000");
        return p;
    }

    /** An upstream that answers every request 503 and counts them. */
    private static final com.sun.net.httpserver.HttpServer FLAKY;
    private static final java.util.concurrent.atomic.AtomicInteger FLAKY_REQUESTS = new java.util.concurrent.atomic.AtomicInteger();

    static {
        try {
            FLAKY = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("localhost", 0), 0);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        FLAKY.createContext("/", ex -> {
            FLAKY_REQUESTS.incrementAndGet();
            byte[] body = "{\"error\":\"unavailable\"}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(503, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        FLAKY.start();
    }

    /** An upstream that answers 200 to the one token it takes (a provider that ends an access token at each refresh), 401 to others. */
    private static final com.sun.net.httpserver.HttpServer PICKY;
    private static final java.util.concurrent.atomic.AtomicReference<String> PICKY_TOKEN = new java.util.concurrent.atomic.AtomicReference<>();
    private static final List<String> PICKY_SEEN = java.util.Collections.synchronizedList(new ArrayList<>());

    static {
        try {
            PICKY = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("localhost", 0), 0);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        PICKY.createContext("/", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            PICKY_SEEN.add(auth);
            boolean ok = auth != null && auth.equals("Bearer " + PICKY_TOKEN.get());
            byte[] body = (ok ? "{\"items\":[]}" : "{\"error\":\"invalid_token\"}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(ok ? 200 : 401, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        PICKY.start();
    }

    @AfterAll
    void stopFlaky() {
        FLAKY.stop(0);
        PICKY.stop(0);
    }

    @Test
    void a401AfterAnotherNodeRenewedTheTokenIsRetriedWithTheNewTokenNotTheCachedOne() {
        ConnectionStore store = context.getRegistry().lookupByNameAndType("connectionStore", ConnectionStore.class);
        String id = store.saveAuthorizedConnection("picky", "renewed-elsewhere", "Renewed elsewhere", new ConnectionStore.Tokens(
                "picky-token-" + java.util.UUID.randomUUID(), "picky-refresh", java.time.Instant.now().plusSeconds(3600), null, null),
                "OAUTH").id();
        PICKY_TOKEN.set(accessToken(id));
        assertEquals(200, api("GET", id, "items", apiKey).statusCode(), "the first call: its lookup is now cached");

        // another node renews it: a new access token in the row, the old one refused from now on (no local write
        // here, so this node's cached lookup still holds the old one)
        TokenCipher cipher = context.getRegistry().lookupByNameAndType("tokenCipher", TokenCipher.class);
        String old = PICKY_TOKEN.get();
        String renewed = "renewed-by-another-node-" + java.util.UUID.randomUUID();
        execute("UPDATE connection SET access_token_enc = ? WHERE id = ?", cipher.encrypt(renewed, ConnectionStore.ACCESS, id), id);
        PICKY_TOKEN.set(renewed);
        long calls = stat("refreshCalls");
        PICKY_SEEN.clear();

        HttpResponse<String> r = api("GET", id, "items", apiKey);
        assertEquals(200, r.statusCode(), r::body);
        assertEquals(List.of("Bearer " + old, "Bearer " + renewed), PICKY_SEEN,
                "the cached token got the 401, the retry carried the row's current one");
        assertEquals(calls, stat("refreshCalls"), "no refresh: the rejected token was no longer the current one");
    }

    private HttpResponse<String> api(String method, String id, String path, String key) {
        return Browser.call(method, base() + "/api/" + id + "/" + path, key, "GET".equals(method) ? null : "{}");
    }

    @Test
    void anHttpDateRetryAfterIsWaitedOutWithOneRetryAfterTheDateNotABurst() {
        assertEquals(200, connectStore("x-series", "date-window").statusCode());
        String id = connectionId("x-series", "date-window");
        sandboxAdmin("settings", "{\"xWindowRequests\":1,\"xWindowSeconds\":2}");
        try {
            assertEquals(200, api("GET", id, "2.0/products", apiKey).statusCode(), "the window's one request");
            long requests = stat("apiRequests");
            long rejected = stat("api429s");
            long started = System.currentTimeMillis();
            HttpResponse<String> r = api("GET", id, "2.0/products", apiKey);
            long took = System.currentTimeMillis() - started;
            assertEquals(200, r.statusCode(), r::body);
            assertEquals(requests + 2, stat("apiRequests"), "one 429 (Retry-After: an HTTP date), then exactly one retry");
            assertEquals(rejected + 1, stat("api429s"));
            assertTrue(took >= 1500, "the retry waited for the date, not 50 ms: " + took + " ms");
        } finally {
            sandboxAdmin("settings", "{\"xWindowRequests\":350,\"xWindowSeconds\":300}");
        }
    }

    @Test
    void aRetryAfterBeyondTheMaxWaitIsAnswered429AtOnceWithOneUpstreamRequest() {
        assertEquals(200, connectStore("x-series", "long-window").statusCode());
        String id = connectionId("x-series", "long-window");
        sandboxAdmin("settings", "{\"xWindowRequests\":1,\"xWindowSeconds\":120}");
        try {
            assertEquals(200, api("GET", id, "2.0/products", apiKey).statusCode());
            long requests = stat("apiRequests");
            long started = System.currentTimeMillis();
            HttpResponse<String> r = api("GET", id, "2.0/products", apiKey);
            long took = System.currentTimeMillis() - started;
            assertEquals(429, r.statusCode(), r::body);
            long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
            assertTrue(retryAfter > 30 && retryAfter <= 123, "Retry-After in seconds, up to the window's end: " + retryAfter);
            assertEquals(requests + 1, stat("apiRequests"), "one upstream request, no retry");
            assertTrue(took < 5000, "answered at once: " + took + " ms");

            // the store said "wait": the next call is not sent at all, it gets 429 with Retry-After from the bridge
            HttpResponse<String> next = api("GET", id, "2.0/products", apiKey);
            assertEquals(429, next.statusCode(), next::body);
            assertTrue(next.body().contains("rate_limited"), next.body());
            assertTrue(Long.parseLong(next.headers().firstValue("retry-after").orElseThrow()) > 30);
            assertEquals(requests + 1, stat("apiRequests"), "nothing sent while the store asked to wait");
        } finally {
            sandboxAdmin("settings", "{\"xWindowRequests\":350,\"xWindowSeconds\":300}");
        }
    }

    @Test
    void aGetAnswered5xxIsRetriedAsTheProperties() {
        ConnectionStore store = context.getRegistry().lookupByNameAndType("connectionStore", ConnectionStore.class);
        String id = store.saveAuthorizedConnection("flaky", "flaky-shop", "Flaky shop", new ConnectionStore.Tokens(
                "flaky-token", "flaky-refresh", java.time.Instant.now().plusSeconds(3600), null, null), "OAUTH").id();
        int before = FLAKY_REQUESTS.get();
        long started = System.currentTimeMillis();
        HttpResponse<String> r = api("GET", id, "items", apiKey);
        long took = System.currentTimeMillis() - started;
        assertEquals(503, r.statusCode(), r::body);
        assertTrue(r.body().contains("unavailable"), "the upstream's own answer comes back: " + r.body());
        assertEquals(before + 3, FLAKY_REQUESTS.get(), "bridge.api.get-retries = 2: three requests in all");
        assertTrue(took >= 600, "bridge.api.get-retry-delay-ms = 300 before each retry: " + took + " ms");

        // a write is never retried
        int beforePost = FLAKY_REQUESTS.get();
        assertEquals(503, api("POST", id, "items", apiKey).statusCode());
        assertEquals(beforePost + 1, FLAKY_REQUESTS.get());
    }

    @Test
    void fiveConcurrentCallsAnswered401MakeOneRefresh() throws Exception {
        assertEquals(200, connectStore("k-series", "five-401s").statusCode());
        String id = connectionId("k-series", "five-401s");
        TokenCipher cipher = context.getRegistry().lookupByNameAndType("tokenCipher", TokenCipher.class);
        execute("UPDATE connection SET access_token_enc = ? WHERE id = ?", cipher.encrypt("sbx-at-k-unknown", ConnectionStore.ACCESS, id), id);
        long calls = stat("refreshCalls");
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Callable<HttpResponse<String>>> callers = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                callers.add(() -> api("GET", id, "f/data/businesses", apiKey));
            }
            for (Future<HttpResponse<String>> f : pool.invokeAll(callers)) {
                HttpResponse<String> r = f.get();
                assertEquals(200, r.statusCode(), r::body);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(calls + 1, stat("refreshCalls"), "one refresh for five 401s (not one rotation each)");
    }

}
