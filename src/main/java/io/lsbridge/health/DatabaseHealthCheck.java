package io.lsbridge.health;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import javax.sql.DataSource;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness: the bridge database answers {@code SELECT 1} through the bridge's own pool within
 * {@code timeoutMillis}. Not a liveness check: restarting the bridge does not bring a database back.
 */
public class DatabaseHealthCheck extends AbstractHealthCheck {
    private final TimedProbe probe = new TimedProbe("database");
    private DataSource dataSource;
    private long timeoutMillis = 2000;

    public DatabaseHealthCheck() {
        super("bridge", "database");
    }

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void setTimeoutMillis(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        long start = System.nanoTime();
        try {
            probe.run(this::selectOne, timeoutMillis);
            builder.detail("elapsedMillis", (System.nanoTime() - start) / 1_000_000).up();
        } catch (Exception e) {
            // the reason only: a driver message may name the host, never a password
            builder.message("database unreachable: " + Reasons.of(e)).down();
        }
    }

    private String selectOne() throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT 1")) {
            if (!rs.next() || rs.getInt(1) != 1) {
                throw new IllegalStateException("SELECT 1 did not answer 1");
            }
            return "1";
        }
    }
}
