package io.lsbridge.store;

import java.time.Instant;
import java.time.OffsetDateTime;

/** Times as the database columns hold them (UTC), for the parameters of plain SQL steps in routes. */
public class DbTime {
    public OffsetDateTime secondsAgo(long seconds) {
        return Jdbc.ts(Instant.now().minusSeconds(seconds));
    }

    public OffsetDateTime daysAgo(long days) {
        return secondsAgo(days * 86400L);
    }
}
