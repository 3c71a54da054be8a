package io.lsbridge.rate;

/**
 * One connection's rate state, a fixed size whatever the traffic: for the window models a ring of
 * per-slot counters (a sliding window cut into {@code slots} slots, plus room for calls reserved
 * ahead), for the leaky bucket one "theoretical arrival time" (GCRA), and the pause a 429 asked
 * for. Every method reserves: a call told to wait N ms has its place and goes after N ms without
 * asking again (first come, first served; a write that costs 10 units is not starved by reads).
 */
final class RateState {
    private int[] ring;
    private long slotMillis;
    /** The newest slot the ring holds (ring[s % length] is slot s for head - length < s <= head). */
    private long head = Long.MIN_VALUE;
    /** The latest slot holding a reservation: later callers queue behind it. */
    private long tail = Long.MIN_VALUE;
    /** Leaky bucket: when the bucket would be empty again, epoch millis (fractional). */
    private double emptyAt;
    /** No request before this (epoch millis), after an upstream 429. */
    private long pausedUntil;

    /**
     * At most {@code limit} requests in any {@code periodMillis}: the wait before this call may go
     * (0: now), its place reserved; or, when that is more than {@code maxWaitMillis}, the wait
     * with nothing reserved (the caller answers 429 with it as Retry-After).
     */
    synchronized long window(long now, int limit, long periodMillis, int slots, long maxWaitMillis) {
        long slot = Math.max(1, periodMillis / slots);
        if (ring == null || slotMillis != slot) {
            // room for the window, the current slot and the slots a caller may be reserved into
            ring = new int[slots + 2 + (int) Math.min(100_000, maxWaitMillis / slot + 1)];
            slotMillis = slot;
            head = Long.MIN_VALUE;
            tail = Long.MIN_VALUE;
        }
        long from = Math.max(now, pausedUntil);
        long t = Math.max(from / slot, tail);
        // requests in slots t - slots .. t (the oldest counted whole: never more than limit in any period)
        int inWindow = 0;
        for (long s = t - slots; s <= t; s++) {
            inWindow += count(s);
        }
        // ends at the latest one window past the newest slot counted (an empty window)
        while (inWindow + 1 > Math.max(1, limit)) {
            inWindow -= count(t - slots);
            t++;
            inWindow += count(t);
        }
        long wait = Math.max(0, Math.max(t * slot, from) - now);
        if (wait > maxWaitMillis) {
            return wait;
        }
        advanceTo(t);
        ring[(int) Math.floorMod(t, (long) ring.length)]++;
        tail = t;
        return wait;
    }

    private int count(long s) {
        return s <= head && s > head - ring.length ? ring[(int) Math.floorMod(s, (long) ring.length)] : 0;
    }

    private void advanceTo(long t) {
        if (t <= head) {
            return;
        }
        if (head == Long.MIN_VALUE || t - head >= ring.length) {
            java.util.Arrays.fill(ring, 0);
        } else {
            for (long s = head + 1; s <= t; s++) {
                ring[(int) Math.floorMod(s, (long) ring.length)] = 0;
            }
        }
        head = t;
    }

    /**
     * A bucket of {@code size} units draining {@code perSecond}: the wait before {@code cost} units
     * fit (0: now), reserved; or, when more than {@code maxWaitMillis}, that wait with nothing reserved.
     */
    synchronized long bucket(long now, double size, double perSecond, int cost, long maxWaitMillis) {
        double unitMillis = 1000.0 / perSecond;
        double start = Math.max(emptyAt, now);
        double after = start + cost * unitMillis;
        long wait = (long) Math.ceil(Math.max(0, after - size * unitMillis - now));
        wait = Math.max(wait, pausedUntil - now);
        if (wait > maxWaitMillis) {
            return wait;
        }
        emptyAt = after;
        return wait;
    }

    /** The server says {@code used} units of the bucket are taken: never believe in more room than that. */
    synchronized void bucketUsedAtLeast(long now, double used, double perSecond) {
        double unitMillis = 1000.0 / perSecond;
        double at = now + used * unitMillis;
        if (at > emptyAt) {
            emptyAt = at;
        }
    }

    synchronized void pauseUntil(long until) {
        pausedUntil = Math.max(pausedUntil, until);
    }

    /** Units the bucket holds now (for tests). */
    synchronized double bucketLevel(long now, double perSecond) {
        return Math.max(0, emptyAt - now) * perSecond / 1000.0;
    }
}
