package io.lsbridge.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import org.junit.jupiter.api.Test;

/** Retry-After as a wait: seconds, HTTP dates (rounded up to the end of their second), never a burst. */
class RetryAfterTest {
    private final RetryAfter retryAfter = new RetryAfter();
    private final long now = Instant.parse("2026-12-02T10:00:00.400Z").toEpochMilli();

    private static String httpDate(String iso) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.parse(iso).atOffset(ZoneOffset.UTC));
    }

    @Test
    void secondsAreMillis() {
        assertEquals(5000, retryAfter.millisAt("5", now));
        assertEquals(120_000, retryAfter.millisAt(" 120 ", now));
    }

    @Test
    void anHttpDateRunsToTheEndOfItsSecond() {
        // the server may have truncated 10:00:05.700 to 10:00:05: wait until 10:00:06
        assertEquals(5600, retryAfter.millisAt(httpDate("2026-12-02T10:00:05Z"), now));
    }

    @Test
    void aPassedDateOrZeroStillWaitsOneSecondNotABurst() {
        assertEquals(1000, retryAfter.millisAt(httpDate("2026-12-02T09:59:00Z"), now));
        assertEquals(1000, retryAfter.millisAt(httpDate("2026-12-02T10:00:00Z"), now));
        assertEquals(1000, retryAfter.millisAt("0", now));
    }

    @Test
    void missingOrUnreadableWaitsOneSecond() {
        assertEquals(1000, retryAfter.millisAt(null, now));
        assertEquals(1000, retryAfter.millisAt("soon", now));
    }

    @Test
    void jitterIsAddedWithinItsBound() {
        retryAfter.setJitterMillis(200);
        for (int i = 0; i < 50; i++) {
            long w = retryAfter.millis("2");
            assertTrue(w >= 2000 && w <= 2200, "2 s plus up to 200 ms: " + w);
        }
    }

    @Test
    void callersGetWholeSecondsRoundedUp() {
        assertEquals(1, retryAfter.seconds(0));
        assertEquals(1, retryAfter.seconds(1000));
        assertEquals(2, retryAfter.seconds(1001));
    }
}
