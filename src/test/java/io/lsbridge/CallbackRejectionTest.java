package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/**
 * Every kind of bad input at /callback gets a 4xx page naming the reason, creates or changes
 * no connection, and (for forged input) makes no call to the token endpoint.
 */
class CallbackRejectionTest extends BridgeTestSupport {

    /** A second X-Series profile (properties only) to get a code issued for another redirect URI. */
    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.profiles", "x-series,r-series,o-series,l-series,l-series-staging,k-series,k-series-trial,x-series-alt");
        String k = "bridge.profile.x-series-alt.";
        p.setProperty(k + "series", "X");
        p.setProperty(k + "authorize-url", "{{bridge.sandbox.base-url}}/x/oauth/authorize");
        p.setProperty(k + "token-url", "{{bridge.sandbox.base-url}}/x/{tenant}/api/1.0/token");
        p.setProperty(k + "scopes", "products:read");
        p.setProperty(k + "tenant-param", "domain_prefix");
        p.setProperty(k + "api-base-url", "{{bridge.sandbox.base-url}}/api/x/{tenant}");
        return p;
    }

    private HttpResponse<String> assertRejected(Browser browser, String url, int status, String reasonCode,
                                                String phrase, boolean forged) {
        String before = connectionTableSnapshot();
        long events = rows("SELECT COUNT(*) FROM connection_event").get(0).get(0) instanceof Number n ? n.longValue() : -1;
        long calls = tokenCalls();

        HttpResponse<String> r = browser.get(url);

        assertEquals(status, r.statusCode(), r::body);
        assertTrue(r.body().contains(reasonCode), () -> "page names the reason " + reasonCode + ": " + r.body());
        assertTrue(r.body().contains(phrase), () -> "page says '" + phrase + "': " + r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertEquals(before, connectionTableSnapshot(), "no connection created or changed");
        assertEquals(events, ((Number) rows("SELECT COUNT(*) FROM connection_event").get(0).get(0)).longValue());
        if (forged) {
            assertEquals(calls, tokenCalls(), "no call reached the token endpoint");
        }
        Map<String, String> q = Browser.query(url);
        if (q.containsKey("code")) {
            assertFalse(r.body().contains(q.get("code")), "the page never repeats the code");
        }
        return r;
    }

    @Test
    void unknownState() {
        Browser browser = new Browser();
        String callback = decide(connect(browser, "x-series"), "grant", "shop-a");
        String forged = callback.replaceAll("state=[^&]+", "state=forged-state-value-aaaaaaaaaaaaaaaaaaaaaaaa");
        assertRejected(browser, forged, 400, "unknown_state", "not one this bridge issued", true);
        assertRejected(browser, callback.replaceAll("&?state=[^&]+", ""), 400, "missing_state", "no state", true);
    }

    @Test
    void reusedState() {
        Browser browser = new Browser();
        String callback = decide(connect(browser, "r-series"), "grant", "shop-reuse");
        assertEquals(200, browser.get(callback).statusCode());
        assertRejected(browser, callback, 400, "state_reused", "a state is used once", true);
    }

    @Test
    void expiredState() {
        Browser browser = new Browser();
        String authorize = connect(browser, "o-series");
        String callback = decide(authorize, "grant", "shop-late");
        String stateHash = Secrets.sha256Hex(Browser.query(authorize).get("state"));
        assertEquals(1, execute("UPDATE authorization_request SET expires_at = ? WHERE state_hash = ?",
                java.time.OffsetDateTime.now(java.time.ZoneOffset.UTC).minusMinutes(1), stateHash));
        assertRejected(browser, callback, 400, "state_expired", "expired", true);
    }

    @Test
    void stateMadeForAnotherProfile() {
        Browser browser = new Browser();
        String callback = decide(connect(browser, "x-series"), "grant", "shop-b");
        String other = callback.replace("/callback/x-series?", "/callback/r-series?");
        assertRejected(browser, other, 400, "state_profile_mismatch", "issued for another profile", true);
    }

    @Test
    void missingOrWrongBrowserCookie() {
        Browser browser = new Browser();
        String callback = decide(connect(browser, "k-series"), "grant", "shop-c");
        assertRejected(new Browser(), callback, 400, "browser_mismatch", "binding cookie is missing", true);

        Browser impostor = new Browser();
        impostor.cookies().put("lsb_binding", "an-attackers-own-binding-value");
        assertRejected(impostor, callback, 400, "browser_mismatch", "does not match", true);

        // the genuine browser can still finish: the rejected attempts consumed nothing
        assertEquals(200, browser.get(callback).statusCode());
    }

    @Test
    void bindingCookieSmuggledAsAQueryParameterDoesNotCount() {
        Browser browser = new Browser();
        String callback = decide(connect(browser, "r-series"), "grant", "shop-smuggle");
        String binding = browser.cookies().get("lsb_binding");
        String smuggled = callback + "&Cookie=" + java.net.URLEncoder.encode("lsb_binding=" + binding,
                java.nio.charset.StandardCharsets.UTF_8);

        // platform-http turns query parameters into headers: a parameter called Cookie is still no cookie
        assertRejected(new Browser(), smuggled, 400, "browser_mismatch", "binding cookie is missing", true);
        Browser impostor = new Browser();
        impostor.cookies().put("lsb_binding", "an-attackers-own-binding-value");
        assertRejected(impostor, smuggled, 400, "browser_mismatch", "does not match", true);

        // the genuine browser can still finish: the rejected attempts consumed nothing
        assertEquals(200, browser.get(callback).statusCode());
    }

    @Test
    void aRefusalAfterTheTokenCallIsLoggedWithItsProfile() throws Exception {
        java.nio.file.Path log = java.nio.file.Path.of("target/test-logs/bridge-tests.log");
        long start = java.nio.file.Files.size(log);
        Browser first = new Browser();
        String callback = decide(connect(first, "o-series"), "grant", "shop-logged");
        assertEquals(200, first.get(callback).statusCode());
        Browser browser = new Browser();
        String replay = decide(connect(browser, "o-series"), "grant", "shop-logged")
                .replaceAll("code=[^&]+", "code=" + Browser.query(callback).get("code"));
        assertRejected(browser, replay, 400, "invalid_grant", "already used", false);

        String written;
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(log.toFile(), "r")) {
            f.seek(start);
            byte[] b = new byte[(int) (f.length() - start)];
            f.readFully(b);
            written = new String(b, java.nio.charset.StandardCharsets.UTF_8);
        }
        String line = written.lines().filter(l -> l.contains("callback refused") && l.contains("invalid_grant"))
                .findFirst().orElseThrow(() -> new AssertionError("no refusal logged: " + written));
        assertTrue(line.contains("'o-series'"), line);
    }

    @Test
    void accessDenied() {
        Browser browser = new Browser();
        String callback = decide(connect(browser, "l-series"), "deny", "shop-d");
        assertTrue(callback.contains("error=access_denied"), callback);
        assertRejected(browser, callback, 403, "access_denied", "access was denied", true);
    }

    @Test
    void domainPrefixThatIsNotAStoreName() {
        for (String evil : new String[] {"evil.example%2Fx", "evil.example/x", "a.b", "UPPER", "-lead", "a%0d%0ab"}) {
            Browser browser = new Browser();
            String callback = decide(connect(browser, "x-series"), "grant", "shop-e");
            String forged = callback.replaceAll("domain_prefix=[^&]+", "domain_prefix=" + evil);
            assertRejected(browser, forged, 400, "invalid_domain_prefix", "not a store name", true);
        }
        Browser browser = new Browser();
        String callback = decide(connect(browser, "x-series"), "grant", "shop-e");
        assertRejected(browser, callback + "&domain_prefix=second", 400, "invalid_domain_prefix", "not a store name", true);
    }

    @Test
    void reusedCode() {
        Browser first = new Browser();
        String callback = decide(connect(first, "x-series"), "grant", "shop-f");
        assertEquals(200, first.get(callback).statusCode());
        String usedCode = Browser.query(callback).get("code");

        Browser browser = new Browser();
        String fresh = decide(connect(browser, "x-series"), "grant", "shop-f");
        String replay = fresh.replaceAll("code=[^&]+", "code=" + usedCode);
        assertRejected(browser, replay, 400, "invalid_grant", "already used", false);
    }

    @Test
    void codeIssuedForAnotherRedirectUri() {
        Browser browser = new Browser();
        String callback = decide(connect(browser, "x-series"), "grant", "shop-g");
        String code = Browser.query(callback).get("code");

        String alt = decide(connect(browser, "x-series-alt"), "grant", "shop-g");
        String mixed = alt.replaceAll("code=[^&]+", "code=" + code);
        long calls = tokenCalls();
        assertRejected(browser, mixed, 400, "invalid_grant", "another redirect address", false);
        assertEquals(calls + 1, tokenCalls(), "the code was tried exactly once, never retried");
    }

    @Test
    void aCodeIsExchangedOnceEvenWhenTheTokenEndpointAsksToRetry() {
        Browser browser = new Browser();
        String callback = decide(connect(browser, "r-series"), "grant", "shop-busy");
        Browser.call("POST", base() + "/sandbox/admin/faults", null, "{\"mode\":\"429\",\"count\":1,\"series\":\"r\",\"retryAfterSeconds\":1}");
        long calls = tokenCalls();
        assertRejected(browser, callback, 503, "token_endpoint_busy", "the code was not retried", false);
        assertEquals(calls + 1, tokenCalls(), "one call, no automatic retry");
    }
}
