package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.core.type.TypeReference;
import com.sun.net.httpserver.HttpServer;

import io.lsbridge.refresh.RefreshLeases;
import io.lsbridge.refresh.RefreshOutcome;

import org.junit.jupiter.api.Test;

/**
 * The refresh protocol under races and faults: single flight, 500s, 429 with a reset, a dead
 * grant, a token call that hangs, and a response lost in flight. Tokens live an hour here, so
 * only the connection a test makes due is refreshed.
 */
class RefreshFaultsTest extends BridgeTestSupport {
    /** Receives the re-authorization notices; lives as long as the test JVM (PostgresRefreshFaultsTest shares it). */
    static final HttpServer WEBHOOK;
    static final List<String> NOTICES = Collections.synchronizedList(new ArrayList<>());

    static {
        try {
            WEBHOOK = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        WEBHOOK.createContext("/hooks/reauth", exchange -> {
            NOTICES.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        WEBHOOK.start();
    }

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.refresh.interval-ms", "300");
        p.setProperty("bridge.refresh.lease-seconds", "4");
        p.setProperty("bridge.refresh.backoff-base-ms", "300");
        p.setProperty("bridge.refresh.backoff-max-ms", "3000");
        p.setProperty("camel.component.http.connectTimeout", "1000");
        p.setProperty("camel.component.http.responseTimeout", "1500");
        p.setProperty("camel.component.http.soTimeout", "1500");
        p.setProperty("bridge.webhook.url", "http://localhost:" + WEBHOOK.getAddress().getPort() + "/hooks/reauth");
        return p;
    }

    private String connected(String profile, String store) {
        assertEquals(200, connectStore(profile, store).statusCode());
        return connectionId(profile, store);
    }

    private int refreshCount(String id) {
        return ((Number) view(id).get("refreshCount")).intValue();
    }

    @Test
    void fiftyConcurrentRefreshRequestsMakeOneTokenCall() throws Exception {
        String id = connected("x-series", "crowd-shop");
        String before = accessToken(id);
        long calls = stat("refreshCalls");
        long revoked = stat("revokedRefreshTokenUses");
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Callable<HttpResponse<String>>> callers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                callers.add(() -> Browser.call("POST", base() + "/connections/" + id + "/refresh", apiKey, null));
            }
            List<Map<String, Object>> answers = new ArrayList<>();
            for (Future<HttpResponse<String>> f : pool.invokeAll(callers)) {
                HttpResponse<String> r = f.get();
                assertEquals(200, r.statusCode(), r::body);
                answers.add(parse(r.body(), new TypeReference<>() { }));
            }
            assertEquals(calls + 1, stat("refreshCalls"), "exactly one token call");
            String after = accessToken(id);
            assertFalse(before.equals(after), "the token was renewed");
            assertEquals(200, sandboxApiStatus("x", "crowd-shop", after));
            for (Map<String, Object> a : answers) {
                Map<?, ?> c = (Map<?, ?>) a.get("connection");
                assertEquals(1, ((Number) c.get("refreshCount")).intValue(), "every caller sees the one refresh");
                assertFalse(a.toString().contains(after), "no token in the answer");
            }

            // the same through the proxy's entry point: 50 threads find the token expired
            makeDue(id);
            long calls2 = stat("refreshCalls");
            List<Callable<Object>> users = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                users.add(() -> template.requestBodyAndHeader("direct:refresh-connection", id, "LightspeedRefreshMode", "EXPIRED"));
            }
            List<String> tokens = new ArrayList<>();
            for (Future<Object> f : pool.invokeAll(users)) {
                Object outcome = f.get();
                assertTrue(outcome == RefreshOutcome.REFRESHED || outcome == RefreshOutcome.FRESH,
                        "a typed outcome, shared or fresh: " + outcome);
                tokens.add(accessToken(id));
            }
            assertEquals(calls2 + 1, stat("refreshCalls"), "exactly one token call");
            String newest = accessToken(id);
            assertFalse(after.equals(newest));
            assertTrue(tokens.stream().allMatch(newest::equals), "all 50 callers end with the new token");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(revoked, stat("revokedRefreshTokenUses"));
    }

    @Test
    void threeServerErrorsThenSuccess() {
        String id = connected("x-series", "flaky-shop");
        long calls = stat("refreshCalls");
        long revoked = stat("revokedRefreshTokenUses");
        sandboxAdmin("faults", "{\"mode\":\"500\",\"count\":3,\"series\":\"x\"}");
        makeDue(id);
        await("a failure is recorded", 10_000, () -> ((Number) view(id).get("failureCount")).intValue() >= 1);
        Map<String, Object> failing = view(id);
        assertEquals("ACTIVE", failing.get("status"), "a 5xx keeps the connection");
        assertTrue(String.valueOf(failing.get("lastError")).contains("HTTP 500"), failing::toString);
        assertNotNull(failing.get("nextAttemptAt"));

        await("refreshed after back-off", 20_000, () -> refreshCount(id) == 1);
        Map<String, Object> ok = view(id);
        assertEquals("ACTIVE", ok.get("status"));
        assertEquals(0, ((Number) ok.get("failureCount")).intValue());
        assertEquals(null, ok.get("lastError"));
        assertEquals(calls + 4, stat("refreshCalls"), "three failures and one success");
        assertEquals(200, sandboxApiStatus("x", "flaky-shop", accessToken(id)));
        assertEquals(revoked, stat("revokedRefreshTokenUses"), "nothing lost: no revoked token was used");
    }

