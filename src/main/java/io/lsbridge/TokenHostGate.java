package io.lsbridge;

import java.net.URI;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers, per token host, until when no token call may be made: after a 429 (until
 * {@code X-RateLimit-Reset} or {@code Retry-After}) or when {@code X-RateLimit-Remaining} is about
 * to reach 0.
 */
public class TokenHostGate {
    private final Map<String, Instant> blockedUntil = new ConcurrentHashMap<>();
    private int reserve = 1;

    /** Calls to keep in hand: block the host once Remaining is at or below this. */
    public void setReserve(int reserve) {
        this.reserve = reserve;
    }

    /** Until when the host of {@code url} is closed, or null when it is open. */
    public Instant blockedUntil(String url) {
        Instant until = blockedUntil.get(host(url));
        if (until != null && until.isBefore(Instant.now())) {
            blockedUntil.remove(host(url), until);
            return null;
        }
        return until;
    }

    /** Until when the endpoint of {@code request} is closed, or null when it is open. */
    public Instant closedUntil(TokenEndpoint.TokenRequest request) {
        return blockedUntil(request.url());
    }

    /** {@link #observe} for the endpoint of {@code request}. */
    public Instant observeAnswer(TokenEndpoint.TokenRequest request, Integer status, String retryAfter, String remaining,
                                 String reset) {
        return observe(request.url(), status == null ? 0 : status, retryAfter, remaining, reset);
    }

    /**
     * Reads a token response's rate-limit headers. Returns the instant the host opens again when
     * it has just been closed, else null.
     */
    public Instant observe(String url, int status, String retryAfter, String remaining, String reset) {
        Instant until = null;
        if (status == 429) {
            // the later of the two hints: never call before either says the host is open again
            until = later(parseReset(reset), parseRetryAfter(retryAfter));
            if (until == null) {
                until = Instant.now().plusSeconds(60);
            }
        } else if (remaining != null) {
            try {
                if (Long.parseLong(remaining.trim()) <= reserve) {
                    until = firstNonNull(parseReset(reset), Instant.now().plusSeconds(60));
                }
            } catch (NumberFormatException ignored) {
                // a header we cannot read is no reason to stop
            }
        }
        if (until != null) {
            blockedUntil.merge(host(url), until, (a, b) -> a.isAfter(b) ? a : b);
        }
        return until;
    }

    /** {@code Retry-After} as seconds or as an HTTP date (RFC 1123). */
    public static Instant parseRetryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            return Instant.now().plusSeconds(Math.max(0, Long.parseLong(v)));
        } catch (NumberFormatException notSeconds) {
            try {
                return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            } catch (Exception notADate) {
                return null;
            }
        }
    }

    /** {@code X-RateLimit-Reset}: epoch seconds (X-Series), or seconds from now when small. */
    static Instant parseReset(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            long n = Long.parseLong(value.trim());
            return n > 1_000_000_000L ? Instant.ofEpochSecond(n) : Instant.now().plusSeconds(n);
        } catch (NumberFormatException e) {
            return parseRetryAfter(value);
        }
    }

    /** The token endpoint itself (host and path): X-Series has one per store, the others one per server. */
    static String host(String url) {
        try {
            URI u = URI.create(url);
            return u.getScheme() + "://" + u.getHost() + ":" + u.getPort() + u.getPath();
        } catch (Exception e) {
            return url;
        }
    }

    private static Instant later(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}
