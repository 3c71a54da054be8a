package io.lsbridge.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.lsbridge.BridgeException;
import io.lsbridge.BridgeTestSupport;
import io.lsbridge.Browser;
import io.lsbridge.ConnectionStore;
import io.lsbridge.TokenCipher;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Prometheus metrics on the management port: a flow (connect, proxied calls, a forced refresh, a dead
 * grant, waits) moves the lsbridge_* numbers by exactly what happened, as a scraper sees them over HTTP.
 */
class MetricsTest extends BridgeTestSupport {
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");
    private int managementPort;

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        // the gauges read the database at every scrape, so the test can compare them with the rows
        p.setProperty("bridge.metrics.connections-cache-ms", "0");
        // K-Series: one call a second, so a second call at once waits for the store's rate limit
        p.setProperty("bridge.profile.k-series.rate-per-second", "1");
        // JVM metrics, off by default (start time): the README's way to turn them on
        p.setProperty("camel.metrics.binders", "jvm-memory,jvm-gc,jvm-thread,processor,uptime");
        return p;
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        managementPort = freeManagementPort();
        System.setProperty("camel.management.port", Integer.toString(managementPort));
        return super.createCamelContext();
    }

    @AfterAll
    void dynamicManagementPortAgain() {
        System.setProperty("camel.management.port", "0");
    }

    private static int freeManagementPort() {
        return io.lsbridge.BridgeTestSupport.freePort();
    }

    private String scrapeText() {
        HttpResponse<String> r = Browser.call("GET", "http://localhost:" + managementPort + "/observe/metrics", null, null);
        assertEquals(200, r.statusCode(), r::body);
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain"), r.headers()::toString);
        return r.body();
    }

    /** Every sample of the scrape: name{labels in the scrape's order} -> value. */
    private Map<String, Double> scrape() {
        Map<String, Double> out = new HashMap<>();
        for (String line : scrapeText().split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!line.startsWith("#") && m.matches()) {
                out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
            }
        }
        return out;
    }

    /** The value of the sample with this name whose labels are exactly these (0 when absent). */
    private static double value(Map<String, Double> scrape, String name, String... labels) {
        for (Map.Entry<String, Double> e : scrape.entrySet()) {
            String key = e.getKey();
            if (!key.equals(name) && !key.startsWith(name + "{")) {
                continue;
            }
            Map<String, String> have = labels(key);
            Map<String, String> want = new HashMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                want.put(labels[i], labels[i + 1]);
            }
            if (have.equals(want)) {
                return e.getValue();
            }
        }
        return 0;
    }

    private static Map<String, String> labels(String key) {
        Map<String, String> out = new HashMap<>();
        int brace = key.indexOf('{');
        if (brace >= 0) {
            Matcher m = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"").matcher(key.substring(brace));
            while (m.find()) {
                out.put(m.group(1), m.group(2));
            }
        }
        return out;
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name, String... labels) {
        return value(after, name, labels) - value(before, name, labels);
    }

    /** A call from a route in the same Camel context, as the README shows it. */
    private Exchange inProcess(String connectionId) {
        return context.createProducerTemplate().request("direct:lightspeed-api", e -> {
            e.getMessage().setHeader("LightspeedConnectionId", connectionId);
            e.getMessage().setHeader(Exchange.HTTP_METHOD, "GET");
            e.getMessage().setHeader("LightspeedPath", "2.0/products");
        });
    }

    private String connected(String profile, String store) {
        assertEquals(200, connectStore(profile, store).statusCode());
        return connectionId(profile, store);
    }

    private long rowsWith(String profile, String status) {
        return ((Number) rows("SELECT COUNT(*) FROM connection WHERE profile = ? AND status = ?", profile, status)
                .get(0).get(0)).longValue();
    }

    @Test
    void aProxiedCallARefreshAndADeadGrantMoveTheirMetricsByExactlyWhatHappened() {
        String x = connected("x-series", "metrics-shop");
        String o = connected("o-series", "metrics-dead");
        Map<String, Double> before = scrape();

        // over HTTP: a proxied call answered 200, one for an unknown connection (404, the route's own
        // refusal), one without the key (401, refused before the route's steps)
        assertEquals(200, Browser.call("GET", base() + "/api/" + x + "/2.0/products", apiKey, null).statusCode());
        assertEquals(404, Browser.call("GET", base() + "/api/no-such-connection/2.0/products", apiKey, null).statusCode());
        assertEquals(401, Browser.call("GET", base() + "/api/" + x + "/2.0/products", null, null).statusCode());
        // in-process (direct:lightspeed-api): one answered 200, one raising the unknown connection's 404
        assertEquals(200, inProcess(x).getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class));
        Exception unknown = inProcess("no-such-connection").getException();
        assertTrue(unknown instanceof BridgeException b && b.getStatus() == 404, String.valueOf(unknown));

        // a forced refresh whose token call takes at least 200 ms
        sandboxAdmin("settings", "{\"refreshLatencyMillis\":200}");
        try {
            HttpResponse<String> refreshed = Browser.call("POST", base() + "/connections/" + x + "/refresh", apiKey, null);
            assertEquals(200, refreshed.statusCode(), refreshed::body);
            assertTrue(refreshed.body().contains("REFRESHED"), refreshed::body);
        } finally {
            sandboxAdmin("settings", "{\"refreshLatencyMillis\":0}");
        }

        // a grant the provider no longer knows: the forced refresh makes the connection NEEDS_REAUTH
        TokenCipher cipher = context.getRegistry().lookupByNameAndType("tokenCipher", TokenCipher.class);
        execute("UPDATE connection SET refresh_token_enc = ?, access_token_enc = ?, key_id = ? WHERE id = ?",
                cipher.encrypt("sbx-rt-o-unknown", ConnectionStore.REFRESH, o), cipher.encrypt("sbx-at-o-old", ConnectionStore.ACCESS, o),
                cipher.currentKeyId(), o);
        HttpResponse<String> dead = Browser.call("POST", base() + "/connections/" + o + "/refresh", apiKey, null);
        assertEquals(409, dead.statusCode(), dead::body);
        assertEquals("NEEDS_REAUTH", view(o).get("status"));

        Map<String, Double> after = scrape();
        String proxy = "lsbridge_proxy_requests_seconds";
        assertEquals(2, delta(before, after, proxy + "_count", "profile", "x-series", "status", "200"), 1e-9);
        assertTrue(delta(before, after, proxy + "_sum", "profile", "x-series", "status", "200") > 0, "a call takes time");
        assertEquals(2, delta(before, after, proxy + "_bucket", "profile", "x-series", "status", "200", "le", "+Inf"), 1e-9);
        assertEquals(2, delta(before, after, proxy + "_count", "profile", "none", "status", "404"), 1e-9);
        assertEquals(1, delta(before, after, proxy + "_count", "profile", "none", "status", "401"), 1e-9);

        assertEquals(1, delta(before, after, "lsbridge_refresh_total", "profile", "x-series", "outcome", "REFRESHED"), 1e-9);
        assertEquals(1, delta(before, after, "lsbridge_token_request_seconds_count", "profile", "x-series"), 1e-9);
        assertTrue(delta(before, after, "lsbridge_token_request_seconds_sum", "profile", "x-series") >= 0.2,
                "the token call took the sandbox's 200 ms at least");
        assertEquals(0, delta(before, after, "lsbridge_token_request_seconds_bucket", "profile", "x-series", "le", "0.1"), 1e-9,
                "a 200 ms call is not under the 100 ms bucket");

        assertEquals(1, delta(before, after, "lsbridge_refresh_total", "profile", "o-series", "outcome", "NEEDS_REAUTH"), 1e-9);
        assertEquals(1, delta(before, after, "lsbridge_needs_reauth_total", "profile", "o-series"), 1e-9);
        assertEquals(0, delta(before, after, "lsbridge_needs_reauth_total", "profile", "x-series"), 1e-9);

        // the gauges say what the database holds
        assertEquals(rowsWith("x-series", "ACTIVE"), value(after, "lsbridge_connections", "profile", "x-series", "status", "ACTIVE"), 1e-9);
        assertEquals(1, value(after, "lsbridge_connections", "profile", "o-series", "status", "NEEDS_REAUTH"), 1e-9);
        assertEquals(rowsWith("o-series", "ACTIVE"), value(after, "lsbridge_connections", "profile", "o-series", "status", "ACTIVE"), 1e-9);
    }

    @Test
    void aCallThatWaitsForTheStoresRateLimitIsCountedWithItsWait() throws Exception {
        String k = connected("k-series", "metrics-slow");
        Map<String, Double> before = scrape();
        // one call a second: the second of two calls at once waits for the first one's second to pass
        List<Thread> callers = new ArrayList<>();
        List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 2; i++) {
            Thread t = new Thread(() -> statuses.add(
                    Browser.call("GET", base() + "/api/" + k + "/f/data/businesses", apiKey, null).statusCode()));
            callers.add(t);
            t.start();
        }
        for (Thread t : callers) {
            t.join(30_000);
        }
        assertEquals(List.of(200, 200), statuses);
        Map<String, Double> after = scrape();
        assertEquals(1, delta(before, after, "lsbridge_wait_seconds_count", "profile", "k-series", "reason", "rate_limit"), 1e-9);
        assertTrue(delta(before, after, "lsbridge_wait_seconds_sum", "profile", "k-series", "reason", "rate_limit") > 0.1);
        assertEquals(2, delta(before, after, "lsbridge_proxy_requests_seconds_count", "profile", "k-series", "status", "200"), 1e-9);
    }

    @Test
    void namesFollowPrometheusConventionsAndTheScrapeHoldsNoSecret() {
        String x = connected("x-series", "metrics-secret-shop");
        assertEquals(200, Browser.call("GET", base() + "/api/" + x + "/2.0/products", apiKey, null).statusCode());
        String text = scrapeText();

        Map<String, String> types = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^# TYPE (lsbridge_\\S+) (\\S+)$").matcher(text);
        while (m.find()) {
            types.put(m.group(1), m.group(2));
        }
        assertEquals("counter", types.get("lsbridge_refresh_total"), types::toString);
        assertEquals("counter", types.get("lsbridge_needs_reauth_total"), types::toString);
        assertEquals("histogram", types.get("lsbridge_proxy_requests_seconds"), types::toString);
        assertEquals("histogram", types.get("lsbridge_token_request_seconds"), types::toString);
        assertEquals("gauge", types.get("lsbridge_connections"), types::toString);
        for (Map.Entry<String, String> t : types.entrySet()) {
            String name = t.getKey();
            switch (t.getValue()) {
                case "counter" -> assertTrue(name.endsWith("_total"), name);
                case "histogram", "summary" -> assertTrue(name.endsWith("_seconds"), name);
                case "gauge" -> assertTrue(!name.endsWith("_total") && (name.endsWith("_seconds_max") || !name.contains("_seconds")), name);
                default -> { }
            }
            assertTrue(name.matches("[a-z_]+"), "snake case: " + name);
        }
        // JVM metrics are there when camel.metrics.binders asks for them
        assertTrue(text.contains("jvm_memory_used_bytes"), "jvm binders");

        // no secret, no token, no connection id, no store
        for (String secret : List.of(apiKey, sandboxSecret, accessToken(x), "sbx-at-", "sbx-rt-", x, "metrics-secret-shop")) {
            assertFalse(text.contains(secret), "the scrape shows " + secret);
        }
        // only known label names on the bridge's own metrics
        for (String line : text.split("\n")) {
            if (line.startsWith("lsbridge_")) {
                for (String label : labels(line.substring(0, line.lastIndexOf(' '))).keySet()) {
                    assertTrue(List.of("profile", "status", "outcome", "reason", "le").contains(label), line);
                }
            }
        }
    }
}
