package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/**
 * With short-lived sandbox access tokens, the Quartz loop keeps a connection of every series
 * ACTIVE: its refresh count grows, its token keeps working, and no revoked refresh token is
 * ever used. (The same with 30-second tokens over 5 minutes: see the README's demo.)
 */
class RefreshLoopTest extends BridgeTestSupport {
    static final int LIFETIME = 20;

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.sandbox.access-token-lifetime-seconds", Integer.toString(LIFETIME));
        p.setProperty("bridge.refresh.interval-ms", "500");
        for (String profile : List.of("x-series", "r-series", "o-series", "l-series", "k-series")) {
            p.setProperty("bridge.profile." + profile + ".refresh-margin-seconds", "10");
        }
        return p;
    }

    @Test
    void everySeriesStaysActiveWhileTheLoopRefreshes() throws Exception {
        Map<String, String> ids = new LinkedHashMap<>();
        for (String profile : List.of("x-series", "r-series", "o-series", "l-series", "k-series")) {
            assertEquals(200, connectStore(profile, "loop-shop").statusCode());
            ids.put(profile, connectionId(profile, "loop-shop"));
        }
        long runFor = 60_000;
        long start = System.currentTimeMillis();
        Map<String, Integer> lastCount = new LinkedHashMap<>();
        ids.keySet().forEach(p -> lastCount.put(p, 0));
        while (System.currentTimeMillis() - start < runFor) {
            Thread.sleep(5000);
            for (var e : ids.entrySet()) {
                Map<String, Object> v = view(e.getValue());
                assertEquals("ACTIVE", v.get("status"), () -> e.getKey() + " " + v);
                int count = ((Number) v.get("refreshCount")).intValue();
                assertTrue(count >= lastCount.get(e.getKey()), "refresh count never goes back");
                lastCount.put(e.getKey(), count);
                // the stored token works at the sandbox at every sample
                String series = e.getKey().substring(0, 1);
                String token = accessToken(e.getValue());
                int status = sandboxApiStatus(series, "loop-shop", token);
                assertEquals(200, status, e.getKey() + " token rejected");
            }
        }
        // 60 s of 20 s tokens refreshed 10 s before expiry: about 6 refreshes each; demand at least 4
        for (var e : lastCount.entrySet()) {
            assertTrue(e.getValue() >= 4, e.getKey() + " refreshed only " + e.getValue() + " times");
        }
        assertEquals(0, stat("revokedRefreshTokenUses"), "no revoked refresh token was ever used");
        System.out.println("Refresh counts after " + runFor / 1000 + " s of " + LIFETIME + " s tokens: " + lastCount);
    }
}
