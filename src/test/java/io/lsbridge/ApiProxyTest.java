package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.core.type.TypeReference;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The proxy: each series' sample call over HTTP and direct:, throttling, upstream answers, bad input. */
class ApiProxyTest extends BridgeTestSupport {

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        // R-Series: a 90-unit bucket draining 40 units a second on both sides, so a burst takes seconds
        p.setProperty("bridge.profile.r-series.rate-drip-per-second", "40");
        p.setProperty("bridge.api.max-wait-seconds", "30");
        // more room than the default (3): the 15-call X test below has calls that meet several 429s
        p.setProperty("bridge.api.max-429-retries", "6");
        return p;
    }

    private static final Map<String, String> SAMPLE = Map.of(
            "x-series", "2.0/products",
            "r-series", "Item.json",
            "o-series", "sites.json",
            "l-series", "core/company",
            "k-series", "f/data/businesses");

    private HttpResponse<String> api(String method, String id, String path, String key) {
        return Browser.call(method, base() + "/api/" + id + "/" + path, key, "GET".equals(method) ? null : "{}");
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> sandboxRequests() {
        return (List<Map<String, Object>>) (List<?>) parse(Browser.call("GET", base() + "/sandbox/admin/requests", null, null).body(),
                new TypeReference<List<Map<String, Object>>>() { });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"x-series, Sandbox coffee", "r-series, Sandbox bike", "o-series, main site",
            "l-series, sandbox-l-1", "k-series, businessLocations"})
    void eachSeriesSampleCallReachesTheRightStoreWithTheBearerToken(String profile, String expected) {
        String store = "api-" + profile;
        assertEquals(200, connectStore(profile, store).statusCode());
        String id = connectionId(profile, store);
        String token = accessToken(id);

        // over HTTP, with a cookie and the API key that must not travel on
        java.net.http.HttpRequest req = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(base() + "/api/" + id + "/" + SAMPLE.get(profile) + "?limit=2"))
                .header("X-Api-Key", apiKey).header("Cookie", "session=browser-cookie").header("Authorization", "Bearer callers-own")
                .header("Accept", "application/json").GET().build();
        HttpResponse<String> r;
        try {
            r = java.net.http.HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        assertEquals(200, r.statusCode(), r::body);
        assertTrue(r.body().contains(expected), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        assertFalse(r.body().contains(token));
        if (profile.startsWith("r")) {
            assertTrue(r.headers().firstValue("x-ls-api-bucket-level").isPresent(), "R's bucket headers come back");
        }
        Map<String, Object> seen = sandboxRequests().get(sandboxRequests().size() - 1);
        Map<?, ?> headers = (Map<?, ?>) seen.get("headers");
        assertEquals("Bearer " + token, headers.get("Authorization"), "the sandbox saw the connection's bearer token");
        assertFalse(headers.containsKey("X-Api-Key"), "no API key upstream");
        assertFalse(headers.containsKey("Cookie"), "no cookie upstream");
        assertEquals("limit=2", seen.get("query"));

        // the same through direct:lightspeed-api
        Exchange out = template.request("direct:lightspeed-api", e -> {
            e.getMessage().setHeader("LightspeedConnectionId", id);
            e.getMessage().setHeader(Exchange.HTTP_METHOD, "GET");
            e.getMessage().setHeader("LightspeedPath", SAMPLE.get(profile));
        });
        assertEquals(null, out.getException());
        assertEquals(200, out.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class));
        assertTrue(out.getMessage().getBody(String.class).contains(expected));
        Map<?, ?> direct = (Map<?, ?>) sandboxRequests().get(sandboxRequests().size() - 1).get("headers");
        assertEquals("Bearer " + token, direct.get("Authorization"));
    }

    @Test
    void twoHundredCallsOnAnExpiredTokenMakeOneTokenCall() throws Exception {
        assertEquals(200, connectStore("x-series", "busy-proxy").statusCode());
        String id = connectionId("x-series", "busy-proxy");
        makeDue(id);
        long calls = stat("refreshCalls");
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Callable<Integer>> callers = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                callers.add(() -> api("GET", id, "2.0/products", apiKey).statusCode());
            }
            int ok = 0;
            for (Future<Integer> f : pool.invokeAll(callers)) {
                ok += f.get() == 200 ? 1 : 0;
            }
            assertEquals(200, ok, "200 successes");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(calls + 1, stat("refreshCalls"), "exactly one token call");
    }

    @Test
    void aTokenTheUpstreamRefusesIsRefreshedOnceAndTheCallRetried() {
        assertEquals(200, connectStore("k-series", "revoked-token").statusCode());
        String id = connectionId("k-series", "revoked-token");
        TokenCipher cipher = context.getRegistry().lookupByNameAndType("tokenCipher", TokenCipher.class);
        execute("UPDATE connection SET access_token_enc = ? WHERE id = ?", cipher.encrypt("sbx-at-k-revoked", ConnectionStore.ACCESS, id), id);
        long calls = stat("refreshCalls");
        HttpResponse<String> r = api("GET", id, "f/data/businesses", apiKey);
        assertEquals(200, r.statusCode(), r::body);
        assertEquals(calls + 1, stat("refreshCalls"));
    }

    @Test
    void anRSeriesBurstStaysInsideTheLeakyBucket() throws Exception {
        sandboxAdmin("settings", "{\"rBucketSize\":90,\"rDripPerSecond\":40}");
        assertEquals(200, connectStore("r-series", "burst-shop").statusCode());
        String id = connectionId("r-series", "burst-shop");
        long rejected = stat("api429s");
        ExecutorService pool = Executors.newFixedThreadPool(40);
        try {
            List<Callable<Integer>> callers = new ArrayList<>();
            for (int i = 0; i < 150; i++) {
                callers.add(() -> api("GET", id, "Item.json", apiKey).statusCode());
            }
            for (int i = 0; i < 20; i++) {
                callers.add(() -> api("POST", id, "Item.json", apiKey).statusCode());
            }
            java.util.Collections.shuffle(callers);
            int ok = 0;
            for (Future<Integer> f : pool.invokeAll(callers)) {
                ok += f.get() == 200 ? 1 : 0;
            }
            assertEquals(170, ok);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(rejected, stat("api429s"), "the sandbox never answered 429");
    }

    @Test
    void xSeries429sAreWaitedOutUsingTheHttpDateRetryAfter() throws Exception {
        assertEquals(200, connectStore("x-series", "tiny-window").statusCode());
        String id = connectionId("x-series", "tiny-window");
        sandboxAdmin("settings", "{\"xWindowRequests\":5,\"xWindowSeconds\":2}");
        long rejected = stat("api429s");
        try {
            ExecutorService pool = Executors.newFixedThreadPool(10);
            try {
                List<Callable<Integer>> callers = new ArrayList<>();
                for (int i = 0; i < 15; i++) {
                    callers.add(() -> api("GET", id, "2.0/products", apiKey).statusCode());
                }
                for (Future<Integer> f : pool.invokeAll(callers)) {
                    assertEquals(200, f.get(), "every call succeeds");
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(stat("api429s") > rejected, "the sandbox did answer 429s, which were waited out");

            // a window longer than the bridge will wait: the caller gets 429 with Retry-After
            sandboxAdmin("settings", "{\"xWindowRequests\":1,\"xWindowSeconds\":120}");
            assertEquals(200, api("GET", id, "2.0/products", apiKey).statusCode());
            HttpResponse<String> tooLong = api("GET", id, "2.0/products", apiKey);
            assertEquals(429, tooLong.statusCode(), tooLong::body);
            String retryAfter = tooLong.headers().firstValue("retry-after").orElse(null);
            assertNotNull(retryAfter);
            assertTrue(Long.parseLong(retryAfter) > 30, "Retry-After in seconds: " + retryAfter);
        } finally {
            sandboxAdmin("settings", "{\"xWindowRequests\":350,\"xWindowSeconds\":300}");
        }
    }

    @Test
    void badInputGetsAClear4xxAndNothingReachesTheSandbox() throws Exception {
        assertEquals(200, connectStore("x-series", "guarded-shop").statusCode());
        String id = connectionId("x-series", "guarded-shop");
        assertEquals(200, connectStore("o-series", "dead-shop").statusCode());
        String dead = connectionId("o-series", "dead-shop");
        execute("UPDATE connection SET status = 'NEEDS_REAUTH' WHERE id = ?", dead);
        long before = stat("apiRequests");

        for (String path : List.of("../../connections", "2.0/../../x", "%2e%2e/%2e%2e/x", "2.0/%2E%2E/x", "%252e%252e/x",
                "/evil.example/x", "%2F%2Fevil.example/x", "http://evil.example/x", "http:%2F%2Fevil.example/x", "2.0//products",
                "2.0/products%5Cx", "2.0/pro%0d%0aducts",
                // '..;' is '..' to servers that strip path parameters
                "2.0/..;/..;/x", "2.0/..;x=1/x", "%2e%2e;/x", "2.0/.;/x")) {
            HttpResponse<String> r = rawGet("/api/" + id + "/" + path, apiKey, null);
            assertEquals(400, r.statusCode(), () -> path + " -> " + r.statusCode() + " " + r.body());
            assertTrue(r.body().contains("invalid_"), path + " " + r.body());
        }
        HttpResponse<String> noKey = api("GET", id, "2.0/products", null);
        assertEquals(401, noKey.statusCode());
        assertEquals(401, api("GET", id, "2.0/products", "wrong-key").statusCode());
        HttpResponse<String> unknown = api("GET", "00000000-0000-0000-0000-000000000000", "2.0/products", apiKey);
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("unknown_connection"));
        HttpResponse<String> reauth = api("GET", dead, "sites.json", apiKey);
        assertEquals(409, reauth.statusCode());
        assertTrue(reauth.body().contains("needs_reauthorization"), reauth.body());

        // CR/LF in a header value: refused over HTTP and through direct:
        HttpResponse<String> crlf = rawGet("/api/" + id + "/2.0/products", apiKey, "If-None-Match: \"a\"\rX-Injected: yes");
        assertTrue(crlf.statusCode() == 400, "CR in a header -> " + crlf.statusCode());
        CamelExecutionException e = assertThrows(CamelExecutionException.class, () ->
                template.requestBodyAndHeaders("direct:lightspeed-api", null, Map.of("LightspeedConnectionId", id,
                        Exchange.HTTP_METHOD, "GET", "LightspeedPath", "2.0/products", "If-None-Match", "a\r\nX-Injected: yes")));
        assertEquals(400, ((BridgeException) e.getCause()).getStatus());

        assertEquals(before, stat("apiRequests"), "the sandbox recorded no request");
    }

    /** A request written by hand, so nothing normalises the path or refuses odd headers first. */
    private HttpResponse<String> rawGet(String target, String key, String extraHeaderLine) throws Exception {
        try (Socket s = new Socket("localhost", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            String req = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                    + (key == null ? "" : "X-Api-Key: " + key + "\r\n")
                    + (extraHeaderLine == null ? "" : extraHeaderLine + "\r\n") + "\r\n";
            out.write(req.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            String raw = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(raw.substring(9, 12));
            String body = raw.contains("\r\n\r\n") ? raw.substring(raw.indexOf("\r\n\r\n") + 4) : "";
            return new SimpleResponse(status, body);
        }
    }

    private record SimpleResponse(int statusCode, String body) implements HttpResponse<String> {
        public java.net.http.HttpRequest request() {
            return null;
        }

        public java.util.Optional<HttpResponse<String>> previousResponse() {
            return java.util.Optional.empty();
        }

        public java.net.http.HttpHeaders headers() {
            return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true);
        }

        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return java.util.Optional.empty();
        }

        public java.net.URI uri() {
            return null;
        }

        public java.net.http.HttpClient.Version version() {
            return java.net.http.HttpClient.Version.HTTP_1_1;
        }
    }
}
