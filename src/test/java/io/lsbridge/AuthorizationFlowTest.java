package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The whole authorization-code flow of every series against the sandbox (the operator API: ConnectionsApiTest). */
class AuthorizationFlowTest extends BridgeTestSupport {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // profile,        sandbox series, scope expected,                         PKCE
            "x-series,         x,             products:read sales:read customers:read, false",
            "r-series,         r,             employee:register employee:inventory,   false",
            "o-series,         o,             ,                                       false",
            "l-series,         l,             ,                                       true",
            "l-series-staging, l,             ,                                       true",
            "k-series,         k,             orders-api items financial-api offline_access, false",
            "k-series-trial,   k,             orders-api items financial-api offline_access, false"})
    void everySeriesConnectsThroughTheFullFlow(String profile, String series, String scope, boolean pkce) {
        Browser browser = new Browser();
        String authorizeUrl = connect(browser, profile);

        assertTrue(authorizeUrl.startsWith(base() + "/sandbox/" + series + "/oauth/authorize?"), authorizeUrl);
        Map<String, String> q = Browser.query(authorizeUrl);
        assertEquals("code", q.get("response_type"));
        assertEquals("sandbox-client", q.get("client_id"));
        assertEquals(base() + "/callback/" + profile, q.get("redirect_uri"));
        assertTrue(q.get("state").length() >= 43, "state carries at least 32 random bytes");
        assertEquals(scope, q.get("scope"));
        if (pkce) {
            assertEquals("S256", q.get("code_challenge_method"));
            assertEquals(43, q.get("code_challenge").length());
        } else {
            assertFalse(q.containsKey("code_challenge"));
        }
        String cookie = browser.cookies().get("lsb_binding");
        assertNotNull(cookie, "the browser binding cookie is set");

        String store = "shop-" + profile;
        String callbackUrl = decide(authorizeUrl, "grant", store);
        assertTrue(callbackUrl.startsWith(base() + "/callback/" + profile + "?"), callbackUrl);
        Map<String, String> cb = Browser.query(callbackUrl);
        assertEquals(q.get("state"), cb.get("state"));
        if ("x".equals(series)) {
            assertEquals(store, cb.get("domain_prefix"));
        }

        HttpResponse<String> page = browser.get(callbackUrl);
        assertEquals(200, page.statusCode(), page::body);
        assertTrue(page.body().contains("Store connected"), page.body());
        assertFalse(page.body().contains(cb.get("code")), "the page never shows the code");
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertFalse(page.headers().map().containsKey("code"), "request parameters do not echo into response headers");

        // X names its store on the callback; the others are found by the account/company/business lookup
        String tenant = "x".equals(series) ? store : io.lsbridge.sandbox.Sandbox.tenantId(series, store);
        Map<String, Object> conn = connection(profile, tenant);
        assertEquals("ACTIVE", conn.get("status"));
        assertEquals("OAUTH", conn.get("kind"));
        if (!"x".equals(series)) {
            assertTrue(tenant.matches("\\d{6}"), "numeric account/company/business id: " + conn);
            assertEquals("Sandbox " + store, conn.get("tenantName"));
        }
        assertNotNull(conn.get("accessTokenExpiresAt"));
        assertFalse(conn.toString().contains("sbx-at-"), "no access token in the API");
        assertFalse(conn.toString().contains("sbx-rt-"), "no refresh token in the API");
    }

    @Test
    void theSameStoreAuthorizedAgainUpdatesItsConnectionInPlace() {
        assertEquals(200, connectStore("r-series", "twice-store").statusCode());
        Map<String, Object> first = connection("r-series", tenantOf("r-series", "twice-store"));
        assertEquals(200, connectStore("r-series", "twice-store").statusCode());
        Map<String, Object> second = connection("r-series", tenantOf("r-series", "twice-store"));

        assertEquals(first.get("id"), second.get("id"));
        long same = connections().stream().filter(c -> first.get("id").equals(c.get("id"))).count();
        assertEquals(1, same);

        HttpResponse<String> one = Browser.call("GET", base() + "/connections/" + first.get("id"), apiKey, null);
        assertEquals(200, one.statusCode());
        Map<String, Object> detail = parse(one.body(), new TypeReference<>() { });
        List<?> events = (List<?>) detail.get("events");
        assertTrue(events.toString().contains("REAUTHORIZED"), events.toString());
        assertTrue(events.toString().contains("CONNECTED"), events.toString());
    }

    @Test
    void unknownProfileAndUnknownConnectionAreClear404s() {
        HttpResponse<String> r = new Browser().get(base() + "/connect/z-series");
        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("There is no provider profile called"), r.body());
        assertEquals(404, Browser.call("GET", base() + "/connections/not-an-id", apiKey, null).statusCode());
    }

    /** The sandbox's tenant id for a store, as discovery finds it. */
    private static String tenantOf(String profile, String store) {
        return io.lsbridge.sandbox.Sandbox.tenantId(profile.substring(0, 1), store);
    }
}
