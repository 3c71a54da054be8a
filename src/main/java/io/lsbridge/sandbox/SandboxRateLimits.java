package io.lsbridge.sandbox;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.Message;

/**
 * Each series' API rate limit with its own headers and 429 answer: X a window per store
 * ({@code Retry-After} as an HTTP date), R a leaky bucket per account ({@code X-LS-API-Bucket-Level},
 * {@code X-LS-API-Drip-Rate}, {@code Retry-After} in seconds), O, L and K a number per second.
 */
public class SandboxRateLimits {
    private volatile int xWindowRequests = 350;
    private volatile int xWindowSeconds = 300;
    private volatile double rBucketSize = 90;
    private volatile double rDripPerSecond = 1;
    private volatile int requestsPerSecond = 5;
    private final Map<String, long[]> windows = new ConcurrentHashMap<>();
    private final Map<String, double[]> rBuckets = new ConcurrentHashMap<>();
    final AtomicLong api429s = new AtomicLong();

    /** The series' 429 answer (status, headers, body) when the request must wait; null when it may pass. */
    String limit(Message in, String series, String key, String method) {
        long now = System.currentTimeMillis();
        return switch (series) {
            case "x" -> window(in, now, "x:" + key, xWindowSeconds * 1000L, xWindowRequests);
            case "r" -> bucket(in, now, key, "GET".equals(method) || "HEAD".equals(method) ? 1 : 10);
            default -> window(in, now, series + ":" + key, 1000, requestsPerSecond);
        };
    }

    private String window(Message in, long now, String key, long windowMillis, int limit) {
        long[] w = windows.computeIfAbsent(key, k -> new long[] {now, 0});
        synchronized (w) {
            if (now - w[0] >= windowMillis) {
                w[0] = now;
                w[1] = 0;
            }
            if (++w[1] <= limit) {
                return null;
            }
            api429s.incrementAndGet();
            if (!key.startsWith("x:")) {
                String body = SandboxHttp.json(in, 429, Map.of("error", "rate_limited", "message", limit + " requests per second"));
                in.setHeader("Retry-After", "1");
                return body;
            }
            String body = SandboxHttp.json(in, 429, Map.of("error", "Too Many Requests",
                    "message", "rate limit of " + limit + " requests per " + windowMillis / 1000 + " s"));
            // X-Series: Retry-After is an HTTP date, not seconds
            in.setHeader("Retry-After", DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(
                    Instant.ofEpochMilli(w[0] + windowMillis).plusSeconds(1), ZoneOffset.UTC)));
            return body;
        }
    }

    private String bucket(Message in, long now, String key, double cost) {
        double[] b = rBuckets.computeIfAbsent(key, k -> new double[] {0, now});
        synchronized (b) {
            b[0] = Math.max(0, b[0] - (now - b[1]) / 1000.0 * rDripPerSecond);
            b[1] = now;
            if (b[0] + cost > rBucketSize) {
                api429s.incrementAndGet();
                long wait = (long) Math.ceil((b[0] + cost - rBucketSize) / rDripPerSecond);
                String body = SandboxHttp.json(in, 429, Map.of("error", "Too Many Requests", "message", "bucket full"));
                in.setHeader("Retry-After", Long.toString(Math.max(1, wait)));
                bucketHeaders(in, b[0]);
                return body;
            }
            b[0] += cost;
            // the answer carries the level after this request
            bucketHeaders(in, b[0]);
            return null;
        }
    }

    private void bucketHeaders(Message in, double level) {
        in.setHeader("X-LS-API-Bucket-Level", formatLevel(level) + "/" + formatLevel(rBucketSize));
        in.setHeader("X-LS-API-Drip-Rate", formatLevel(rDripPerSecond));
    }

    private static String formatLevel(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    /** Applies the rate settings present in the request (a changed limit starts afresh); answers them all. */
    Map<String, Object> settings(Map<?, ?> req) {
        if (req.get("xWindowRequests") != null) {
            xWindowRequests = ((Number) req.get("xWindowRequests")).intValue();
            windows.clear();
        }
        if (req.get("xWindowSeconds") != null) {
            xWindowSeconds = ((Number) req.get("xWindowSeconds")).intValue();
            windows.clear();
        }
        if (req.get("rBucketSize") != null) {
            rBucketSize = ((Number) req.get("rBucketSize")).doubleValue();
            rBuckets.clear();
        }
        if (req.get("rDripPerSecond") != null) {
            rDripPerSecond = ((Number) req.get("rDripPerSecond")).doubleValue();
            rBuckets.clear();
        }
        if (req.get("requestsPerSecond") != null) {
            requestsPerSecond = ((Number) req.get("requestsPerSecond")).intValue();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("xWindowRequests", xWindowRequests);
        m.put("xWindowSeconds", xWindowSeconds);
        m.put("rBucketSize", rBucketSize);
        m.put("rDripPerSecond", rDripPerSecond);
        m.put("requestsPerSecond", requestsPerSecond);
        return m;
    }
}
