package io.lsbridge.http;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code Retry-After} (delta-seconds or an HTTP date) as a wait in milliseconds, for the proxy's
 * 429 handling. An HTTP date names a whole second that a server may have truncated: the wait runs
 * to the end of that second. A wait is never shorter than {@code minimumMillis} (one request per
 * Retry-After period at most, also once a date has passed or for {@code Retry-After: 0}), and gets
 * up to {@code jitterMillis} added so waiting callers do not all come back at once.
 */
public class RetryAfter {
    private long minimumMillis = 1000;
    private long jitterMillis = 200;
    private long missingMillis = 1000;

    /** The wait before the next attempt, rounded up, plus jitter. */
    public long millis(String retryAfter) {
        return millisAt(retryAfter, System.currentTimeMillis()) + (jitterMillis > 0
                ? ThreadLocalRandom.current().nextLong(jitterMillis + 1) : 0);
    }

    /** The wait without jitter, for a given "now" (epoch millis). */
    public long millisAt(String retryAfter, long nowMillis) {
        if (retryAfter == null || retryAfter.isBlank()) {
            return Math.max(minimumMillis, missingMillis);
        }
        String v = retryAfter.trim();
        long wait;
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                wait = Math.multiplyExact(Long.parseLong(v), 1000L);
            } catch (ArithmeticException | NumberFormatException tooLarge) {
                wait = Long.MAX_VALUE / 4;
            }
        } else {
            try {
                long date = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
                wait = date + 1000 - nowMillis;   // the end of the second the date names
            } catch (RuntimeException unreadable) {
                wait = missingMillis;
            }
        }
        return Math.max(minimumMillis, wait);
    }

    /** Whole seconds for a caller's {@code Retry-After}, rounded up, at least 1. */
    public long seconds(long waitMillis) {
        return Math.max(1, (waitMillis + 999) / 1000);
    }

    /** Whether a wait of {@code waitMillis} from now still ends within {@code maxWaitSeconds} of {@code startedMillis}. */
    public boolean withinMaxWait(long waitMillis, long startedMillis, int maxWaitSeconds) {
        return System.currentTimeMillis() + waitMillis - startedMillis <= maxWaitSeconds * 1000L;
    }

    public void setMinimumMillis(long minimumMillis) {
        this.minimumMillis = minimumMillis;
    }

    public void setJitterMillis(long jitterMillis) {
        this.jitterMillis = jitterMillis;
    }

    /** The wait when a 429 carries no (readable) Retry-After. */
    public void setMissingMillis(long missingMillis) {
        this.missingMillis = missingMillis;
    }
}
