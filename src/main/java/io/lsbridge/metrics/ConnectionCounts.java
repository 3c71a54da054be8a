package io.lsbridge.metrics;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.sql.DataSource;

import io.lsbridge.health.TimedProbe;

/**
 * What the metrics read from the database: connections by profile and status (one GROUP BY,
 * reused for {@code cacheMillis}, so a scrape costs at most one query however many gauges it
 * reads, and at most {@code timeoutMillis} when the database hangs), and a connection's profile
 * (for refresh outcomes decided before a lease was taken; a connection never changes profile).
 */
public class ConnectionCounts {
    private static final int MAX_PROFILES_KEPT = 100_000;

    private final TimedProbe probe = new TimedProbe("metrics-connections");
    private final Map<String, String> profileById = new ConcurrentHashMap<>();
    private DataSource dataSource;
    private long cacheMillis = 10_000;
    private long timeoutMillis = 2_000;
    private volatile Map<List<String>, Long> counts;
    private volatile long readAt;

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void setCacheMillis(long cacheMillis) {
        this.cacheMillis = cacheMillis;
    }

    public void setTimeoutMillis(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Connections by [profile, status], at most cacheMillis old; null when the database did not
     * answer in time (the gauges then show NaN rather than a stale number).
     */
    public Map<List<String>, Long> byProfileAndStatus() {
        long now = System.currentTimeMillis();
        Map<List<String>, Long> c = counts;
        if (c != null && now - readAt < cacheMillis) {
            return c;
        }
        synchronized (this) {
            if (counts != null && System.currentTimeMillis() - readAt < cacheMillis) {
                return counts;
            }
            try {
                Map<List<String>, Long> fresh = new HashMap<>();
                probe.run(() -> {
                    fresh.putAll(query());
                    return "ok";
                }, timeoutMillis);
                counts = Map.copyOf(fresh);
            } catch (Exception e) {
                counts = null;
            }
            readAt = System.currentTimeMillis();
            return counts;
        }
    }

    private Map<List<String>, Long> query() throws Exception {
        Map<List<String>, Long> out = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT profile, status, COUNT(*) FROM connection GROUP BY profile, status")) {
            ps.setQueryTimeout((int) Math.max(1, (timeoutMillis + 999) / 1000));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(List.of(rs.getString(1), rs.getString(2)), rs.getLong(3));
                }
            }
        }
        return out;
    }

    /** The connection's profile, or null when there is no such connection (or the database failed). */
    public String profileOf(String connectionId) {
        if (connectionId == null) {
            return null;
        }
        String known = profileById.get(connectionId);
        if (known != null) {
            return known;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT profile FROM connection WHERE id = ?")) {
            ps.setString(1, connectionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String profile = rs.getString(1);
                if (profileById.size() >= MAX_PROFILES_KEPT) {
                    profileById.clear();
                }
                profileById.put(connectionId, profile);
                return profile;
            }
        } catch (Exception e) {
            return null;
        }
    }
}
