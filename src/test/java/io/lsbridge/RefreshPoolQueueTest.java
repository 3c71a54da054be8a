package io.lsbridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * The loop's due connections wait in the refresh pool's queue; none runs on the submitting thread.
 * (With {@code maxQueueSize = -1} Camel gave the pool no queue at all: every refresh beyond the pool
 * was rejected and run by the submitting thread (CallerRuns) inside the stack of the one before, nested
 * hundreds deep at parallelism 4, until a StackOverflowError inside H2 left its transactions broken:
 * "An old transaction with the same id is still open" on every later statement.)
 */
class RefreshPoolQueueTest extends BridgeTestSupport {
    static final int CONNECTIONS = 40;

    @Override
    protected Properties extraProperties() {
        Properties p = new Properties();
        p.setProperty("bridge.refresh.interval-ms", "500");
        p.setProperty("bridge.refresh.parallelism", "2");
        return p;
    }

    @Test
    void dueConnectionsWaitInTheQueueAndNoRefreshRunsNestedOnTheSubmittingThread() throws Exception {
        context.getRouteController().suspendRoute("refresh-loop");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            assertEquals(200, connectStore("x-series", "queue-shop-" + i).statusCode());
            String id = connectionId("x-series", "queue-shop-" + i);
            makeDue(id);
            ids.add(id);
        }
        // while the loop works through them, sample every thread's stack for refreshes run by a rejected hand-off
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicInteger callerRuns = new AtomicInteger();
        AtomicInteger deepest = new AtomicInteger();
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                Thread.getAllStackTraces().values().forEach(stack -> {
                    int nested = 0;
                    for (StackTraceElement e : stack) {
                        if (e.getClassName().endsWith("CallerRunsPolicy")) {
                            nested++;
                        }
                    }
                    callerRuns.addAndGet(nested);
                    deepest.accumulateAndGet(stack.length, Math::max);
                });
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        context.getRouteController().resumeRoute("refresh-loop");
        try {
            await("the loop refreshes all " + CONNECTIONS + " due connections", 120_000,
                    () -> ids.stream().allMatch(id -> ((Number) view(id).get("refreshCount")).intValue() >= 1));
        } finally {
            sampling.set(false);
            sampler.join();
        }
        System.out.println("refresh pool of 2, " + CONNECTIONS + " due: CallerRuns frames seen " + callerRuns.get()
                + ", deepest stack " + deepest.get() + " frames");
        assertEquals(0, callerRuns.get(), "no refresh ran on the submitting thread (a rejected hand-off)");
        assertTrue(deepest.get() < 1000, "stacks stay shallow: " + deepest.get());
        for (String id : ids) {
            assertEquals("ACTIVE", view(id).get("status"));
        }
        assertEquals(0, stat("revokedRefreshTokenUses"));
    }
}
