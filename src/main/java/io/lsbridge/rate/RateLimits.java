package io.lsbridge.rate;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.lsbridge.ProviderProfile;
import io.lsbridge.proxy.ApiConnection;
import io.lsbridge.proxy.ApiConnections;

import org.apache.camel.ExchangeProperty;

/**
 * Per-connection rate limits for the proxy, a fixed-size {@link RateState} per connection whatever
 * the traffic (Camel's throttle kept one object per request in the window). Each method answers the
 * milliseconds the call must wait before it may go, its place already reserved; an answer above
 * the max wait means nothing was reserved and the route answers 429 with it as Retry-After.
 * <ul>
 * <li>{@code window} (X-Series, and per-second for O, L, K): at most N requests in any period;</li>
 * <li>{@code leakyBucket} (R-Series): a bucket of units draining per second, GET/HEAD costing 1 and
 * writes the profile's write cost, corrected from Lightspeed's {@code X-LS-API-Bucket-Level}.</li>
 * </ul>
 */
public class RateLimits {
    /**
     * Headroom kept below Lightspeed's bucket figures: requests counted here reach the server a
     * little later and in bunches, so the local bucket is 10% smaller and drips 10% slower.
     */
    static final double HEADROOM = 0.9;

    private final Map<String, RateState> states = new ConcurrentHashMap<>();
    private int windowSlots = 10;
    private long windowMillis = 300_000;
    private int maxWaitSeconds = 10;

    // ---------------------------------------------------------------- the route's steps (inputs bound by annotation)

    /** Window model (X-Series): the wait for this call (ms); above the max wait nothing is reserved. */
    public long windowWait(@ExchangeProperty(ApiConnections.CONNECTION) ApiConnection connection) {
        return window(connection, windowMillis, maxWaitSeconds);
    }

    /** Per-second model. */
    public long perSecondWait(@ExchangeProperty(ApiConnections.CONNECTION) ApiConnection connection) {
        return perSecond(connection, maxWaitSeconds);
    }

    /** Leaky-bucket model, the cost by the call's method. */
    public long leakyBucketWait(@ExchangeProperty(ApiConnections.CONNECTION) ApiConnection connection,
                                @ExchangeProperty("apiMethod") String method) {
        return leakyBucket(connection, method, maxWaitSeconds);
    }

    /** Window model: the profile's limit per {@code periodMillis} (bridge.rate.window-millis). */
    public long window(ApiConnection connection, long periodMillis, int maxWaitSeconds) {
        return state(connection.id()).window(System.currentTimeMillis(), connection.rate().limit(), periodMillis,
                windowSlots, maxWaitSeconds * 1000L);
    }

    /** Per-second model: the profile's limit in any second. */
    public long perSecond(ApiConnection connection, int maxWaitSeconds) {
        return window(connection, 1000, maxWaitSeconds);
    }

    /** Leaky-bucket model, the cost by method. */
    public long leakyBucket(ApiConnection connection, String method, int maxWaitSeconds) {
        ProviderProfile.RateModel m = connection.rate();
        int cost = "GET".equals(method) || "HEAD".equals(method) ? 1 : m.writeCost();
        return state(connection.id()).bucket(System.currentTimeMillis(), Math.floor(m.bucketSize() * HEADROOM),
                m.dripPerSecond() * HEADROOM, cost, maxWaitSeconds * 1000L);
    }

    /**
     * Applies Lightspeed's view from {@code X-LS-API-Bucket-Level: used/size}: only ever less room.
     */
    public void observeBucketLevel(ApiConnection connection, String bucketLevel) {
        if (bucketLevel == null) {
            return;
        }
        ProviderProfile.RateModel m = connection.rate();
        String[] parts = bucketLevel.split("/");
        try {
            double used = Double.parseDouble(parts[0].trim());
            double size = parts.length > 1 ? Double.parseDouble(parts[1].trim()) : m.bucketSize();
            double localSize = Math.floor(m.bucketSize() * HEADROOM);
            double serverRoom = Math.min(size, m.bucketSize()) * HEADROOM - used;
            // requests still on their way are not in the server's count yet: never move towards more room
            state(connection.id()).bucketUsedAtLeast(System.currentTimeMillis(), localSize - Math.max(0, serverRoom),
                    m.dripPerSecond() * HEADROOM);
        } catch (NumberFormatException ignored) {
            // an unreadable header changes nothing
        }
    }

    /** After an upstream 429: no new call to this connection for {@code waitMillis}. */
    public void pause(ApiConnection connection, long waitMillis) {
        state(connection.id()).pauseUntil(System.currentTimeMillis() + waitMillis);
    }

    /** Connections with rate state (for the benchmark's heap figure). */
    public int size() {
        return states.size();
    }

    /** Units in a connection's leaky bucket now (for tests). */
    public double bucketLevel(ApiConnection connection) {
        RateState s = states.get(connection.id());
        return s == null ? 0 : s.bucketLevel(System.currentTimeMillis(), connection.rate().dripPerSecond() * HEADROOM);
    }

    private RateState state(String connectionId) {
        RateState s = states.get(connectionId);
        return s != null ? s : states.computeIfAbsent(connectionId, id -> new RateState());
    }

    /** The window model's period (bridge.rate.window-millis). */
    public void setWindowMillis(long windowMillis) {
        this.windowMillis = windowMillis;
    }

    /** Longest wait reserved (bridge.api.max-wait-seconds). */
    public void setMaxWaitSeconds(int maxWaitSeconds) {
        this.maxWaitSeconds = maxWaitSeconds;
    }

    /** Slots a window is cut into (bridge.rate.window-slots): more is closer to the exact window, costs 4 bytes each. */
    public void setWindowSlots(int windowSlots) {
        this.windowSlots = Math.max(1, windowSlots);
    }
}
