package io.lsbridge.health;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.flywaydb.core.api.MigrationVersion;

/**
 * Readiness: Flyway's history table ({@code flyway_schema_history}) holds the newest version found
 * in the migration folders ({@code bridge.db.migrations}), applied successfully. DOWN while the
 * schema is older than the code expects.
 */
public class MigrationsHealthCheck extends AbstractHealthCheck {
    private static final Pattern VERSIONED = Pattern.compile("^V([0-9][0-9._]*)__.+\\.sql$");
    private static final String APPLIED = "SELECT \"version\" FROM \"flyway_schema_history\" WHERE \"success\" = TRUE"
            + " AND \"version\" IS NOT NULL";

    private final TimedProbe probe = new TimedProbe("migrations");
    private DataSource dataSource;
    private String locations = "filesystem:config/db/migration";
    private long timeoutMillis = 2000;
    private volatile MigrationVersion expected;

    public MigrationsHealthCheck() {
        super("bridge", "migrations");
    }

    public void setDataSource(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public void setLocations(String locations) {
        this.locations = locations;
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
        MigrationVersion want;
        try {
            want = expectedVersion();
        } catch (IOException | RuntimeException e) {
            builder.message("cannot read the migrations in " + locations + ": " + Reasons.of(e)).down();
            return;
        }
        builder.detail("expectedVersion", want.getVersion());
        try {
            String applied = probe.run(this::newestApplied, timeoutMillis);
            builder.detail("appliedVersion", applied);
            // newer is fine: another node with newer code may have migrated first
            if (applied == null || want.isNewerThan(applied)) {
                builder.message("schema at version " + applied + ", expected " + want.getVersion()).down();
            } else {
                builder.up();
            }
        } catch (Exception e) {
            builder.message("cannot read flyway_schema_history: " + Reasons.of(e)).down();
        }
    }

    /** The newest V{version}__*.sql in the filesystem locations (read once: files do not change at run time). */
    MigrationVersion expectedVersion() throws IOException {
        MigrationVersion v = expected;
        if (v == null) {
            v = MigrationVersion.EMPTY;
            for (String location : locations.split(",")) {
                String l = location.trim();
                if (!l.startsWith("filesystem:")) {
                    continue;
                }
                try (Stream<Path> files = Files.list(Path.of(l.substring("filesystem:".length())))) {
                    for (Path f : (Iterable<Path>) files::iterator) {
                        Matcher m = VERSIONED.matcher(f.getFileName().toString());
                        if (m.matches()) {
                            MigrationVersion found = MigrationVersion.fromVersion(m.group(1).replace('_', '.'));
                            if (found.isNewerThan(v)) {
                                v = found;
                            }
                        }
                    }
                }
            }
            if (v == MigrationVersion.EMPTY) {
                throw new IllegalStateException("no versioned migration found");
            }
            expected = v;
        }
        return v;
    }

    private String newestApplied() throws Exception {
        MigrationVersion newest = null;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(APPLIED)) {
            while (rs.next()) {
                MigrationVersion v = MigrationVersion.fromVersion(rs.getString(1));
                if (newest == null || v.isNewerThan(newest)) {
                    newest = v;
                }
            }
        }
        return newest == null ? null : newest.getVersion();
    }
}
