package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Properties;

import org.junit.jupiter.api.Test;

/**
 * An operator may suspend and resume the refresh loop's route (Camel's CLI, JMX, a route controller):
 * after the resume the loop refreshes again. (Camel 4.18's {@code loop} with {@code breakOnShutdown}
 * keeps its "shutting down" flag after a suspend, so the loop then fetched no batch ever again.)
 */
class RefreshLoopResumeTest extends BridgeTestSupport {

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.refresh.interval-ms", "500");
        return p;
    }

    @Test
    void theLoopRefreshesAgainAfterItsRouteWasSuspendedAndResumed() throws Exception {
        context.getRouteController().suspendRoute("refresh-loop");
        assertEquals(200, connectStore("x-series", "resume-shop").statusCode());
        String id = connectionId("x-series", "resume-shop");
        makeDue(id);
        Thread.sleep(1500);
        assertEquals(0, ((Number) view(id).get("refreshCount")).intValue(), "a suspended loop refreshes nothing");

        context.getRouteController().resumeRoute("refresh-loop");
        await("the resumed loop refreshes the due connection", 60_000,
                () -> ((Number) view(id).get("refreshCount")).intValue() >= 1);
        Object status = view(id).get("status");
        assertEquals("ACTIVE", status);
        assertEquals(200, sandboxApiStatus("x", "resume-shop", accessToken(id)), "the refreshed token works");
        assertEquals(0, stat("revokedRefreshTokenUses"));
    }
}
