package io.lsbridge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.Map;

import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;

/** The checks every request passes: what they decide, and that they cost microseconds at most. */
class RequestChecksCostTest {
    private static final String KEY = "a-bridge-key-of-some-length-0123456789";
    private final FrontDoorLimits limits = new FrontDoorLimits(1 << 20, 8192, 8192, 10_000, 60_000, 24, 100, 1000);
    private final RequestChecks checks = new RequestChecks(r -> { }, limits, new FrontDoorAnswers(),
            new ConnectionWatch(limits, new FrontDoorAnswers()), KEY, () -> null);

    /** A request with this URI (path and query as sent) and these headers; nothing else answers. */
    static HttpServerRequest request(String uri, Map<String, String> headers) {
        int q = uri.indexOf('?');
        String path = q >= 0 ? uri.substring(0, q) : uri;
        return (HttpServerRequest) Proxy.newProxyInstance(RequestChecksCostTest.class.getClassLoader(),
                new Class<?>[] {HttpServerRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "uri" -> uri;
                    case "path" -> path;
                    case "getHeader" -> headers.get(String.valueOf(args[0]));
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private String decide(String uri, Map<String, String> headers) {
        FrontDoorAnswers.Refusal r = checks.refusal(request(uri, headers));
        return r == null ? null : r.status() + " " + r.code();
    }

    @Test
    void decisions() {
        Map<String, String> key = Map.of("X-Api-Key", KEY);
        assertNull(decide("/api/abc/2.0/products.json?limit=2", key));
        assertEquals("401 missing_api_key", decide("/api/abc/2.0/products?X-Api-Key=" + KEY, Map.of()));
        assertEquals("401 invalid_api_key", decide("/connections", Map.of("X-Api-Key", KEY + "x")));
        assertEquals("401 invalid_api_key", decide("/connections/abc", Map.of("X-Api-Key", "short")));
        assertEquals("400 invalid_path", decide("/api/abc/../../connections", key));
        assertEquals("400 invalid_path", decide("/api/abc/%2e%2e/x", key));
        assertEquals("400 invalid_path", decide("/api/abc/..;/x", Map.of()));
        // a path the router would normalise onto /api is judged as /api
        assertEquals("401 missing_api_key", decide("/%61pi/abc/x", Map.of()));
        assertEquals("400 invalid_path", decide("/api/x/%zz?code=1", Map.of()));
        assertEquals("400 invalid_query", decide("/callback/x?code=%zz", Map.of()));
        assertEquals("413 body_too_large", decide("/api/abc/x", Map.of("X-Api-Key", KEY, "Content-Length", "1048577")));
        assertEquals("401 missing_api_key", decide("/api/abc/x", Map.of("Content-Length", "99999999")), "the key comes first");
        assertEquals("413 body_too_large", decide("/admin/login", Map.of("Content-Length", "99999999")));
        assertNull(decide("/admin/login", Map.of("Content-Length", "1048576")));
        assertNull(decide("/callback/x-series?code=abc&state=def", Map.of()), "browser paths: the routes decide");
        assertNull(decide("/connectionsX", Map.of()));
    }

    @Test
    void aProxiedCallsChecksCostMicrosecondsAtMost() {
        HttpServerRequest call = request("/api/0b6e2f7c-3f7e-4d55-9a43-2d1c6f0b8e11/API/V3/Account/123/Item.json?limit=100",
                Map.of("X-Api-Key", KEY, "Content-Length", "512"));
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 20; round++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 20_000; i++) {
                if (checks.refusal(call) != null) {
                    throw new AssertionError("refused");
                }
            }
            best = Math.min(best, (System.nanoTime() - t0) / 20_000);
        }
        System.out.println("front door checks of a proxied call: " + best + " ns (best round; the request is a test proxy)");
        assertTrue(best < 20_000, best + " ns");
    }
}