    @Test
    void rateLimitedTokenEndpointIsNotCalledBeforeItsReset() {
        String id = connected("r-series", "busy-shop");
        sandboxAdmin("faults", "{\"mode\":\"429\",\"count\":1,\"series\":\"r\",\"retryAfterSeconds\":4}");
        int timesBefore = refreshCallTimes().size();
        makeDue(id);
        await("refreshed after the reset", 20_000, () -> refreshCount(id) >= 1);
        List<Long> times = refreshCallTimes();
        List<Long> mine = times.subList(timesBefore, times.size());
        assertEquals(2, mine.size(), "one 429, then one call after the reset: " + mine);
        long waited = mine.get(1) - mine.get(0);
        // the reset is given as epoch seconds 4 s ahead: at least 3 s, and the Retry-After says 4
        assertTrue(waited >= 3900, "no token call before the reset; waited only " + waited + " ms");
        assertEquals("ACTIVE", view(id).get("status"));
    }

    @SuppressWarnings("unchecked")
    private List<Long> refreshCallTimes() {
        return ((List<Number>) sandboxStats().get("refreshCallTimes")).stream().map(Number::longValue).toList();
    }

    @Test
    void invalidGrantNeedsReauthorizationWithAnEventAndAWebhookNotice() {
        String id = connected("o-series", "revoked-shop");
        // the provider no longer knows the stored refresh token (e.g. the app was uninstalled)
        TokenCipher cipher = context.getRegistry().lookupByNameAndType("tokenCipher", TokenCipher.class);
        execute("UPDATE connection SET refresh_token_enc = ?, key_id = ? WHERE id = ?",
                cipher.encrypt("sbx-rt-o-unknown", ConnectionStore.REFRESH, id), cipher.currentKeyId(), id);
        // the access token must still decrypt with the key id now on the row
        execute("UPDATE connection SET access_token_enc = ? WHERE id = ?", cipher.encrypt("sbx-at-o-old", ConnectionStore.ACCESS, id), id);
        makeDue(id);
        await("NEEDS_REAUTH", 10_000, () -> "NEEDS_REAUTH".equals(view(id).get("status")));
        Map<String, Object> v = view(id);
        assertTrue(String.valueOf(v.get("lastError")).contains("invalid_grant"), v::toString);
        assertTrue(v.get("events").toString().contains("NEEDS_REAUTH"), v::toString);

        await("webhook notice", 10_000, () -> NOTICES.stream().anyMatch(n -> n.contains(id)));
        String notice = NOTICES.stream().filter(n -> n.contains(id)).findFirst().orElseThrow();
        Map<String, Object> json = parse(notice, new TypeReference<>() { });
        assertEquals("connection.needs_reauthorization", json.get("event"));
        assertEquals("o-series", json.get("profile"));
        assertTrue(String.valueOf(json.get("reconnectUrl")).endsWith("/connect/o-series"));
        assertFalse(notice.contains("sbx-"), "the notice carries no token");
        assertFalse(notice.contains(sandboxSecret) || notice.contains(apiKey));

        // a dead connection is not retried by the loop
        long calls = stat("refreshCalls");
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertEquals(calls, stat("refreshCalls"), "NEEDS_REAUTH is never retried");
    }

    @Test
    void aHangingTokenCallKeepsItsLeaseUntilItTimesOut() throws Exception {
        String id = connected("k-series", "slow-shop");
        long calls = stat("refreshCalls");
        sandboxAdmin("faults", "{\"mode\":\"hang\",\"count\":1,\"series\":\"k\",\"hangMillis\":3000}");
        makeDue(id);
        await("the call is in flight", 5_000, () -> stat("refreshCalls") == calls + 1);

        // another refresher (another node) cannot take the lease while the call hangs
        RefreshLeases leases = context.getRegistry().lookupByNameAndType("refreshLeases", RefreshLeases.class);
        assertEquals(RefreshOutcome.LEASED_ELSEWHERE, leases.take(id, "FORCE", null).refusal(), "lease is held during the hang");
        Thread.sleep(1000);
        assertEquals(RefreshOutcome.LEASED_ELSEWHERE, leases.take(id, "FORCE", null).refusal(), "still held");
        assertEquals(calls + 1, stat("refreshCalls"), "no second token call meanwhile");

        // after the timeout the refresh is retried and succeeds with the same refresh token
        await("refreshed after the timeout", 20_000, () -> refreshCount(id) == 1);
        assertEquals("ACTIVE", view(id).get("status"));
        assertTrue(view(id).get("events").toString().contains("REFRESHED"));
        assertEquals(200, sandboxApiStatus("k", "slow-shop", accessToken(id)));
    }

    @Test
    void aLostResponseIsSurfacedAsNeedsReauthWithTheReason() {
        String id = connected("x-series", "lost-shop");
        sandboxAdmin("faults", "{\"mode\":\"lose\",\"count\":1,\"series\":\"x\",\"hangMillis\":3000}");
        makeDue(id);
        await("NEEDS_REAUTH", 20_000, () -> "NEEDS_REAUTH".equals(view(id).get("status")));
        String reason = String.valueOf(view(id).get("lastError"));
        assertTrue(reason.contains("lost in flight"), reason);
        await("webhook notice", 10_000, () -> NOTICES.stream().anyMatch(n -> n.contains(id)));
    }

    @Test
    void aLostResponseOnLSeriesIsRecoveredInsideTheGracePeriod() {
        String id = connected("l-series", "grace-shop");
        long revoked = stat("revokedRefreshTokenUses");
        sandboxAdmin("faults", "{\"mode\":\"lose\",\"count\":1,\"series\":\"l\",\"hangMillis\":3000}");
        makeDue(id);
        await("recovered", 20_000, () -> refreshCount(id) == 1);
        assertEquals("ACTIVE", view(id).get("status"));
        assertEquals(200, sandboxApiStatus("l", "grace-shop", accessToken(id)));
        assertEquals(revoked, stat("revokedRefreshTokenUses"), "the retry was inside L's 60 s grace");
    }
}
