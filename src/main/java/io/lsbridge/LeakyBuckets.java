package io.lsbridge;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.github.bucket4j.Bucket;

/**
 * R-Series' leaky bucket, one per connection, with Bucket4j: a bucket of {@code bucketSize}
 * units refilling at the drip rate; GET costs 1 unit, writes cost {@code writeCost}. Lightspeed's
 * {@code X-LS-API-Bucket-Level: used/size} header corrects the local bucket downwards when the
 * server counts more (other clients of the same account, for instance).
 */
public class LeakyBuckets {
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** Takes the request's cost, waiting at most {@code maxWaitMillis}; false when that is not enough. */
    public boolean take(String connectionId, ProviderProfile.RateModel model, String method, long maxWaitMillis)
            throws InterruptedException {
        int cost = "GET".equalsIgnoreCase(method) || "HEAD".equalsIgnoreCase(method) ? 1 : model.writeCost();
        return bucket(connectionId, model).asBlocking().tryConsume(cost, Duration.ofMillis(maxWaitMillis));
    }

    /** Seconds until {@code cost} units would be there: the Retry-After when the caller cannot wait. */
    public long secondsUntil(String connectionId, ProviderProfile.RateModel model, String method) {
        int cost = "GET".equalsIgnoreCase(method) ? 1 : model.writeCost();
        long nanos = bucket(connectionId, model).estimateAbilityToConsume(cost).getNanosToWaitForRefill();
        return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    /** Applies the server's view from {@code X-LS-API-Bucket-Level: used/size}. */
    public void observe(String connectionId, ProviderProfile.RateModel model, String bucketLevel) {
        if (bucketLevel == null) {
            return;
        }
        String[] parts = bucketLevel.split("/");
        try {
            double used = Double.parseDouble(parts[0].trim());
            double size = parts.length > 1 ? Double.parseDouble(parts[1].trim()) : model.bucketSize();
            long serverAvailable = (long) Math.floor(Math.min(size, model.bucketSize()) * HEADROOM - used);
            Bucket bucket = bucket(connectionId, model);
            long localAvailable = bucket.getAvailableTokens();
            if (localAvailable > serverAvailable) {
                // only ever downwards: requests still on their way are not in the server's count yet
                bucket.consumeIgnoringRateLimits(localAvailable - Math.max(0, serverAvailable));
            }
        } catch (NumberFormatException ignored) {
            // an unreadable header changes nothing
        }
    }

    /**
     * Headroom kept below Lightspeed's figures: requests consumed here reach the server a little
     * later and in bunches, so the local bucket is 10% smaller and drips 10% slower.
     */
    static final double HEADROOM = 0.9;

    private Bucket bucket(String connectionId, ProviderProfile.RateModel model) {
        return buckets.computeIfAbsent(connectionId, id -> {
            long size = (long) Math.floor(model.bucketSize() * HEADROOM);
            long refillMillis = (long) Math.ceil(size / (model.dripPerSecond() * HEADROOM) * 1000);
            return Bucket.builder().addLimit(limit -> limit.capacity(size).refillGreedy(size, Duration.ofMillis(refillMillis)))
                    .build();
        });
    }
}
