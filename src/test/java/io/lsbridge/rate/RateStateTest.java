package io.lsbridge.rate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The fixed-size rate state: sliding windows with reservations, the leaky bucket, the 429 pause. */
class RateStateTest {
    private static final long T0 = 900_000_000L;   // epoch millis, a multiple of every slot used here

    @Test
    void aWindowAdmitsItsLimitThenReservesPlacesInOrder() {
        RateState s = new RateState();
        for (int i = 0; i < 3; i++) {
            assertEquals(0, s.window(T0, 3, 1000, 10, 10_000));
        }
        // the three sit in slot 0; slot 0 leaves the (conservative, 11-slot) window at slot 11
        assertEquals(1100, s.window(T0, 3, 1000, 10, 10_000));
        assertEquals(1100, s.window(T0, 3, 1000, 10, 10_000));
        assertEquals(1100, s.window(T0, 3, 1000, 10, 10_000));
        assertEquals(2200, s.window(T0, 3, 1000, 10, 10_000), "queued behind the reserved ones");
    }

    @Test
    void neverMoreThanTheLimitInAnyPeriod() {
        RateState s = new RateState();
        List<Long> sendTimes = new ArrayList<>();
        long now = T0;
        for (int i = 0; i < 200; i++) {
            now += (i * 37) % 90;   // uneven arrivals
            sendTimes.add(now + s.window(now, 5, 1000, 10, 60_000));
        }
        for (long start : sendTimes) {
            long inPeriod = sendTimes.stream().filter(t -> t >= start && t < start + 1000).count();
            assertTrue(inPeriod <= 5, "at most 5 in [" + start + ", +1000): " + inPeriod);
        }
    }

    @Test
    void aWaitBeyondTheMaxReservesNothing() {
        RateState s = new RateState();
        assertEquals(0, s.window(T0, 1, 300_000, 10, 10_000));
        long wait = s.window(T0, 1, 300_000, 10, 10_000);
        assertEquals(330_000, wait, "the answer's Retry-After");
        assertEquals(330_000, s.window(T0, 1, 300_000, 10, 10_000), "the refused call took no place");
        assertEquals(0, s.window(T0 + 330_000, 1, 300_000, 10, 10_000));
    }

    @Test
    void theStateStaysTheSameSizeWhateverTheTraffic() throws Exception {
        RateState s = new RateState();
        s.window(T0, 350, 300_000, 10, 10_000);
        java.lang.reflect.Field ring = RateState.class.getDeclaredField("ring");
        ring.setAccessible(true);
        int length = ((int[]) ring.get(s)).length;
        for (int i = 0; i < 100_000; i++) {
            s.window(T0 + i * 7L, 350, 300_000, 10, 10_000);
        }
        assertEquals(length, ((int[]) ring.get(s)).length);
        assertTrue(length <= 20, "counters: " + length);
    }

    @Test
    void aLeakyBucketCostsByMethodAndReservesInOrder() {
        RateState s = new RateState();
        // 10 units draining 10 a second: a unit every 100 ms
        for (int i = 0; i < 10; i++) {
            assertEquals(0, s.bucket(T0, 10, 10, 1, 10_000));
        }
        assertEquals(100, s.bucket(T0, 10, 10, 1, 10_000));
        assertEquals(600, s.bucket(T0, 10, 10, 5, 10_000), "a write of 5 units waits for 5 more to drain");
        assertEquals(700, s.bucket(T0, 10, 10, 1, 10_000), "a read after it waits its turn");
    }

    @Test
    void theServersBucketLevelOnlyEverMeansLessRoom() {
        RateState s = new RateState();
        s.bucketUsedAtLeast(T0, 8, 10);
        assertEquals(0, s.bucket(T0, 10, 10, 1, 10_000));
        assertEquals(0, s.bucket(T0, 10, 10, 1, 10_000));
        assertEquals(100, s.bucket(T0, 10, 10, 1, 10_000));
        s.bucketUsedAtLeast(T0, 1, 10);   // the server counts less: ignored
        assertEquals(200, s.bucket(T0, 10, 10, 1, 10_000));
    }

    @Test
    void aPauseAfter429HoldsEveryModel() {
        RateState s = new RateState();
        s.pauseUntil(T0 + 2500);
        assertTrue(s.window(T0, 100, 1000, 10, 10_000) >= 2500);
        assertTrue(s.bucket(T0, 10, 10, 1, 10_000) >= 2500);
    }
}
